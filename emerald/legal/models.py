"""Legal matters of people in custody: criminal cases, appeals, civil cases, parole hearings.

Privileged records: see permissions.py. Nothing is deleted: a helper's help ends with who, when and why, a
hearing is cancelled (not removed), a matter is closed with its outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from emerald.people.models import Person
from emerald.people.visibility import display_label

USER = settings.AUTH_USER_MODEL


class MatterKind(models.TextChoices):
    CRIMINAL_CASE = "criminal_case", _("criminal case")
    APPEAL = "appeal", _("appeal")
    CIVIL_CASE = "civil_case", _("civil case")
    PAROLE_HEARING = "parole_hearing", _("parole hearing")


class Outcome(models.TextChoices):
    APPEAL_REJECTED = "appeal_rejected", _("appeal rejected")
    APPEAL_ALLOWED = "appeal_allowed", _("appeal allowed")
    CONVICTED = "convicted", _("convicted")
    ACQUITTED = "acquitted", _("acquitted")
    DISMISSED = "dismissed", _("dismissed")
    SETTLED = "settled", _("settled")
    PAROLE_GRANTED = "parole_granted", _("parole granted")
    PAROLE_DENIED = "parole_denied", _("parole denied")
    WITHDRAWN = "withdrawn", _("withdrawn")
    OTHER = "other", _("other")


class LegalMatter(models.Model):
    """One legal matter of a person in custody. Open until its outcome is recorded."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=MatterKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    court = models.CharField(_("court"), max_length=200)
    case_number = models.CharField(_("case number"), max_length=100, blank=True)
    counsel = models.CharField(_("counsel"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(_("decided on"), null=True, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    outcome_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("legal matter")
        verbose_name_plural = _("legal matters")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MatterKind.values), name="legal_kind_valid"),
            models.CheckConstraint(condition=Q(outcome__in=Outcome.values) | Q(outcome=""), name="legal_outcome_valid"),
            models.CheckConstraint(condition=~Q(court=""), name="legal_has_court"),
            models.CheckConstraint(
                condition=(Q(outcome="") & Q(outcome_on__isnull=True) & Q(outcome_by__isnull=True))
                | (~Q(outcome="") & Q(outcome_on__isnull=False) & Q(outcome_by__isnull=False)
                   & Q(outcome_at__isnull=False)),
                name="legal_outcome_with_date_and_who"),
        ]
        indexes = [models.Index(fields=["person"], name="legal_person_idx")]

    def __str__(self) -> str:
        return f"legal matter #{self.pk}"

    @property
    def is_open(self) -> bool:
        return not self.outcome

    @property
    def heading(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.case_number}".strip()


class HelperKind(models.TextChoices):
    COUNSEL = "counsel", _("counsel")
    IN_CUSTODY = "in_custody", _("person in custody (legal helper)")
    OTHER = "other", _("other helper")


class LegalHelper(models.Model):
    """Someone who helps with a matter: counsel, another person in custody acting as legal helper, family...

    ``person`` is set for a person in custody; a name otherwise.
    """

    matter = models.ForeignKey(LegalMatter, on_delete=models.PROTECT, related_name="helpers")
    kind = models.CharField(_("kind"), max_length=12, choices=HelperKind.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person in custody"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    role = models.CharField(_("what they do"), max_length=300, blank=True)
    added_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=HelperKind.values), name="legal_helper_kind_valid"),
            models.CheckConstraint(
                condition=(Q(kind="in_custody") & Q(person__isnull=False))
                | (~Q(kind="in_custody") & Q(person__isnull=True) & ~Q(name="")),
                name="legal_helper_identity"),
            models.CheckConstraint(
                condition=(Q(ended_at__isnull=True) & Q(end_reason=""))
                | (Q(ended_at__isnull=False) & Q(ended_by__isnull=False) & ~Q(end_reason="")),
                name="legal_helper_ended_with_who_and_why"),
            models.UniqueConstraint(fields=["matter", "person"], condition=Q(person__isnull=False, ended_at__isnull=True),
                                    name="legal_helper_person_once"),
        ]

    def __str__(self) -> str:
        return f"helper #{self.pk} of legal matter #{self.matter_id}"

    @property
    def display_name(self) -> str:
        if self.person_id:
            # As the reader of the request may see them (emerald/people/visibility.py).
            return display_label(self.person)
        return self.name


class HearingStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("hearing", "scheduled")
    CANCELLED = "cancelled", _("cancelled")


class CourtHearing(models.Model):
    """A date in court (or before the parole board). Scheduling it plans the person's absence from their cell
    when the movements area is installed (``absence_id``; ``movement_note`` says what happened)."""

    matter = models.ForeignKey(LegalMatter, on_delete=models.PROTECT, related_name="hearings")
    at = models.DateTimeField(_("date and time"))
    court = models.CharField(_("court"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=HearingStatus.choices, default=HearingStatus.SCHEDULED)
    absence_id = models.BigIntegerField(null=True, blank=True)
    movement_note = models.TextField(blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=HearingStatus.values), name="court_hearing_status_valid"),
            models.CheckConstraint(condition=~Q(court=""), name="court_hearing_has_court"),
            models.CheckConstraint(
                condition=(Q(status="scheduled") & Q(cancelled_at__isnull=True))
                | (Q(status="cancelled") & Q(cancelled_at__isnull=False) & Q(cancelled_by__isnull=False)
                   & ~Q(cancel_reason="")),
                name="court_hearing_cancelled_with_who_and_why"),
        ]
        indexes = [models.Index(fields=["at"], name="court_hearing_at_idx")]

    def __str__(self) -> str:
        return f"court hearing #{self.pk}"
