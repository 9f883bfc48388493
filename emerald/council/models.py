"""The unit council: inmates appointed by the unit manager for a term, their meetings with minutes and
decisions, and the unit's rules, versioned."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from emerald.facilities.models import Unit
from emerald.people.models import Person


class CouncilRole(models.TextChoices):
    CHAIR = "chair", _("chair")
    MEMBER = "member", _("member")


class CouncilMember(models.Model):
    """A seat on a unit's council: appointed by whom and when, for a term (``term_start`` to ``term_end``),
    ended early with who, when and why. One open seat per person and unit, one open chair per unit."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=8, choices=CouncilRole.choices)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appointed_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["unit_id", "-role", "person__last_name", "-term_start"]
        verbose_name = _("council member")
        verbose_name_plural = _("council members")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=CouncilRole.values), name="council_role_valid"),
            models.CheckConstraint(condition=Q(term_end__gt=F("term_start")), name="council_term_ends_after_start"),
            models.UniqueConstraint(fields=["unit", "person"], condition=Q(ended_at__isnull=True),
                                    name="one_open_council_seat_per_person"),
            models.UniqueConstraint(fields=["unit"], condition=Q(ended_at__isnull=True, role="chair"),
                                    name="one_open_council_chair_per_unit"),
            models.CheckConstraint(
                condition=(Q(ended_at__isnull=True) & Q(ended_by__isnull=True) & Q(end_reason=""))
                | (Q(ended_at__isnull=False) & Q(ended_by__isnull=False) & ~Q(end_reason="")),
                name="council_seat_ended_with_who_and_why"),
        ]

    def __str__(self) -> str:
        return f"{self.role} of the {self.unit_id} council"


class Meeting(models.Model):
    """A council meeting: when, who attended, the minutes and the decisions (recorded once, then kept)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    held_at = models.DateTimeField(_("held at"))
    attendees = models.ManyToManyField(Person, related_name="+", verbose_name=_("attendees"))
    staff_present = models.CharField(_("staff present"), max_length=300, blank=True)
    minutes = models.TextField(_("minutes"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("council meeting")
        verbose_name_plural = _("council meetings")
        constraints = [models.CheckConstraint(condition=~Q(minutes=""), name="meeting_has_minutes")]

    def __str__(self) -> str:
        return f"council meeting #{self.pk}"


class Decision(models.Model):
    """One decision of a meeting, in the order taken."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField(pgettext_lazy("council", "decision"))

    class Meta:
        ordering = ["meeting_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="decision_number_unique"),
            models.CheckConstraint(condition=~Q(text=""), name="decision_has_text"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class UnitRules(models.Model):
    """One version of a unit's rules. Versions are numbered 1, 2, ... per unit and never changed; the
    highest version in effect is shown on the unit page."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    text = models.TextField(_("rules"))
    summary = models.CharField(_("what changed"), max_length=300, blank=True)
    effective_from = models.DateField(_("in effect from"))
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("agreed at the meeting"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["unit_id", "-version"]
        verbose_name = _("unit rules")
        verbose_name_plural = _("unit rules")
        constraints = [
            models.UniqueConstraint(fields=["unit", "version"], name="unit_rules_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="unit_rules_version_positive"),
            models.CheckConstraint(condition=~Q(text=""), name="unit_rules_have_text"),
        ]

    def __str__(self) -> str:
        return f"rules of {self.unit_id} v{self.version}"
