"""Writes on relationships and security threat groups. Every record is ended, never edited or deleted."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from emerald.accounts.models import Role
from emerald.accounts.permissions import manages_unit, role_of
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, require
from emerald.core.errors import Conflict, Invalid
from emerald.core.services import require_text, service
from emerald.housing import services as housing
from emerald.housing.models import KeepApartReason, NonAssociation, Placement, Scope
from emerald.people.models import Person
from emerald.relations.models import (
    Group,
    InformationCredibility,
    LeadershipChange,
    Membership,
    MembershipRole,
    Relationship,
    RelationshipKind,
    Rivalry,
    SourceReliability,
)


def _scope(actor: Any, action: str, object_type: str, object_id: Any, *people: Person) -> None:
    """Unit managers act only for people in the units they manage (at least one of ``people``)."""
    if role_of(actor) != Role.UNIT_MANAGER:
        return
    units = Placement.objects.filter(person__in=people, end_at__isnull=True).values_list("unit_id", flat=True)
    if not any(manages_unit(actor, u) for u in units):
        raise forbid(object_type, object_id, _("Only for people in the units you manage."))


def _date(value: Any, field: str, errors: dict[str, list[str]]) -> date | None:
    if value is None:
        return clock.now().date()
    if not isinstance(value, date):
        errors.setdefault(field, []).append(_("Enter a date as YYYY-MM-DD."))
        return None
    if value > clock.now().date():
        errors.setdefault(field, []).append(_("The date must not be in the future."))
    elif value.year < 1900:
        errors.setdefault(field, []).append(_("Enter a real date."))
    return value


def _text(value: Any, field: str, errors: dict[str, list[str]], *, max_length: int, required: bool = True) -> str:
    text = " ".join(str(value or "").split()) if max_length <= 300 else str(value or "").strip()
    if required and not text:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(text) > max_length:
        errors.setdefault(field, []).append(_("At most %(n)d characters.") % {"n": max_length})
    return text


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)


# --------------------------------------------------------------------------- relationships


@service("relationship.create")
def relationship_create(
    *, actor: Any, person_a: Person, person_b: Person, kind: str, source: str, known_since: date | None = None,
    detail: str = "",
) -> Relationship:
    """Record a relationship (family, co-defendant, known associate or enemy) with its source and date."""
    require(actor, "relationship.create", "relationship", "")
    errors: dict[str, list[str]] = {}
    if person_a.pk == person_b.pk:
        errors["person_b"] = [_("A person cannot be related to themselves.")]
    if kind not in RelationshipKind.values:
        errors["kind"] = [_("Choose family, co-defendant, known associate or enemy.")]
    source = _text(source, "source", errors, max_length=300)
    detail = _text(detail, "detail", errors, max_length=200, required=False)
    known_since = _date(known_since, "known_since", errors)
    _raise(errors)
    _scope(actor, "relationship.create", "relationship", "", person_a, person_b)
    a, b = sorted([person_a, person_b], key=lambda p: p.pk)
    Person.objects.select_for_update().filter(pk__in=[a.pk, b.pk]).order_by("pk").exists()
    existing = Relationship.objects.filter(person_a=a, person_b=b, kind=kind, ended_at__isnull=True).first()
    if existing is not None:
        raise Conflict(_("This relationship is already recorded (#%(id)d).") % {"id": existing.pk},
                       code="already_exists", extra={"relationship_id": existing.pk})
    rel = Relationship.objects.create(person_a=a, person_b=b, kind=kind, detail=detail, source=source,
                                      known_since=known_since, created_by=actor, created_at=clock.now())
    audit.record(actor=actor, action="relationship.create", object_type="relationship", object_id=rel.pk,
                 changes={"person_a": a.inmate_number, "person_b": b.inmate_number, "kind": kind, "detail": detail,
                          "source": source, "known_since": known_since},
                 summary=f"recorded a {kind} relationship between {a.inmate_number} and {b.inmate_number}")
    return rel


@service("relationship.end")
def relationship_end(*, actor: Any, relationship: Relationship, reason: str) -> Relationship:
    """End a relationship (no longer true, or recorded in error), with who, when and why."""
    require(actor, "relationship.end", "relationship", relationship.pk)
    reason = require_text(reason, "reason", _("A reason"))
    rel = Relationship.objects.select_for_update().select_related("person_a", "person_b").get(pk=relationship.pk)
    _scope(actor, "relationship.end", "relationship", rel.pk, rel.person_a, rel.person_b)
    if rel.ended_at is not None:
        raise Conflict(_("This relationship was already ended."), code="already_closed")
    rel.ended_at, rel.ended_by, rel.end_reason = clock.now(), actor, reason
    rel.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit.record(actor=actor, action="relationship.end", object_type="relationship", object_id=rel.pk,
                 changes={"reason": reason},
                 summary=f"ended the {rel.kind} relationship between {rel.person_a.inmate_number} and "
                 f"{rel.person_b.inmate_number}")
    return rel


@service("relationship.keep_apart")
def relationship_keep_apart(
    *, actor: Any, relationship: Relationship, scope: str = Scope.UNIT, reason: str = KeepApartReason.THREAT,
    comment: str = "",
) -> NonAssociation:
    """Turn an enemy relationship into a keep-apart order in one step (through the housing service)."""
    require(actor, "relationship.view", "relationship", relationship.pk)
    rel = (Relationship.objects.select_for_update(of=("self",))
           .select_related("person_a", "person_b", "keep_apart").get(pk=relationship.pk))
    if rel.kind != RelationshipKind.ENEMY:
        raise Conflict(_("Only an enemy relationship becomes a keep-apart order."), code="not_enemy")
    if rel.ended_at is not None:
        raise Conflict(_("This relationship was ended."), code="already_closed")
    if rel.keep_apart_id and rel.keep_apart.closed_at is None:
        raise Conflict(_("This relationship already has an open keep-apart order (#%(id)d).")
                       % {"id": rel.keep_apart_id}, code="already_exists",
                       extra={"non_association_id": rel.keep_apart_id})
    note = (comment or "").strip() or _("Enemies: %(source)s") % {"source": rel.source}
    order = housing.non_association_create(actor=actor, person_a=rel.person_a, person_b=rel.person_b, scope=scope,
                                           reason=reason, comment=note)
    rel.keep_apart = order
    rel.save(update_fields=["keep_apart"])
    audit.record(actor=actor, action="relationship.keep_apart", object_type="relationship", object_id=rel.pk,
                 changes={"non_association_id": order.pk, "scope": scope},
                 summary=f"made keep-apart order #{order.pk} from the enemy relationship between "
                 f"{rel.person_a.inmate_number} and {rel.person_b.inmate_number}")
    return order


# --------------------------------------------------------------------------- groups and rivalries


@service("group.create")
def group_create(*, actor: Any, name: str, description: str = "") -> Group:
    """Record a security threat group."""
    require(actor, "group.manage", "group", "")
    errors: dict[str, list[str]] = {}
    name = _text(name, "name", errors, max_length=100)
    description = _text(description, "description", errors, max_length=5000, required=False)
    if name and Group.objects.filter(name__iexact=name).exists():
        errors["name"] = [_("A group with this name exists.")]
    _raise(errors)
    group = Group.objects.create(name=name, description=description, created_by=actor, created_at=clock.now())
    audit.record(actor=actor, action="group.create", object_type="group", object_id=group.pk,
                 changes={"name": name}, summary=f"recorded the security threat group {name}")
    return group


@service("rivalry.create")
def rivalry_create(
    *, actor: Any, group_a: Group, group_b: Group, source: str, since: date | None = None, comment: str = "",
) -> Rivalry:
    """Declare two groups rivals: warnings follow when their members share a cell or leaders a unit."""
    require(actor, "group.manage", "rivalry", "")
    errors: dict[str, list[str]] = {}
    if group_a.pk == group_b.pk:
        errors["group_b"] = [_("A group cannot be its own rival.")]
    source = _text(source, "source", errors, max_length=300)
    comment = _text(comment, "comment", errors, max_length=5000, required=False)
    since = _date(since, "since", errors)
    _raise(errors)
    a, b = sorted([group_a, group_b], key=lambda g: g.pk)
    existing = Rivalry.objects.select_for_update().filter(group_a=a, group_b=b, ended_at__isnull=True).first()
    if existing is not None:
        raise Conflict(_("%(a)s and %(b)s are already recorded as rivals.") % {"a": a.name, "b": b.name},
                       code="already_exists", extra={"rivalry_id": existing.pk})
    rivalry = Rivalry.objects.create(group_a=a, group_b=b, since=since, source=source, comment=comment,
                                     created_by=actor, created_at=clock.now())
    audit.record(actor=actor, action="rivalry.create", object_type="rivalry", object_id=rivalry.pk,
                 changes={"group_a": a.name, "group_b": b.name, "since": since, "source": source},
                 summary=f"recorded a rivalry between {a.name} and {b.name}")
    return rivalry


@service("rivalry.end")
def rivalry_end(*, actor: Any, rivalry: Rivalry, reason: str) -> Rivalry:
    """End a rivalry (a truce, or recorded in error)."""
    require(actor, "group.manage", "rivalry", rivalry.pk)
    reason = require_text(reason, "reason", _("A reason"))
    rivalry = Rivalry.objects.select_for_update().select_related("group_a", "group_b").get(pk=rivalry.pk)
    if rivalry.ended_at is not None:
        raise Conflict(_("This rivalry was already ended."), code="already_closed")
    rivalry.ended_at, rivalry.ended_by, rivalry.end_reason = clock.now(), actor, reason
    rivalry.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit.record(actor=actor, action="rivalry.end", object_type="rivalry", object_id=rivalry.pk,
                 changes={"reason": reason},
                 summary=f"ended the rivalry between {rivalry.group_a.name} and {rivalry.group_b.name}")
    return rivalry


# --------------------------------------------------------------------------- memberships


def _clean_grading(source: str, reliability: str, credibility: str, errors: dict[str, list[str]]) -> str:
    source = _text(source, "source", errors, max_length=300)
    if reliability not in SourceReliability.values:
        errors["source_reliability"] = [_("Grade the source A to F.")]
    if credibility not in InformationCredibility.values:
        errors["information_credibility"] = [_("Grade the information 1 to 6.")]
    return source


def _open_membership(actor: Any, person: Person, group: Group, role: str, since: date, source: str,
                     reliability: str, credibility: str) -> Membership:
    return Membership.objects.create(person=person, group=group, role=role, since=since, source=source,
                                     source_reliability=reliability, information_credibility=credibility,
                                     created_by=actor, created_at=clock.now())


def _close_membership(actor: Any, membership: Membership, reason: str) -> None:
    Membership.objects.filter(pk=membership.pk).update(ended_at=clock.now(), ended_by=actor, end_reason=reason)


@service("membership.record")
def membership_create(
    *, actor: Any, person: Person, group: Group, role: str, source: str, source_reliability: str,
    information_credibility: str, since: date | None = None,
) -> Membership:
    """Record a person's membership of a group in a role, graded by source and credibility.

    A second leader is refused (409 ``leader_exists``): a new leader is a leadership change.
    """
    require(actor, "membership.record", "membership", "")
    errors: dict[str, list[str]] = {}
    if role not in MembershipRole.values:
        errors["role"] = [_("Choose member, leader or associate.")]
    source = _clean_grading(source, source_reliability, information_credibility, errors)
    since = _date(since, "since", errors)
    _raise(errors)
    _scope(actor, "membership.record", "membership", "", person)
    Group.objects.select_for_update().filter(pk=group.pk).exists()
    existing = Membership.objects.filter(person=person, group=group, ended_at__isnull=True).first()
    if existing is not None:
        raise Conflict(_("%(name)s is already recorded in %(group)s (as %(role)s); end that membership first.")
                       % {"name": person.full_name, "group": group.name, "role": existing.get_role_display()},
                       code="already_exists", extra={"membership_id": existing.pk})
    if role == MembershipRole.LEADER:
        leader = Membership.objects.filter(group=group, role=MembershipRole.LEADER, ended_at__isnull=True).first()
        if leader is not None:
            raise Conflict(_("%(group)s already has a leader; record a leadership change instead.")
                           % {"group": group.name}, code="leader_exists")
    m = _open_membership(actor, person, group, role, since, source, source_reliability, information_credibility)
    audit.record(actor=actor, action="membership.record", object_type="membership", object_id=m.pk,
                 changes={"person": person.inmate_number, "group": group.name, "role": role, "since": since,
                          "source": source, "grading": m.grading},
                 summary=f"recorded {person.inmate_number} as {role} of {group.name} ({m.grading})")
    return m


@service("membership.end")
def membership_end(*, actor: Any, membership: Membership, reason: str) -> Membership:
    """End a membership (left the group, or recorded in error)."""
    require(actor, "membership.end", "membership", membership.pk)
    reason = require_text(reason, "reason", _("A reason"))
    m = Membership.objects.select_for_update().select_related("person", "group").get(pk=membership.pk)
    _scope(actor, "membership.end", "membership", m.pk, m.person)
    if m.ended_at is not None:
        raise Conflict(_("This membership was already ended."), code="already_closed")
    _close_membership(actor, m, reason)
    m.refresh_from_db()
    audit.record(actor=actor, action="membership.end", object_type="membership", object_id=m.pk,
                 changes={"reason": reason},
                 summary=f"ended the membership of {m.person.inmate_number} in {m.group.name}")
    return m


@service("group.leadership_change")
def leadership_change(
    *, actor: Any, group: Group, new_leader: Person, reason: str, source: str, source_reliability: str,
    information_credibility: str, effective_on: date | None = None,
) -> LeadershipChange:
    """Record a new leader: the previous leader stays a member, the new leader's membership becomes
    leadership (both as new records, so the history shows who led when)."""
    require(actor, "group.leadership_change", "group", group.pk)
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", errors, max_length=5000)
    source = _clean_grading(source, source_reliability, information_credibility, errors)
    effective_on = _date(effective_on, "effective_on", errors)
    _raise(errors)
    _scope(actor, "group.leadership_change", "group", group.pk, new_leader)
    group = Group.objects.select_for_update().get(pk=group.pk)
    current = Membership.objects.filter(group=group, role=MembershipRole.LEADER, ended_at__isnull=True).select_related(
        "person").first()
    if current is not None and current.person_id == new_leader.pk:
        raise Conflict(_("%(name)s already leads %(group)s.") % {"name": new_leader.full_name, "group": group.name},
                       code="unchanged")
    assert effective_on is not None
    if current is not None:
        _close_membership(actor, current, f"leadership passed to {new_leader.inmate_number}")
        _open_membership(actor, current.person, group, MembershipRole.MEMBER, effective_on, source,
                         source_reliability, information_credibility)
    theirs = Membership.objects.filter(group=group, person=new_leader, ended_at__isnull=True).first()
    if theirs is not None:
        _close_membership(actor, theirs, "became leader")
    _open_membership(actor, new_leader, group, MembershipRole.LEADER, effective_on, source, source_reliability,
                     information_credibility)
    change = LeadershipChange.objects.create(
        group=group, previous_leader=current.person if current else None, new_leader=new_leader,
        effective_on=effective_on, reason=reason, source=source, recorded_by=actor, recorded_at=clock.now())
    before = current.person.inmate_number if current else None
    audit.record(actor=actor, action="group.leadership_change", object_type="group", object_id=group.pk,
                 changes={"leader": [before, new_leader.inmate_number], "effective_on": effective_on,
                          "reason": reason, "source": source,
                          "grading": f"{source_reliability}{information_credibility}"},
                 summary=f"recorded {new_leader.inmate_number} as leader of {group.name}"
                 + (f" after {before}" if before else ""))
    return change
