"""Where people are beyond their bed: temporary absences, transfers, counts, escapes.

A placement says which bed is a person's; these records say whether they are in it. Every record
here is closed or superseded with who, when and why, never deleted; the database holds the shapes
(one absence out per person, one pending transfer per person, one open count per facility...).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from emerald.facilities.models import Cell, Facility, Unit
from emerald.housing.models import Placement
from emerald.people.models import Person

USER = settings.AUTH_USER_MODEL


# --------------------------------------------------------------------------------------------------- absences


class AbsenceKind(models.TextChoices):
    COURT = "court", _("court")
    HOSPITAL = "hospital", _("hospital")
    INFIRMARY = "infirmary", _("infirmary")
    VISIT = "visit", _("visit")
    WORK = "work", _("work")
    PROGRAMME = "programme", _("programme")
    OTHER = "other", _("other")


#: Kinds that may leave an area under lockdown: a medical need does not wait for the lockdown to lift.
MEDICAL_KINDS = frozenset({AbsenceKind.HOSPITAL.value, AbsenceKind.INFIRMARY.value})


class AbsenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    OUT = "out", _("out")
    RETURNED = "returned", _("returned")
    CANCELLED = "cancelled", _("cancelled")
    ENDED = "ended", _("ended without return")


class Absence(models.Model):
    """A person out of their cell for a while (court, hospital, a visit...), keeping the cell.

    Scheduled absences are planned (out at, expected back) and then depart; unscheduled ones depart
    at once. The placement stays open: the bed is still theirs. ``ended`` closes an absence that did
    not end with a return (the person escaped, died or was released while out).
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="absences")
    # The placement the person was in when they left (set on departure): the cell kept for them.
    placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=AbsenceKind.choices)
    destination = models.CharField(_("destination"), max_length=200)
    reason = models.TextField(_("reason"))
    scheduled = models.BooleanField(_("scheduled"), default=False)
    planned_out_at = models.DateTimeField(_("planned out"), null=True, blank=True)
    expected_back_at = models.DateTimeField(_("expected back"))
    out_at = models.DateTimeField(_("time out"), null=True, blank=True)
    back_at = models.DateTimeField(_("time back"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=AbsenceStatus.choices)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    departed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    returned_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status="out"), name="one_absence_out_per_person"),
            models.CheckConstraint(condition=Q(kind__in=AbsenceKind.values), name="absence_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=AbsenceStatus.values), name="absence_status_valid"),
            models.CheckConstraint(condition=~Q(reason="") & ~Q(destination=""), name="absence_has_reason_and_place"),
            models.CheckConstraint(
                condition=(Q(status="scheduled") & Q(out_at__isnull=True) & Q(back_at__isnull=True)
                           & Q(planned_out_at__isnull=False))
                | (Q(status="out") & Q(out_at__isnull=False) & Q(back_at__isnull=True) & Q(placement__isnull=False))
                | (Q(status="returned") & Q(out_at__isnull=False) & Q(back_at__isnull=False))
                | (Q(status="cancelled") & Q(out_at__isnull=True) & Q(closed_at__isnull=False) & ~Q(close_reason=""))
                | (Q(status="ended") & Q(out_at__isnull=False) & Q(back_at__isnull=True) & Q(closed_at__isnull=False)
                   & ~Q(close_reason="")),
                name="absence_status_shape",
            ),
            models.CheckConstraint(condition=Q(back_at__isnull=True) | Q(back_at__gte=F("out_at")),
                                   name="absence_back_after_out"),
            models.CheckConstraint(
                condition=Q(planned_out_at__isnull=True) | Q(expected_back_at__gt=F("planned_out_at")),
                name="absence_expected_back_after_planned_out"),
            models.CheckConstraint(condition=~Q(scheduled=True) | Q(planned_out_at__isnull=False),
                                   name="absence_scheduled_has_plan"),
        ]
        indexes = [
            models.Index(fields=["person"], condition=Q(status="out"), name="absence_out_person_idx"),
            models.Index(fields=["out_at", "back_at"], name="absence_out_back_idx"),
        ]

    def __str__(self) -> str:
        return f"absence #{self.pk} ({self.kind}, {self.status})"


# --------------------------------------------------------------------------------------------------- transfers


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    EXECUTED = "executed", _("executed")
    CANCELLED = "cancelled", _("cancelled")


class ManagerReview(models.TextChoices):
    """Where a transfer stands in the queue of the manager of the unit it takes a person out of."""

    NOT_NEEDED = "not_needed", _("not needed")  # the manager approved it, or the unit has no manager
    PENDING = "pending", _("in the unit manager's queue")
    ACKNOWLEDGED = "acknowledged", _("acknowledged by the unit manager")
    CONTESTED = "contested", _("contested, awaiting the warden")
    UPHELD = "upheld", _("contest decided: upheld")
    REVERSED = "reversed", _("contest decided: reversed")


class Transfer(models.Model):
    """A move of a person to another unit or facility, with who ordered it, who approved it, and why.

    Requested → approved (or rejected) → executed through the housing move service. Emergency
    transfers are executed at once without approval, with a reason, and flagged for review. A transfer
    out of a unit that the unit's manager did not approve lands in the manager's queue
    (``manager_review``), where it may be contested; a warden decides (upheld or reversed).
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="transfers")
    from_placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="+")
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    from_cell = models.ForeignKey(Cell, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_cell = models.ForeignKey(Cell, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    between_facilities = models.BooleanField(default=False)
    reason = models.TextField(_("reason"))
    ordered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("ordered by"))
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=TransferStatus.choices, default=TransferStatus.REQUESTED)
    approved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = models.TextField(blank=True)
    rejected_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rejected_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(blank=True)
    cancelled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    executed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    executed_at = models.DateTimeField(null=True, blank=True)
    placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    emergency = models.BooleanField(default=False)
    emergency_reason = models.TextField(blank=True)
    emergency_reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    emergency_reviewed_at = models.DateTimeField(null=True, blank=True)
    emergency_review_note = models.TextField(blank=True)
    manager_review = models.CharField(max_length=14, choices=ManagerReview.choices, default=ManagerReview.NOT_NEEDED)
    acknowledged_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    contested_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    contested_at = models.DateTimeField(null=True, blank=True)
    contest_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    reversal_placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+")
    reversal_problem = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status__in=["requested", "approved"]),
                                    name="one_pending_transfer_per_person"),
            models.CheckConstraint(condition=Q(status__in=TransferStatus.values), name="transfer_status_valid"),
            models.CheckConstraint(condition=Q(manager_review__in=ManagerReview.values),
                                   name="transfer_manager_review_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="transfer_has_reason"),
            models.CheckConstraint(condition=~Q(to_unit=F("from_unit")), name="transfer_changes_unit"),
            # Executed means someone approved it, or it was an emergency with its reason.
            models.CheckConstraint(
                condition=~Q(status="executed")
                | (Q(executed_by__isnull=False) & Q(executed_at__isnull=False) & Q(placement__isnull=False)
                   & (Q(approved_by__isnull=False) | (Q(emergency=True) & ~Q(emergency_reason="")))),
                name="transfer_executed_approved_or_emergency",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="transfer_approved_with_who",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | (Q(rejected_by__isnull=False) & ~Q(reject_reason="")),
                name="transfer_rejected_with_who_and_why",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | (Q(cancelled_by__isnull=False) & ~Q(cancel_reason="")),
                name="transfer_cancelled_with_who_and_why",
            ),
            models.CheckConstraint(condition=Q(emergency=False) | ~Q(emergency_reason=""),
                                   name="transfer_emergency_has_reason"),
            models.CheckConstraint(
                condition=~Q(manager_review__in=["contested", "upheld", "reversed"])
                | (Q(contested_by__isnull=False) & ~Q(contest_reason="")),
                name="transfer_contest_with_who_and_why",
            ),
            models.CheckConstraint(
                condition=~Q(manager_review__in=["upheld", "reversed"])
                | (Q(decided_by__isnull=False) & ~Q(decision_reason="")),
                name="transfer_decision_with_who_and_why",
            ),
        ]
        indexes = [
            models.Index(fields=["from_unit", "manager_review"], name="transfer_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"transfer #{self.pk} ({self.status})"

    @property
    def to_label(self) -> str:
        return self.to_cell.code if self.to_cell_id else self.to_unit.code  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------------- counts


class CountSchedule(models.Model):
    """One scheduled count time of a facility, in the facility's local time (e.g. 22:00)."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="count_times")
    time = models.TimeField(_("time"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["facility_id", "time"]
        verbose_name = _("scheduled count time")
        verbose_name_plural = _("scheduled count times")
        constraints = [models.UniqueConstraint(fields=["facility", "time"], name="count_time_unique_per_facility")]

    def __str__(self) -> str:
        return f"{self.time:%H:%M}"


class CountKind(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    EMERGENCY = "emergency", _("emergency")


class CountStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("count", "in progress")
    CLEARED = "cleared", _("cleared")


class Count(models.Model):
    """A count of a whole facility: one sheet per unit. It clears only when every sheet reconciles.

    At most one count is open per facility. While a count is open it may be escalated (the escape
    procedure: a facility lockdown).
    """

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="counts")
    kind = models.CharField(_("kind"), max_length=10, choices=CountKind.choices)
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(max_length=8, choices=CountStatus.choices, default=CountStatus.OPEN)
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    cleared_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cleared_at = models.DateTimeField(null=True, blank=True)
    lockdown = models.ForeignKey("lockdowns.Lockdown", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    escalated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("count")
        verbose_name_plural = _("counts")
        constraints = [
            models.UniqueConstraint(fields=["facility"], condition=Q(status="open"), name="one_open_count_per_facility"),
            models.UniqueConstraint(fields=["facility", "scheduled_for"], condition=Q(kind="scheduled"),
                                    name="one_count_per_scheduled_time"),
            models.CheckConstraint(condition=Q(kind__in=CountKind.values), name="count_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=CountStatus.values), name="count_status_valid"),
            models.CheckConstraint(condition=~Q(kind="emergency") | ~Q(reason=""), name="count_emergency_has_reason"),
            models.CheckConstraint(condition=~Q(kind="scheduled") | Q(scheduled_for__isnull=False),
                                   name="count_scheduled_has_time"),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(cleared_at__isnull=True))
                | (Q(status="cleared") & Q(cleared_at__isnull=False) & Q(cleared_by__isnull=False)),
                name="count_cleared_with_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(escalated_at__isnull=True) | (Q(escalated_by__isnull=False) & ~Q(escalation_reason="")),
                name="count_escalated_with_who_and_why",
            ),
        ]

    def __str__(self) -> str:
        return f"count #{self.pk} of {self.facility_id}"


class CountSheet(models.Model):
    """The count of one unit: a line per person who should be there, or a unit total.

    ``submitted`` when an officer has entered it; an optional cross-check by a second officer (a
    different user) records their own total. ``reconciled`` is set by the service whenever the sheet
    changes: every expected person accounted for (present, out on a recorded absence, or found
    elsewhere and reconciled), and the totals (if entered) match.
    """

    count = models.ForeignKey(Count, on_delete=models.PROTECT, related_name="sheets")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    expected = models.PositiveIntegerField()  # people with an open placement in the unit at the start
    expected_out = models.PositiveIntegerField()  # of them, out on a recorded absence
    total = models.PositiveIntegerField(null=True, blank=True)  # a head count instead of (or besides) lines
    submitted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    crosscheck_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    crosscheck_at = models.DateTimeField(null=True, blank=True)
    crosscheck_total = models.PositiveIntegerField(null=True, blank=True)
    reconciled = models.BooleanField(default=False)

    class Meta:
        ordering = ["count_id", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["count", "unit"], name="one_sheet_per_unit_per_count"),
            models.CheckConstraint(condition=Q(expected_out__lte=F("expected")), name="count_sheet_out_within_expected"),
            models.CheckConstraint(condition=Q(submitted_at__isnull=True) | Q(submitted_by__isnull=False),
                                   name="count_sheet_submitted_with_who"),
            models.CheckConstraint(
                condition=Q(crosscheck_at__isnull=True)
                | (Q(crosscheck_by__isnull=False) & Q(crosscheck_total__isnull=False) & Q(submitted_at__isnull=False)
                   & ~Q(crosscheck_by=F("submitted_by"))),
                name="count_sheet_crosscheck_by_another",
            ),
            models.CheckConstraint(condition=Q(reconciled=False) | Q(submitted_at__isnull=False),
                                   name="count_sheet_reconciled_only_submitted"),
        ]

    def __str__(self) -> str:
        return f"count #{self.count_id} sheet {self.unit_id}"

    @property
    def expected_in(self) -> int:
        return self.expected - self.expected_out


class Mark(models.TextChoices):
    UNMARKED = "", _("not counted yet")
    PRESENT = "present", _("present")
    ABSENT = "absent", pgettext_lazy("count", "absent")
    ELSEWHERE = "elsewhere", _("found elsewhere")
    OUT = "out", _("out on a recorded absence")


class CountLine(models.Model):
    """One person who should be in the unit at the count, and what the officer found."""

    sheet = models.ForeignKey(CountSheet, on_delete=models.PROTECT, related_name="lines")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    cell = models.ForeignKey(Cell, on_delete=models.PROTECT, related_name="+")
    absence = models.ForeignKey(Absence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    mark = models.CharField(max_length=10, choices=Mark.choices, blank=True, default="")
    where = models.CharField(_("where"), max_length=200, blank=True)
    marked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(null=True, blank=True)
    reconciled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reconciled_at = models.DateTimeField(null=True, blank=True)
    reconcile_note = models.TextField(blank=True)

    class Meta:
        ordering = ["sheet_id", "cell__code", "person__last_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "person"], name="one_line_per_person_per_sheet"),
            models.CheckConstraint(condition=Q(mark__in=Mark.values), name="count_line_mark_valid"),
            models.CheckConstraint(condition=~Q(mark="elsewhere") | ~Q(where=""), name="count_line_elsewhere_says_where"),
            models.CheckConstraint(condition=~Q(mark="out") | Q(absence__isnull=False), name="count_line_out_has_absence"),
            models.CheckConstraint(condition=Q(mark="") | Q(marked_at__isnull=False), name="count_line_marked_with_when"),
            models.CheckConstraint(
                condition=Q(reconciled_at__isnull=True) | (Q(reconciled_by__isnull=False) & ~Q(reconcile_note="")),
                name="count_line_reconciled_with_who_and_why",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.mark or '-'}"

    @property
    def accounted(self) -> bool:
        if self.mark in (Mark.PRESENT, Mark.OUT):
            return True
        return self.mark == Mark.ELSEWHERE and self.reconciled_at is not None


class AlertStatus(models.TextChoices):
    OPEN = "open", _("open")
    RESOLVED = "resolved", _("resolved")


class Alert(models.Model):
    """A count discrepancy shown on the dashboard until the count reconciles (then resolved, not deleted)."""

    count = models.ForeignKey(Count, on_delete=models.PROTECT, related_name="alerts")
    sheet = models.ForeignKey(CountSheet, on_delete=models.PROTECT, related_name="alerts")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    message = models.TextField()
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    resolved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet"], condition=Q(status="open"), name="one_open_alert_per_sheet"),
            models.CheckConstraint(condition=Q(status__in=AlertStatus.values), name="alert_status_valid"),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(resolved_at__isnull=True))
                | (Q(status="resolved") & Q(resolved_at__isnull=False) & Q(resolved_by__isnull=False)
                   & ~Q(resolution="")),
                name="alert_resolved_with_who_and_why",
            ),
        ]

    def __str__(self) -> str:
        return f"alert #{self.pk} ({self.status})"


# --------------------------------------------------------------------------------------------------- escapes


class EscapeKind(models.TextChoices):
    ESCAPE = "escape", _("escape")
    ATTEMPT = "attempt", _("escape attempt")


class Escape(models.Model):
    """An escape (the person got away: status escaped, placement closed) or an attempt (they never got out).

    One row per person; the people of one attempt share the incident. A recapture re-admits the person
    into a new placement and is recorded on the escape's row.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="escapes")
    kind = models.CharField(_("kind"), max_length=8, choices=EscapeKind.choices)
    last_seen_at = models.DateTimeField(_("last seen"))
    circumstances = models.TextField(_("circumstances"))
    from_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_cell = models.ForeignKey(Cell, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    count = models.ForeignKey(Count, null=True, blank=True, on_delete=models.PROTECT, related_name="escapes")
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    recaptured_at = models.DateTimeField(_("recaptured"), null=True, blank=True)
    recaptured_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recapture_circumstances = models.TextField(blank=True)
    recapture_placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+")

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        verbose_name = _("escape")
        verbose_name_plural = _("escapes")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EscapeKind.values), name="escape_kind_valid"),
            models.CheckConstraint(condition=~Q(circumstances=""), name="escape_has_circumstances"),
            models.UniqueConstraint(fields=["person"], condition=Q(kind="escape") & Q(recaptured_at__isnull=True),
                                    name="one_open_escape_per_person"),
            models.CheckConstraint(condition=Q(kind="escape") | Q(recaptured_at__isnull=True),
                                   name="escape_only_escapes_are_recaptured"),
            models.CheckConstraint(
                condition=Q(recaptured_at__isnull=True)
                | (Q(recaptured_at__gte=F("last_seen_at")) & Q(recaptured_by__isnull=False)
                   & Q(recapture_placement__isnull=False) & ~Q(recapture_circumstances="")),
                name="escape_recapture_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
