"""Health: medical encounters (for medical staff only), custody notes (what custody staff must know), and
break-glass access in an emergency.

Medical records are never edited or deleted: an encounter is corrected by an addendum, a custody note is
closed or superseded with who, when and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from emerald.people.models import Person

USER = settings.AUTH_USER_MODEL

#: How long a break-glass opening of a medical record lasts.
BREAK_GLASS_MINUTES = 60


class EncounterKind(models.TextChoices):
    SICK_CALL = "sick_call", _("sick call")
    EMERGENCY = "emergency", _("emergency")
    SURGERY = "surgery", _("surgery")
    FOLLOW_UP = "follow_up", _("follow-up")


class Encounter(models.Model):
    """One contact between a person in custody and a clinician: what was found, done and prescribed.

    Only medical staff may know an encounter exists (and, for an hour after a break-glass opening, the
    staff member who opened that person's record). Never edited: corrected by addenda.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=EncounterKind.choices)
    occurred_at = models.DateTimeField(_("date and time"))
    clinician = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("clinician"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    notes = models.TextField(_("notes"))
    diagnoses = models.TextField(_("diagnoses"), blank=True)
    procedures = models.TextField(_("procedures"), blank=True)
    medications = models.TextField(_("medications"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("encounter")
        verbose_name_plural = _("encounters")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EncounterKind.values), name="encounter_kind_valid"),
            models.CheckConstraint(condition=~Q(notes=""), name="encounter_has_notes"),
            models.CheckConstraint(condition=Q(occurred_at__lte=F("recorded_at")),
                                   name="encounter_not_recorded_before_it_happened"),
        ]
        indexes = [models.Index(fields=["person", "occurred_at"], name="encounter_person_idx")]

    def __str__(self) -> str:
        return f"encounter #{self.pk}"


class EncounterAddendum(models.Model):
    """A correction or later addition to an encounter: a new row, the encounter is never changed."""

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(_("text"))
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="encounter_addendum_has_text")]

    def __str__(self) -> str:
        return f"addendum #{self.pk} to encounter #{self.encounter_id}"


class EncounterIncidentLink(models.Model):
    """An encounter that treated an injury or poisoning recorded on an incident report.

    Kept here (not on the incident) so the link is as confidential as the encounter: only those who may
    see the encounter see the link.
    """

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="incident_links")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["encounter", "incident"], name="encounter_incident_once")]

    def __str__(self) -> str:
        return f"encounter #{self.encounter_id} ↔ incident #{self.incident_id}"


class NoteKind(models.TextChoices):
    BOTTOM_BUNK = "bottom_bunk", _("bottom bunk")
    NO_LIFTING = "no_lifting", _("no lifting")
    MEDICAL_ISOLATION = "medical_isolation", _("medical isolation")
    OTHER = "other", _("other")


class CustodyNote(models.Model):
    """What custody staff must know to keep a person safe, written by medical staff, without the diagnosis.

    "Post-operative: no lifting, bottom bunk until 2026-08-21". In force from ``valid_from`` to
    ``valid_until`` (both inclusive, facility-local dates; no end: until closed). Housing refuses cells that
    do not meet ``bottom_bunk`` or ``medical_isolation``. Closed (or superseded by a newer note) with who,
    when and why; never edited or deleted.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("what custody staff must know"))
    bottom_bunk = models.BooleanField(_("bottom bunk"), default=False)
    no_lifting = models.BooleanField(_("no lifting"), default=False)
    medical_isolation = models.BooleanField(_("medical isolation"), default=False)
    other = models.BooleanField(_("other"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    written_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    close_reason = models.TextField(blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("custody note")
        verbose_name_plural = _("custody notes")
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="custody_note_has_text"),
            models.CheckConstraint(
                condition=Q(bottom_bunk=True) | Q(no_lifting=True) | Q(medical_isolation=True) | Q(other=True),
                name="custody_note_has_a_kind"),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                                   name="custody_note_until_after_from"),
            models.CheckConstraint(
                condition=(Q(closed_at__isnull=True) & Q(closed_by__isnull=True) & Q(close_reason=""))
                | (Q(closed_at__isnull=False) & Q(closed_by__isnull=False) & ~Q(close_reason="")),
                name="custody_note_closed_with_who_and_why"),
            models.CheckConstraint(condition=Q(superseded_by__isnull=True) | Q(closed_at__isnull=False),
                                   name="custody_note_superseded_is_closed"),
        ]
        indexes = [models.Index(fields=["person"], condition=Q(closed_at__isnull=True),
                                name="custody_note_open_person_idx")]

    def __str__(self) -> str:
        return f"custody note #{self.pk}"

    @property
    def kinds(self) -> list[str]:
        return [k for k in NoteKind.values if getattr(self, k)]

    def kind_labels(self) -> list[str]:
        return [str(NoteKind(k).label) for k in self.kinds]


class BreakGlassAccess(models.Model):
    """An emergency opening of one person's medical record by a non-medical member of staff, with a reason.

    Lets ``user`` read that person's encounters until ``expires_at`` (an hour); every opening is audited and
    notified to medical staff. Never deleted.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="break_glass_has_reason"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("opened_at")), name="break_glass_expires_after_open"),
        ]

    def __str__(self) -> str:
        return f"break-glass #{self.pk}"


class MedicalNotification(models.Model):
    """A notice to medical staff on their dashboard (a break-glass opening), until one of them acknowledges it."""

    access = models.OneToOneField(BreakGlassAccess, on_delete=models.PROTECT, related_name="notification")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    message = models.TextField()
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(acknowledged_at__isnull=True) & Q(acknowledged_by__isnull=True))
                | (Q(acknowledged_at__isnull=False) & Q(acknowledged_by__isnull=False)),
                name="medical_notification_ack_with_who"),
        ]

    def __str__(self) -> str:
        return f"medical notification #{self.pk}"
