"""Housing: where each person sleeps over time, and who must be kept apart."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from emerald.facilities.models import Bed, Cell, Unit
from emerald.people.models import Person


class PlacementKind(models.TextChoices):
    ADMISSION = "admission", _("admission")
    MOVE = "move", _("move")


class Placement(models.Model):
    """A person in a bed from ``start_at`` until ``end_at`` (open while null).

    The whole housing history: a move closes one placement and opens the next in
    one transaction, and nothing is overwritten. The database allows one open
    placement per person and one per bed. ``cell`` and ``unit`` repeat what
    ``bed`` implies, because the roll reads them millions of times.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="placements")
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="placements")
    cell = models.ForeignKey(Cell, on_delete=models.PROTECT, related_name="placements")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="placements")
    kind = models.CharField(max_length=12, choices=PlacementKind.choices)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField()
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    override_reason = models.TextField(blank=True)
    end_reason = models.TextField(blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-start_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(end_at__isnull=True), name="one_open_placement_per_person"),
            models.UniqueConstraint(fields=["bed"], condition=Q(end_at__isnull=True), name="one_open_placement_per_bed"),
            models.CheckConstraint(condition=Q(end_at__isnull=True) | Q(end_at__gte=F("start_at")), name="placement_ends_after_start"),
            models.CheckConstraint(condition=~Q(reason=""), name="placement_has_reason"),
        ]
        indexes = [
            models.Index(fields=["unit", "start_at"], name="placement_unit_start_idx"),
            models.Index(fields=["person", "start_at"], name="placement_person_start_idx"),
            models.Index(fields=["cell"], condition=Q(end_at__isnull=True), name="placement_open_cell_idx"),
            models.Index(fields=["end_at"], name="placement_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.cell_id} from {self.start_at:%Y-%m-%d}"


class Scope(models.TextChoices):
    CELL = "cell", _("cell")
    UNIT = "unit", _("unit")
    FACILITY = "facility", _("facility")


class KeepApartReason(models.TextChoices):
    GANG_RIVALRY = "gang_rivalry", _("gang rivalry")
    VICTIM_PERPETRATOR = "victim_perpetrator", _("victim and perpetrator")
    THREAT = "threat", _("threat")
    WITNESS = "witness", _("witness")
    FAMILY = "family", _("family")
    OTHER = "other", _("other")


class NonAssociation(models.Model):
    """A keep-apart order between two people, at a scope: never in the same cell, unit or facility.

    The pair is stored in a fixed order (``person_a_id < person_b_id``) so the
    database can allow only one open order per pair. Orders are closed with
    who, when and why — never deleted, never edited.
    """

    person_a = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    reason = models.CharField(_("reason"), max_length=24, choices=KeepApartReason.choices)
    comment = models.TextField(_("comment"), blank=True)
    # Made from a restricted record (a sexual-abuse report): officers are told to keep the two apart, but
    # the reason and comment only to those who may know it (emerald/housing/visibility.py).
    confidential = models.BooleanField(_("confidential"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    close_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(person_a__lt=F("person_b")), name="keep_apart_pair_ordered"),
            models.UniqueConstraint(
                fields=["person_a", "person_b"], condition=Q(closed_at__isnull=True), name="one_open_keep_apart_per_pair"
            ),
            models.CheckConstraint(condition=Q(scope__in=Scope.values), name="keep_apart_scope_valid"),
            models.CheckConstraint(condition=Q(reason__in=KeepApartReason.values), name="keep_apart_reason_valid"),
            models.CheckConstraint(
                condition=(Q(closed_at__isnull=True) & Q(closed_by__isnull=True) & Q(close_reason=""))
                | (Q(closed_at__isnull=False) & Q(closed_by__isnull=False) & ~Q(close_reason="")),
                name="keep_apart_closed_with_who_and_why",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("created_at")), name="keep_apart_expiry_after_creation"
            ),
        ]
        indexes = [
            models.Index(fields=["person_a"], condition=Q(closed_at__isnull=True), name="keep_apart_open_a_idx"),
            models.Index(fields=["person_b"], condition=Q(closed_at__isnull=True), name="keep_apart_open_b_idx"),
        ]

    def __str__(self) -> str:
        return f"keep apart #{self.pk} ({self.scope})"

    def other(self, person_id: int) -> Person:
        return self.person_b if self.person_a_id == person_id else self.person_a
