"""Reception: the intake of a new or returning person, their custody classification, the vulnerability
screening, and the reassessments that follow (72 hours after intake, and after every incident)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from emerald.facilities.models import Facility, SecurityLevel
from emerald.housing.models import Placement
from emerald.people.models import Person


class IntakeStatus(models.TextChoices):
    OPEN = "open", _("in progress")
    ADMITTED = "admitted", _("admitted")
    CANCELLED = "cancelled", pgettext_lazy("process", "cancelled")


class Intake(models.Model):
    """One reception of a person: identity confirmed (``returning`` if Emerald already knew them), then
    classification, screening and housing, ending with the admission (or a cancellation with a reason).

    The database allows one open intake per person, so a returning person is never received twice.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    returning = models.BooleanField(_("returning person"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=IntakeStatus.choices, default=IntakeStatus.OPEN)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    # Records the receiving officer may not know (sealed) that have this arrival's name and date of birth:
    # the intake goes on as a new record, and those who may see sealed records see the possible match here.
    hidden_matches = models.ManyToManyField(Person, blank=True, related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=IntakeStatus.values), name="intake_status_valid"),
            models.UniqueConstraint(fields=["person"], condition=Q(status="open"), name="one_open_intake_per_person"),
            models.CheckConstraint(
                condition=Q(status="open", completed_at__isnull=True, completed_by__isnull=True)
                | (~Q(status="open") & Q(completed_at__isnull=False) & Q(completed_by__isnull=False)),
                name="intake_completed_with_who_and_when"),
            models.CheckConstraint(condition=~Q(status="admitted") | Q(placement__isnull=False),
                                   name="intake_admitted_has_placement"),
            models.CheckConstraint(condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                                   name="intake_cancelled_has_reason"),
        ]

    def __str__(self) -> str:
        return f"intake #{self.pk}"


class Classification(models.Model):
    """A custody classification: the points of every factor, the level they give, and the level decided.

    ``override_level`` with ``override_reason`` records a supervisor's departure from the scale. The
    latest classification of a person is the current one; older ones stay as they were.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    intake = models.ForeignKey(Intake, null=True, blank=True, on_delete=models.PROTECT, related_name="classifications")
    scale_version = models.PositiveSmallIntegerField(default=1)
    factors = models.JSONField()
    total_points = models.IntegerField()
    scored_level = models.CharField(max_length=10, choices=SecurityLevel.choices)
    override_level = models.CharField(max_length=10, choices=SecurityLevel.choices, blank=True)
    override_reason = models.TextField(blank=True)
    level = models.CharField(_("custody level"), max_length=10, choices=SecurityLevel.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(scored_level__in=SecurityLevel.values), name="classification_scored_valid"),
            models.CheckConstraint(condition=Q(level__in=SecurityLevel.values), name="classification_level_valid"),
            models.CheckConstraint(
                condition=(Q(override_level="") & Q(override_reason="") & Q(level=models.F("scored_level")))
                | (~Q(override_level="") & ~Q(override_reason="") & Q(level=models.F("override_level"))),
                name="classification_override_with_reason"),
        ]

    def __str__(self) -> str:
        return f"classification #{self.pk} ({self.level})"


class Build(models.TextChoices):
    SLIGHT = "slight", _("slight")
    AVERAGE = "average", _("average")
    HEAVY = "heavy", _("heavy")


class Screening(models.Model):
    """A vulnerability screening: the answers, and the flag with its reasons.

    Restricted: the answers and reasons (which can include a voluntarily disclosed sexual orientation or
    gender identity, victimisation and mental health) are shown only to roles allowed
    ``vulnerability.view_details`` and to the screener; custody staff see the flag only. See docs/intake.md.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    intake = models.ForeignKey(Intake, null=True, blank=True, on_delete=models.PROTECT, related_name="screenings")
    first_time_in_custody = models.BooleanField(_("first time in custody"))
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    build = models.CharField(_("build"), max_length=8, choices=Build.choices)
    prior_victimisation = models.BooleanField(_("prior victimisation"))
    lgbti_disclosed = models.BooleanField(_("sexual orientation or gender identity disclosed"))
    mental_health = models.BooleanField(_("mental-health concern"))
    staff_concern = models.TextField(_("staff concern"), blank=True)
    vulnerable = models.BooleanField(_("vulnerable"))
    reasons = models.JSONField(default=list)
    screened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    screened_at = models.DateTimeField()

    class Meta:
        ordering = ["-screened_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(build__in=Build.values), name="screening_build_valid"),
            models.CheckConstraint(condition=Q(vulnerable=False) | ~Q(reasons=[]), name="screening_vulnerable_has_reasons"),
        ]

    def __str__(self) -> str:
        return f"screening #{self.pk}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")


class TaskTrigger(models.TextChoices):
    INTAKE = "intake", _("72 hours after intake")
    INCIDENT = "incident", _("after an incident")


class ReassessmentTask(models.Model):
    """A classification and vulnerability reassessment that is due: 72 hours after intake, and again after any
    incident the person is involved in. Completed with a new classification and screening."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    trigger = models.CharField(max_length=10, choices=TaskTrigger.choices)
    intake = models.ForeignKey(Intake, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    # Shown only to those who may see the incident (a sexual-abuse report must not leak through a task).
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(max_length=6, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField()
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    classification = models.ForeignKey(Classification, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    screening = models.ForeignKey(Screening, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["status", "due_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(trigger__in=TaskTrigger.values), name="task_trigger_valid"),
            models.CheckConstraint(condition=~Q(trigger="incident") | Q(incident__isnull=False),
                                   name="task_incident_has_incident"),
            models.UniqueConstraint(fields=["person", "incident"], condition=Q(incident__isnull=False),
                                    name="one_task_per_person_incident"),
            models.UniqueConstraint(fields=["intake"], condition=Q(trigger="intake"), name="one_task_per_intake"),
            models.CheckConstraint(
                condition=Q(status="open", completed_at__isnull=True, completed_by__isnull=True)
                | Q(status="done", completed_at__isnull=False, completed_by__isnull=False, classification__isnull=False),
                name="task_done_with_who_when_and_result"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="task_status_due_idx")]

    def __str__(self) -> str:
        return f"reassessment #{self.pk}"
