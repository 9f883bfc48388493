"""Who is connected to whom: relationships between people, and security threat groups (STGs).

Everything here is security data (never shown to education or medical staff) and is kept over time:
relationships, memberships and rivalries are ended with who, when and why, never deleted or edited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from emerald.housing.models import NonAssociation
from emerald.people.models import Person


class RelationshipKind(models.TextChoices):
    FAMILY = "family", _("family")
    CO_DEFENDANT = "co_defendant", _("co-defendant")
    ASSOCIATE = "associate", _("known associate")
    ENEMY = "enemy", _("enemy")


class SourceReliability(models.TextChoices):
    """Admiralty grading of the source (as for intelligence)."""

    A = "A", _("A – completely reliable")
    B = "B", _("B – usually reliable")
    C = "C", _("C – fairly reliable")
    D = "D", _("D – not usually reliable")
    E = "E", _("E – unreliable")
    F = "F", _("F – reliability cannot be judged")


class InformationCredibility(models.TextChoices):
    """Admiralty grading of the information itself."""

    C1 = "1", _("1 – confirmed by other sources")
    C2 = "2", _("2 – probably true")
    C3 = "3", _("3 – possibly true")
    C4 = "4", _("4 – doubtful")
    C5 = "5", _("5 – improbable")
    C6 = "6", _("6 – truth cannot be judged")


def _ended_with_who_and_why(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(ended_at__isnull=True) & Q(ended_by__isnull=True) & Q(end_reason=""))
        | (Q(ended_at__isnull=False) & Q(ended_by__isnull=False) & ~Q(end_reason="")),
        name=f"{prefix}_ended_with_who_and_why",
    )


class Relationship(models.Model):
    """A known tie between two people: family, co-defendants, known associates, or enemies.

    Symmetric, so the pair is stored in a fixed order (``person_a_id < person_b_id``); ``detail`` says
    more ("brother", "same robbery, 2024"). ``source`` says where staff learned it and ``known_since`` from
    when it is known. An enemy relationship can become a keep-apart order in one step; ``keep_apart``
    points at that order.
    """

    person_a = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=RelationshipKind.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=300)
    known_since = models.DateField(_("known since"))
    keep_apart = models.ForeignKey(NonAssociation, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("keep-apart order"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-known_since", "-id"]
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.CheckConstraint(condition=Q(person_a__lt=F("person_b")), name="relationship_pair_ordered"),
            models.CheckConstraint(condition=Q(kind__in=RelationshipKind.values), name="relationship_kind_valid"),
            models.CheckConstraint(condition=~Q(source=""), name="relationship_has_source"),
            models.UniqueConstraint(fields=["person_a", "person_b", "kind"], condition=Q(ended_at__isnull=True),
                                    name="one_open_relationship_per_pair_kind"),
            models.CheckConstraint(condition=Q(keep_apart__isnull=True) | Q(kind="enemy"),
                                   name="relationship_keep_apart_only_for_enemies"),
            _ended_with_who_and_why("relationship"),
        ]
        indexes = [
            models.Index(fields=["person_a"], condition=Q(ended_at__isnull=True), name="relationship_open_a_idx"),
            models.Index(fields=["person_b"], condition=Q(ended_at__isnull=True), name="relationship_open_b_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def other(self, person_id: int) -> Person:
        return self.person_b if self.person_a_id == person_id else self.person_a

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class Group(models.Model):
    """A security threat group (a gang): a name staff agree on, and what they know of it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        verbose_name = _("security threat group")
        verbose_name_plural = _("security threat groups")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="group_name_not_blank")]

    def __str__(self) -> str:
        return self.name


class Rivalry(models.Model):
    """Two groups at odds: their members should not share a cell, their leaders not a unit.

    The pair is stored in a fixed order (``group_a_id < group_b_id``); one open rivalry per pair.
    """

    group_a = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    group_b = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("since"))
    source = models.CharField(_("source"), max_length=300)
    comment = models.TextField(_("comment"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["group_a__name", "group_b__name"]
        verbose_name = _("rivalry")
        verbose_name_plural = _("rivalries")
        constraints = [
            models.CheckConstraint(condition=Q(group_a__lt=F("group_b")), name="rivalry_pair_ordered"),
            models.UniqueConstraint(fields=["group_a", "group_b"], condition=Q(ended_at__isnull=True),
                                    name="one_open_rivalry_per_pair"),
            models.CheckConstraint(condition=~Q(source=""), name="rivalry_has_source"),
            _ended_with_who_and_why("rivalry"),
        ]

    def __str__(self) -> str:
        return f"{self.group_a} – {self.group_b}"

    def other(self, group_id: int) -> Group:
        return self.group_b if self.group_a_id == group_id else self.group_a


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("member")
    LEADER = "leader", _("leader")
    ASSOCIATE = "associate", _("associate")


class Membership(models.Model):
    """A person's membership of a group in one role, from ``since`` until ended.

    A role change (e.g. a member becoming leader) ends one membership and opens the next, so the
    history shows who led when. The database allows one open membership per person and group, and
    one open leader per group. ``source`` and the Admiralty grading say how well it is known.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices)
    since = models.DateField(_("since"))
    source = models.CharField(_("source"), max_length=300)
    source_reliability = models.CharField(_("source reliability"), max_length=1, choices=SourceReliability.choices)
    information_credibility = models.CharField(_("information credibility"), max_length=1,
                                               choices=InformationCredibility.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-since", "-id"]
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=MembershipRole.values), name="membership_role_valid"),
            models.CheckConstraint(condition=Q(source_reliability__in=SourceReliability.values),
                                   name="membership_reliability_valid"),
            models.CheckConstraint(condition=Q(information_credibility__in=InformationCredibility.values),
                                   name="membership_credibility_valid"),
            models.CheckConstraint(condition=~Q(source=""), name="membership_has_source"),
            models.UniqueConstraint(fields=["person", "group"], condition=Q(ended_at__isnull=True),
                                    name="one_open_membership_per_person_group"),
            models.UniqueConstraint(fields=["group"], condition=Q(ended_at__isnull=True, role="leader"),
                                    name="one_open_leader_per_group"),
            _ended_with_who_and_why("membership"),
        ]
        indexes = [
            models.Index(fields=["person"], condition=Q(ended_at__isnull=True), name="membership_open_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.role} of {self.group_id}"

    @property
    def grading(self) -> str:
        return f"{self.source_reliability}{self.information_credibility}"


class LeadershipChange(models.Model):
    """A recorded change of a group's leader: who led before (if anyone), who leads now, why, and when."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="leadership_changes")
    previous_leader = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    new_leader = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    effective_on = models.DateField(_("effective on"))
    reason = models.TextField(_("reason"))
    source = models.CharField(_("source"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-effective_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="leadership_change_has_reason"),
            models.CheckConstraint(condition=Q(previous_leader__isnull=True) | ~Q(previous_leader=F("new_leader")),
                                   name="leadership_change_changes_leader"),
        ]

    def __str__(self) -> str:
        return f"leadership of {self.group_id} on {self.effective_on}"
