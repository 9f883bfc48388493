"""Saved housing plans: previews of moves, and what staff decided about each one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from emerald.facilities.models import Bed, Cell, Facility
from emerald.housing.models import Placement
from emerald.people.models import Person


class PlanStatus(models.TextChoices):
    PREVIEW = "preview", _("preview")
    PARTLY_ACCEPTED = "partly_accepted", _("partly accepted")
    DONE = "done", _("done")


class Plan(models.Model):
    """A plan proposed by the housing optimiser. A preview: nothing moves until staff accept its items.

    ``scope`` says what was planned (unit codes, arrivals); ``unplaced`` lists who could not be housed
    and why; ``objective``/``bound`` are the plan's cost and a proven lower bound on any plan's cost.
    """

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.PREVIEW)
    scope = models.JSONField(default=dict)
    weights = models.JSONField(default=dict)
    objective = models.BigIntegerField(default=0)
    bound = models.BigIntegerField(default=0)
    hard_violations = models.IntegerField(default=0)
    unplaced = models.JSONField(default=list)
    stats = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="plan_status_valid"),
            models.CheckConstraint(condition=Q(hard_violations=0), name="plan_breaks_no_hard_rule"),
        ]

    def __str__(self) -> str:
        return f"housing plan #{self.pk}"


class ItemStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


class PlanItem(models.Model):
    """One proposed move (or admission, when ``from_cell`` is empty), with its explanation and decision."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="items")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    from_cell = models.ForeignKey(Cell, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_cell = models.ForeignKey(Cell, on_delete=models.PROTECT, related_name="+")
    to_bed = models.ForeignKey(Bed, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cost = models.IntegerField(default=0)
    explanation = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.PROPOSED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    #: Why it was rejected (required), or the note added to the moves when accepted (optional).
    decision_reason = models.TextField(blank=True, default="")
    placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["plan_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "person"], name="plan_item_one_per_person"),
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="plan_item_status_valid"),
            models.CheckConstraint(
                condition=(Q(status=ItemStatus.PROPOSED) & Q(decided_by__isnull=True) & Q(decided_at__isnull=True))
                | (~Q(status=ItemStatus.PROPOSED) & Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="plan_item_decided_with_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(status=ItemStatus.ACCEPTED) | Q(placement__isnull=True),
                name="plan_item_placement_only_when_accepted",
            ),
        ]

    def __str__(self) -> str:
        return f"plan #{self.plan_id} item {self.pk}"
