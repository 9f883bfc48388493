"""Education: courses, the waiting list and enrolments, sessions and attendance, assessments and credentials.

Education data only: nothing here says where a student is housed or why they left a class (a suspension
after a move to segregation reads "no longer available for class"), so teachers never learn security data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from emerald.facilities.models import Unit
from emerald.people.models import Person


class CourseKind(models.TextChoices):
    GED = "ged_prep", _("GED preparation")
    LITERACY = "literacy", _("literacy")
    VOCATIONAL = "vocational", _("vocational")


class Course(models.Model):
    """A course with its teacher, weekly schedule and capacity (the most students enrolled at once)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=CourseKind.choices)
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courses_taught",
                                verbose_name=_("teacher"))
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("held in unit"))
    schedule = models.CharField(_("schedule"), max_length=200)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    credential = models.CharField(_("credential on completion"), max_length=100, blank=True,
                                  help_text=_('e.g. "GED"; empty: a certificate of completion'))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_on", "code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CourseKind.values), name="course_kind_valid"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="course_capacity_positive"),
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                                   name="course_ends_after_start"),
            models.CheckConstraint(condition=~Q(code="") & ~Q(name="") & ~Q(schedule=""), name="course_has_names"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EnrolmentStatus(models.TextChoices):
    PENDING = "pending", _("waiting for a decision")
    APPROVED = "approved", _("approved, waiting for a place")
    DECLINED = "declined", _("declined")
    ENROLLED = "enrolled", _("enrolled")
    SUSPENDED = "suspended", _("suspended")
    COMPLETED = "completed", _("completed")
    WITHDRAWN = "withdrawn", _("withdrawn")
    ENDED = "ended", _("ended")


#: Statuses in which a person holds a place on the list or in the class: at most one per person and course.
ACTIVE_STATUSES = ("pending", "approved", "enrolled", "suspended")
#: Statuses that use one of the course's places.
SEATED_STATUSES = ("enrolled", "suspended")


class Enrolment(models.Model):
    """A person's way through one course: waiting list (pending → approved or declined), then enrolled,
    possibly suspended and resumed, and finally completed, withdrawn or ended (on release)."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    request_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["course_id", "person__last_name", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=EnrolmentStatus.values), name="enrolment_status_valid"),
            models.UniqueConstraint(fields=["course", "person"], condition=Q(status__in=ACTIVE_STATUSES),
                                    name="one_active_enrolment_per_course_person"),
            models.CheckConstraint(condition=Q(status="pending") | Q(decided_at__isnull=False, decided_by__isnull=False),
                                   name="enrolment_decided_with_who_and_when"),
            models.CheckConstraint(condition=~Q(status__in=["enrolled", "suspended", "completed"])
                                   | Q(enrolled_at__isnull=False), name="enrolment_enrolled_has_time"),
            models.CheckConstraint(condition=~Q(status="declined") | ~Q(decision_reason=""),
                                   name="enrolment_declined_has_reason"),
        ]

    def __str__(self) -> str:
        return f"enrolment #{self.pk}"


class Session(models.Model):
    """One class meeting of a course."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["course_id", "starts_at"]
        constraints = [models.UniqueConstraint(fields=["course", "starts_at"], name="session_once_per_time")]

    def __str__(self) -> str:
        return f"session #{self.pk}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("present")
    ABSENT = "absent", _("absent")
    EXCUSED = "excused", _("excused")


class Attendance(models.Model):
    """Whether an enrolled student came to a session (one record per student and session; a correction
    replaces the status and is kept in the audit trail)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=8, choices=AttendanceStatus.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["session__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once_per_session"),
            models.CheckConstraint(condition=Q(status__in=AttendanceStatus.values), name="attendance_status_valid"),
        ]

    def __str__(self) -> str:
        return f"attendance #{self.pk}"


class Assessment(models.Model):
    """A test score of an enrolled student (0 to ``max_score``), over time: the progress chart."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="assessments")
    taken_on = models.DateField(_("taken on"))
    title = models.CharField(_("title"), max_length=200)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=1)
    max_score = models.DecimalField(_("out of"), max_digits=6, decimal_places=1, default=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["taken_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_score__gt=0), name="assessment_max_positive"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=F("max_score")),
                                   name="assessment_score_in_range"),
            models.CheckConstraint(condition=~Q(title=""), name="assessment_has_title"),
        ]

    def __str__(self) -> str:
        return f"assessment #{self.pk}"

    @property
    def percent(self) -> float:
        return float(self.score) * 100.0 / float(self.max_score)


class Credential(models.Model):
    """What a completed course earned (e.g. "GED"), awarded by whom and when."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="credential")
    name = models.CharField(_("credential"), max_length=100)
    awarded_on = models.DateField(_("awarded on"))
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-awarded_on", "id"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="credential_has_name")]

    def __str__(self) -> str:
        return self.name
