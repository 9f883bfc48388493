"""People in custody: identity, aliases and stays."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from emerald.core.text import compact, fold
from emerald.facilities.models import SecurityLevel


class Sex(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class PersonStatus(models.TextChoices):
    NOT_ADMITTED = "not_admitted", _("not admitted")
    IN_CUSTODY = "in_custody", _("in custody")
    RELEASED = "released", _("released")
    TRANSFERRED_OUT = "transferred_out", _("transferred out")
    ESCAPED = "escaped", _("escaped")
    DECEASED = "deceased", _("deceased")


class Person(models.Model):
    """A person who is, was or will be in custody. Identified by a unique inmate number.

    ``search_key`` and ``search_compact`` hold the folded names and aliases, so
    search ignores case, accents, apostrophes and spacing without computing
    anything per row at query time.
    """

    inmate_number = models.CharField(_("inmate number"), max_length=32, unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    gender_identity = models.CharField(_("gender identity"), max_length=60, blank=True)
    custody_level = models.CharField(_("custody level"), max_length=10, choices=SecurityLevel.choices)
    status = models.CharField(_("status"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.NOT_ADMITTED)
    # A sealed record (e.g. sealed by a court, or marked SEALED by the system it was imported from) is
    # known only to roles allowed "person.view_sealed"; everyone else gets the 404 of a missing record.
    sealed = models.BooleanField(_("sealed"), default=False)
    search_key = models.TextField(editable=False, default="")
    search_compact = models.TextField(editable=False, default="")
    created_at = models.DateTimeField()
    history = HistoricalRecords(excluded_fields=["search_key", "search_compact"])

    class Meta:
        ordering = ["last_name", "first_name", "inmate_number"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PersonStatus.values), name="person_status_valid"),
            # Blank: not recorded. Only imports write it (a census may omit a person's sex); services ask for one.
            models.CheckConstraint(condition=Q(sex__in=Sex.values) | Q(sex=""), name="person_sex_valid"),
            models.CheckConstraint(condition=Q(custody_level__in=SecurityLevel.values), name="person_custody_valid"),
            models.CheckConstraint(condition=~Q(inmate_number=""), name="person_number_not_blank"),
        ]
        indexes = [
            models.Index(fields=["status"], name="person_status_idx"),
            # Trigram (GIN) indexes on the search columns are PostgreSQL-only: see migration 0002.
            models.Index(fields=["date_of_birth"], name="person_dob_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.inmate_number})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def refresh_search_key(self, aliases: list[str] | None = None) -> None:
        names = [f"{self.first_name} {self.last_name}"]
        if aliases is None and self.pk:
            aliases = list(self.aliases.values_list("name", flat=True))
        names += aliases or []
        self.search_key = " | ".join(fold(n) for n in names)
        self.search_compact = " | ".join(compact(n) for n in names)


class Alias(models.Model):
    """Another name a person is known by ("also written O'Reilly")."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("alias"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "name"], name="alias_unique_per_person"),
            models.CheckConstraint(condition=~Q(name=""), name="alias_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class ReleaseKind(models.TextChoices):
    RELEASED = "released", _("released")
    TRANSFERRED_OUT = "transferred_out", _("transferred out")
    ESCAPED = "escaped", _("escaped")
    DECEASED = "deceased", _("deceased")


class Stay(models.Model):
    """One period in custody, from admission to release. At most one is open per person."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="stays")
    admitted_at = models.DateTimeField()
    admission_reason = models.TextField()
    admitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)
    release_kind = models.CharField(max_length=16, choices=ReleaseKind.choices, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-admitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(released_at__isnull=True), name="one_open_stay_per_person"),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(released_at__gte=models.F("admitted_at")),
                name="stay_release_after_admission",
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True, release_kind="") | (Q(released_at__isnull=False) & ~Q(release_kind="")),
                name="stay_release_kind_iff_released",
            ),
        ]

    def __str__(self) -> str:
        return f"stay of {self.person_id} from {self.admitted_at:%Y-%m-%d}"
