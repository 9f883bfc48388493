"""Discipline: a charge (standalone or from an incident) → hearing → finding → sanctions → appeal.

Nothing is edited or deleted: a rescheduled hearing cancels the old one, a sanction ends (completed or
quashed) with who, when and why, an appeal is a row of its own. The caps on sanctions are configurable
(``EMERALD_SANCTION_CAPS``); the database refuses what no configuration allows (days below 1 or above 365).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from emerald.facilities.models import Unit
from emerald.housing.models import Placement
from emerald.people.models import Person

USER = settings.AUTH_USER_MODEL
#: No configuration may allow a sanction longer than this (the database refuses it).
MAX_DAYS = 365


class ChargeStatus(models.TextChoices):
    CHARGED = "charged", _("charged")
    HEARING_SCHEDULED = "hearing_scheduled", _("hearing scheduled")
    PROVED = "proved", _("proved")
    SANCTIONED = "sanctioned", _("sanctioned")
    UNDER_APPEAL = "under_appeal", _("under appeal")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")
    QUASHED = "quashed", _("quashed on appeal")


class Finding(models.TextChoices):
    PROVED = "proved", _("proved")
    NOT_PROVED = "not_proved", _("not proved")
    DISMISSED = "dismissed", _("dismissed")
    REFERRED_TO_POLICE = "referred_to_police", _("referred to police")


class Charge(models.Model):
    """A disciplinary charge against a person in custody; the hearing is due by ``hearing_due_at``.

    ``unit`` is the person's unit when charged: a unit manager adjudicates the charges of their units.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("incident"))
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    offence = models.CharField(_("offence"), max_length=200)
    particulars = models.TextField(_("particulars"))
    status = models.CharField(_("status"), max_length=18, choices=ChargeStatus.choices, default=ChargeStatus.CHARGED)
    charged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    charged_at = models.DateTimeField()
    hearing_due_at = models.DateTimeField(_("hearing due by"))
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices, blank=True)
    finding_reason = models.TextField(_("reasons for the finding"), blank=True)
    finding_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    finding_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-charged_at", "-id"]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ChargeStatus.values), name="charge_status_valid"),
            models.CheckConstraint(condition=Q(finding__in=Finding.values) | Q(finding=""), name="charge_finding_valid"),
            models.CheckConstraint(condition=~Q(offence="") & ~Q(particulars=""), name="charge_has_offence"),
            models.CheckConstraint(condition=Q(hearing_due_at__gt=F("charged_at")), name="charge_due_after_charge"),
            models.CheckConstraint(
                condition=(Q(finding="") & Q(finding_at__isnull=True) & Q(finding_by__isnull=True))
                | (~Q(finding="") & Q(finding_at__isnull=False) & Q(finding_by__isnull=False)),
                name="charge_finding_with_who_and_when"),
            models.CheckConstraint(
                condition=~Q(status__in=["proved", "sanctioned", "under_appeal", "quashed"]) | Q(finding="proved"),
                name="charge_proved_states_need_finding"),
            models.CheckConstraint(
                condition=(~Q(status="withdrawn") & Q(withdrawn_at__isnull=True))
                | (Q(status="withdrawn") & Q(withdrawn_at__isnull=False) & ~Q(withdraw_reason="")),
                name="charge_withdrawn_with_when_and_why"),
        ]
        indexes = [models.Index(fields=["status", "hearing_due_at"], name="charge_status_due_idx")]

    def __str__(self) -> str:
        return f"charge #{self.pk}"


class Hearing(models.Model):
    """The adjudication hearing of a charge. Rescheduling cancels this row and adds another."""

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="hearings")
    scheduled_at = models.DateTimeField(_("hearing at"))
    adjudicator = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("adjudicator"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    scheduled_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["charge"], condition=Q(cancelled_at__isnull=True),
                                    name="one_open_hearing_per_charge"),
            models.CheckConstraint(condition=Q(cancelled_at__isnull=True) | ~Q(cancel_reason=""),
                                   name="hearing_cancelled_with_why"),
        ]

    def __str__(self) -> str:
        return f"hearing #{self.pk} of charge #{self.charge_id}"


class SanctionKind(models.TextChoices):
    CAUTION = "caution", _("caution")
    LOSS_OF_PRIVILEGES = "loss_of_privileges", _("loss of privileges")
    EXTRA_WORK = "extra_work", _("extra work")
    LOSS_OF_EARNINGS = "loss_of_earnings", _("loss of earnings")
    SEGREGATION = "segregation", _("disciplinary segregation")


class SanctionStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("sanction", "active")
    COMPLETED = "completed", pgettext_lazy("sanction", "completed")
    QUASHED = "quashed", _("quashed")


class Sanction(models.Model):
    """A sanction imposed on a proved charge, from ``starts_at`` to ``ends_at`` (the scheduled end).

    A segregation sanction moves the person to a segregation cell through the housing move service:
    ``from_placement`` is the placement they left, ``placement`` the segregation placement. If the move was
    refused (keep-apart, no free cell...) the sanction stands and ``move_error`` says why. Ending it
    (``sanction_complete``) moves the person back: the scheduled return is ``ends_at``.
    """

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="sanctions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=SanctionKind.choices)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends (scheduled return)"))
    next_review_at = models.DateTimeField(_("next review"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=SanctionStatus.choices,
                              default=SanctionStatus.ACTIVE)
    note = models.TextField(_("note"), blank=True)
    imposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    imposed_at = models.DateTimeField()
    from_placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    move_error_code = models.CharField(max_length=40, blank=True)
    move_error = models.TextField(blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    end_reason = models.TextField(blank=True)
    return_placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SanctionKind.values), name="sanction_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=SanctionStatus.values), name="sanction_status_valid"),
            models.CheckConstraint(
                condition=(Q(kind="caution") & Q(days__isnull=True))
                | (~Q(kind="caution") & Q(days__gte=1) & Q(days__lte=MAX_DAYS)),
                name="sanction_days_in_range"),
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="sanction_ends_after_start"),
            models.CheckConstraint(
                condition=(Q(status="active") & Q(ended_at__isnull=True))
                | (~Q(status="active") & Q(ended_at__isnull=False) & Q(ended_by__isnull=False) & ~Q(end_reason="")),
                name="sanction_ended_with_who_and_why"),
            models.CheckConstraint(condition=Q(placement__isnull=True) | Q(kind="segregation"),
                                   name="sanction_only_segregation_moves"),
        ]
        indexes = [models.Index(fields=["status", "ends_at"], name="sanction_status_end_idx")]

    def __str__(self) -> str:
        return f"sanction #{self.pk} ({self.kind})"


class ReviewDecision(models.TextChoices):
    CONTINUE = "continue", _("continue")
    END = "end", _("end now")


class SanctionReview(models.Model):
    """A periodic review of a segregation sanction (configurable interval): continue, or end now."""

    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices)
    note = models.TextField(_("note"))
    reviewed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["reviewed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(decision__in=ReviewDecision.values), name="review_decision_valid"),
            models.CheckConstraint(condition=~Q(note=""), name="review_has_note"),
        ]

    def __str__(self) -> str:
        return f"review #{self.pk} of sanction #{self.sanction_id}"


class AppealOutcome(models.TextChoices):
    DISMISSED = "dismissed", _("dismissed: the finding stands")
    ALLOWED = "allowed", _("allowed: the finding is quashed")


class Appeal(models.Model):
    """The person's appeal against a proved charge; one per charge, decided by someone other than the
    adjudicator."""

    charge = models.OneToOneField(Charge, on_delete=models.PROTECT, related_name="appeal")
    grounds = models.TextField(_("grounds"))
    lodged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    lodged_at = models.DateTimeField()
    from_status = models.CharField(max_length=18, choices=ChargeStatus.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=AppealOutcome.choices, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(grounds=""), name="appeal_has_grounds"),
            models.CheckConstraint(
                condition=(Q(outcome="") & Q(decided_at__isnull=True))
                | (Q(outcome__in=AppealOutcome.values) & Q(decided_at__isnull=False) & Q(decided_by__isnull=False)
                   & ~Q(decision_reason="")),
                name="appeal_decided_with_who_and_why"),
        ]

    def __str__(self) -> str:
        return f"appeal of charge #{self.charge_id}"

