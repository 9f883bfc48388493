"""Census import: daily rosters from another system, turned into a history Emerald can prove.

A *source* is one facility plus an optional inmate-number prefix: the census files of one system. Each
imported day is recorded with the hash of its content, so importing the same file again changes nothing,
and an interrupted run continues where it stopped (a day is written whole or not at all).

Nothing in a census says when things happened between two rosters. Every event inferred from two
consecutive days (an admission, a release, a change of custody level or of a flag) therefore carries its
time *window*: from the previous imported census (exclusive) to this one (inclusive). When days are
missing, the window spans the gap and ``in_gap`` is set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from emerald.facilities.models import Facility
from emerald.people.models import Person, Stay


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    FINISHED = "finished", _("finished")
    FAILED = "failed", _("failed")


class ImportRun(models.Model):
    """One invocation of ``emerald import census``: who ran it, with which options, and its report.

    A run left ``running`` was interrupted; the next run continues from the last day written.
    """

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="census_runs")
    id_prefix = models.CharField(max_length=16, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    os_user = models.CharField(max_length=150, blank=True)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="census_run_status_valid"),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=F("started_at")),
                name="census_run_finishes_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"census import #{self.pk} into {self.facility_id}"


class ImportedDay(models.Model):
    """One census day written, with the hash of its content (the proof that a re-import changes nothing)."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="census_days")
    id_prefix = models.CharField(max_length=16, blank=True)
    day = models.DateField()
    census_at = models.DateTimeField(help_text="23:59:59 local time of the day, stored in UTC")
    window_start = models.DateTimeField(null=True, blank=True, help_text="the previous imported census, if any")
    file_name = models.CharField(max_length=500)
    content_sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    people = models.PositiveIntegerField()
    bad_rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="days")
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["facility_id", "id_prefix", "day"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "id_prefix", "day"], name="census_day_once_per_source"),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True) | Q(window_start__lt=F("census_at")),
                name="census_day_window_before_census",
            ),
        ]
        indexes = [models.Index(fields=["content_sha256"], name="census_day_hash_idx")]

    def __str__(self) -> str:
        return f"census {self.day} ({self.people} people)"


class Gap(models.Model):
    """Days missing between two imported census days. Events observed across it carry the whole gap."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="census_gaps")
    id_prefix = models.CharField(max_length=16, blank=True)
    first_missing = models.DateField()
    last_missing = models.DateField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="gaps")

    class Meta:
        ordering = ["facility_id", "id_prefix", "first_missing"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "id_prefix", "first_missing"], name="census_gap_once"),
            models.CheckConstraint(condition=Q(last_missing__gte=F("first_missing")), name="census_gap_ordered"),
            models.CheckConstraint(condition=Q(window_end__gt=F("window_start")), name="census_gap_window_ordered"),
        ]

    def __str__(self) -> str:
        return f"gap {self.first_missing}..{self.last_missing}"

    @property
    def days(self) -> int:
        return (self.last_missing - self.first_missing).days + 1


class BadRow(models.Model):
    """A row that could not be read: reported with file, line and reason, never stopping the import."""

    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="bad_rows")
    file_name = models.CharField(max_length=500)
    line = models.PositiveIntegerField()
    reason = models.TextField()
    raw = models.TextField(blank=True)

    class Meta:
        ordering = ["run_id", "file_name", "line"]

    def __str__(self) -> str:
        return f"{self.file_name}:{self.line}: {self.reason}"


class SourceRecord(models.Model):
    """What the source system says about a person now, and the link from its identifier to the person.

    Flags and attributes are copied from the latest census the person appears in; how they changed over
    time is in :class:`CensusEvent` (``attribute`` events), the first values in the admission event.
    """

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="census_record")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    id_prefix = models.CharField(max_length=16, blank=True)
    source_id = models.CharField(max_length=32)
    admitted_raw = models.CharField(max_length=40, blank=True, help_text="ADMITTED_DT of the current stay as written")
    custody_level = models.CharField(max_length=10, blank=True, help_text="as written: MIN, MED, MAX or blank")
    mental_health_observation = models.BooleanField(default=False)
    security_risk_group = models.BooleanField(default=False)
    sealed = models.BooleanField(default=False)
    infraction = models.BooleanField(default=False)
    status_code = models.CharField(max_length=10, blank=True)
    top_charge = models.CharField(max_length=40, blank=True)
    race = models.CharField(max_length=10, blank=True)
    gender = models.CharField(max_length=10, blank=True)
    age = models.CharField(max_length=10, blank=True)
    first_seen = models.DateField()

    class Meta:
        ordering = ["facility_id", "id_prefix", "source_id"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "id_prefix", "source_id"], name="census_source_id_once"),
        ]

    def __str__(self) -> str:
        return f"{self.id_prefix}{self.source_id}"


class EventKind(models.TextChoices):
    ADMISSION = "admission", _("admission")
    RELEASE = "release", _("release")
    HOUSING = "housing", _("housing change")
    ATTRIBUTE = "attribute", _("attribute change")


class CensusEvent(models.Model):
    """Something the census implies happened to a person between two rosters, with its time window.

    ``at`` is the moment used for the records (a stay, a placement): the source's ADMITTED_DT when it lies
    in the window, otherwise the start of the window (just after the last census that showed otherwise).
    ``window_start`` is exclusive (null before the first imported census), ``window_end`` inclusive.
    """

    # Read by person (the index below); the other keys are not searched, so they carry no index of their own
    # (each index costs every one of the tens of thousands of events a year of rosters makes).
    day = models.ForeignKey(ImportedDay, on_delete=models.PROTECT, related_name="events", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="census_events", db_index=False)
    stay = models.ForeignKey(Stay, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    attribute = models.CharField(max_length=40, blank=True)
    old_value = models.CharField(max_length=60, blank=True)
    new_value = models.CharField(max_length=60, blank=True)
    at = models.DateTimeField()
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField()
    in_gap = models.BooleanField(default=False)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="census_event_kind_valid"),
            models.CheckConstraint(condition=Q(at__lte=F("window_end")), name="census_event_in_window"),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True) | Q(window_end__gt=F("window_start")),
                name="census_event_window_ordered",
            ),
        ]
        indexes = [models.Index(fields=["person", "at"], name="census_event_person_idx")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.person_id} at {self.at:%Y-%m-%d}"
