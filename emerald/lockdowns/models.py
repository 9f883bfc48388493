"""Lockdowns, the emergency moves made across them, and emergency re-housing runs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from emerald.facilities.models import Cell, Facility, Unit
from emerald.housing.models import Placement
from emerald.people.models import Person


class Lockdown(models.Model):
    """A lockdown of one unit or of a whole facility: no move into, out of or within it while in force.

    Exactly one of ``unit`` and ``facility`` is set. The database allows one
    lockdown in force per unit and one per facility. A lockdown is lifted with
    who, when and why, and never deleted or edited.
    """

    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="lockdowns",
        verbose_name=_("facility"),
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="lockdowns", verbose_name=_("unit")
    )
    reason = models.TextField(_("reason"))
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("lockdown")
        verbose_name_plural = _("lockdowns")
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(facility__isnull=True))
                | (Q(unit__isnull=True) & Q(facility__isnull=False)),
                name="lockdown_unit_xor_facility",
            ),
            models.UniqueConstraint(
                fields=["unit"], condition=Q(lifted_at__isnull=True) & Q(unit__isnull=False),
                name="one_active_lockdown_per_unit",
            ),
            models.UniqueConstraint(
                fields=["facility"], condition=Q(lifted_at__isnull=True) & Q(facility__isnull=False),
                name="one_active_lockdown_per_facility",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="lockdown_has_reason"),
            models.CheckConstraint(
                condition=(Q(lifted_at__isnull=True) & Q(lifted_by__isnull=True) & Q(lift_reason=""))
                | (Q(lifted_at__isnull=False) & Q(lifted_by__isnull=False) & ~Q(lift_reason="")),
                name="lockdown_lifted_with_who_and_why",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(lifted_at__gte=models.F("started_at")),
                name="lockdown_lifted_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"lockdown #{self.pk} of {self.area_code}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    @property
    def area_code(self) -> str:
        return self.unit.code if self.unit_id else self.facility.code  # type: ignore[union-attr]

    @property
    def area_kind(self) -> str:
        return "unit" if self.unit_id else "facility"

    def area_label(self) -> str:
        if self.unit_id:
            return _("Unit %(unit)s") % {"unit": self.unit.code}  # type: ignore[union-attr]
        return _("Facility %(facility)s") % {"facility": self.facility.code}  # type: ignore[union-attr]

    def sentence(self) -> str:
        """Why a move is refused, for the 409 answer and the move dialog."""
        return _("%(area)s is locked down since %(since)s: %(reason)s.") % {
            "area": self.area_label(),
            "since": timezone.localtime(self.started_at).strftime("%Y-%m-%d %H:%M"),
            "reason": self.reason.rstrip("."),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "lockdown_id": self.pk,
            "scope": self.area_kind,
            "area": self.area_code,
            "reason": self.reason,
            "started_at": self.started_at.isoformat(),
        }


class ReviewOutcome(models.TextChoices):
    JUSTIFIED = "justified", _("justified")
    NOT_JUSTIFIED = "not_justified", _("not justified")


class EmergencyMove(models.Model):
    """An admission or move made across a lockdown, flagged for review by a warden or administrator.

    Written in the same transaction as the placement it flags, so there is no
    emergency move without its flag. Reviewed once, with who, when and the
    outcome; never deleted.
    """

    placement = models.OneToOneField(Placement, on_delete=models.PROTECT, related_name="emergency_move")
    lockdowns = models.ManyToManyField(Lockdown, related_name="emergency_moves")
    from_cell = models.ForeignKey(Cell, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("emergency reason"))
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ordered_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_outcome = models.CharField(_("outcome"), max_length=16, choices=ReviewOutcome.choices, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        verbose_name = _("emergency move")
        verbose_name_plural = _("emergency moves")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="emergency_move_has_reason"),
            models.CheckConstraint(
                condition=(Q(reviewed_at__isnull=True) & Q(reviewed_by__isnull=True) & Q(review_outcome=""))
                | (Q(reviewed_at__isnull=False) & Q(reviewed_by__isnull=False)
                   & Q(review_outcome__in=ReviewOutcome.values)),
                name="emergency_move_reviewed_with_who_and_outcome",
            ),
        ]
        indexes = [models.Index(fields=["ordered_at"], condition=Q(reviewed_at__isnull=True),
                                name="emergency_move_pending_idx")]

    def __str__(self) -> str:
        return f"emergency move #{self.pk}"


class RunStatus(models.TextChoices):
    PREVIEWED = "previewed", _("previewed")
    EXECUTED = "executed", pgettext_lazy("rehousing", "executed")
    CANCELLED = "cancelled", pgettext_lazy("process", "cancelled")


class RehousingRun(models.Model):
    """One emergency re-housing: a plan (the preview), then executed as a whole or cancelled.

    ``source_unit`` is set when a whole unit is emptied, empty when a chosen
    list of people is moved. The plan is stored item by item so what was
    shown is what is executed, and the run remains as evidence afterwards.
    """

    source_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("source unit")
    )
    target_units = models.ManyToManyField(Unit, related_name="+", verbose_name=_("target units"))
    # The order in which targets are filled (a many-to-many relation has none of its own).
    target_order = models.JSONField(default=list)
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.PREVIEWED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    executed_at = models.DateTimeField(null=True, blank=True)
    emergency = models.BooleanField(default=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("re-housing run")
        verbose_name_plural = _("re-housing runs")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="rehousing_run_has_reason"),
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="rehousing_run_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=RunStatus.EXECUTED) | (Q(executed_at__isnull=False) & Q(executed_by__isnull=False)),
                name="rehousing_run_executed_with_who",
            ),
            models.CheckConstraint(
                condition=~Q(status=RunStatus.CANCELLED)
                | (Q(cancelled_at__isnull=False) & Q(cancelled_by__isnull=False) & ~Q(cancel_reason="")),
                name="rehousing_run_cancelled_with_who_and_why",
            ),
        ]

    def __str__(self) -> str:
        return f"re-housing run #{self.pk}"


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    UNPLACEABLE = "unplaceable", _("cannot be placed")
    MOVED = "moved", _("moved")


class RehousingItem(models.Model):
    """One person in a run: where they are, where the plan sends them, or why they cannot be placed."""

    run = models.ForeignKey(RehousingRun, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField()
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    from_cell = models.ForeignKey(Cell, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_cell = models.ForeignKey(Cell, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=ItemStatus.choices)
    problem_code = models.CharField(max_length=32, blank=True)
    problem = models.TextField(blank=True)
    note = models.TextField(blank=True)
    placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["run_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "person"], name="rehousing_item_person_once_per_run"),
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="rehousing_item_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=ItemStatus.UNPLACEABLE) | (Q(to_cell__isnull=True) & ~Q(problem="")),
                name="rehousing_item_unplaceable_says_why",
            ),
            models.CheckConstraint(
                condition=Q(status=ItemStatus.UNPLACEABLE) | Q(to_cell__isnull=False),
                name="rehousing_item_placed_has_cell",
            ),
            models.CheckConstraint(
                condition=~Q(status=ItemStatus.MOVED) | Q(placement__isnull=False),
                name="rehousing_item_moved_has_placement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.to_cell_id or '-'}"
