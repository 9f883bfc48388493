"""API: relationships between people, security threat groups, rivalries, memberships, leadership changes,
and the group warnings of a placement. Security data: education and medical staff get 403 for lists and
404 for records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from emerald.core.api_support import (
    Id,
    In,
    IsoDate,
    PageQuery,
    PersonRef,
    Text,
    actor,
    errors,
    paginate,
    username,
    with_status,
)
from emerald.core.errors import Invalid
from emerald.facilities.models import Cell
from emerald.housing.visibility import reason_code
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to
from emerald.people.visibility import person_ref
from emerald.relations import selectors, services
from emerald.relations.models import Group, LeadershipChange, Membership, Relationship, Rivalry

router = Router()

KindIn = Literal["family", "co_defendant", "associate", "enemy"]
RoleIn = Literal["member", "leader", "associate"]
ReliabilityIn = Literal["A", "B", "C", "D", "E", "F"]
CredibilityIn = Literal["1", "2", "3", "4", "5", "6"]
ScopeIn = Literal["cell", "unit", "facility"]
KeepApartReasonIn = Literal["gang_rivalry", "victim_perpetrator", "threat", "witness", "family", "other"]


def person_from_number(request: HttpRequest, number: str, field: str) -> Person:
    """The person an inmate number in a body or query names; 400 (on ``field``) if unknown or not visible."""
    person = people_visible_to(actor(request)).filter(inmate_number=(number or "").strip().upper()).first()
    if person is None:
        raise Invalid(_("Some fields need correcting."),
                      fields={field: [_("No person with inmate number %(n)s.") % {"n": number}]})
    return person


# --------------------------------------------------------------------------- schemas


class RelationshipOut(Schema):
    id: int
    person_a: PersonRef
    person_b: PersonRef
    kind: str = Field(..., description="family / co_defendant / associate / enemy")
    detail: str
    source: str
    known_since: date
    non_association_id: int | None = Field(..., description="the keep-apart order made from it (enemies)")
    created_by: str | None
    created_at: datetime
    ended_at: datetime | None
    ended_by: str | None
    end_reason: str


class RelationshipPage(Schema):
    count: int
    items: list[RelationshipOut]


class RelationshipIn(In):
    person_a: Text = Field(..., description="inmate number")
    person_b: Text = Field(..., description="inmate number")
    kind: KindIn
    source: Text = Field(..., description="where staff learned it")
    known_since: IsoDate | None = Field(None, description="default: today")
    detail: Text = Field("", description='e.g. "brother"')


class RelationsEndIn(In):
    reason: Text


class KeepApartIn(In):
    scope: ScopeIn = "unit"
    reason: KeepApartReasonIn = "threat"
    comment: Text = ""


class KeepApartOut(Schema):
    non_association_id: int
    scope: str
    reason: str
    currently_violated: bool
    where: str | None
    relationship: RelationshipOut


class RelationshipQuery(PageQuery):
    person: Text = Field("", description="inmate number")
    kind: KindIn | None = None
    include_ended: bool = False


class GroupRef(Schema):
    id: int
    name: str


class MembershipOut(Schema):
    id: int
    person: PersonRef
    group: GroupRef
    role: str = Field(..., description="member / leader / associate")
    since: date
    source: str
    source_reliability: str
    information_credibility: str
    grading: str = Field(..., description='e.g. "B2"')
    unit: str | None = Field(None, description="code of the member's current unit")
    cell: str | None = Field(None, description="code of the member's current cell")
    created_by: str | None
    ended_at: datetime | None
    end_reason: str


class RivalryOut(Schema):
    id: int
    group_a: GroupRef
    group_b: GroupRef
    since: date
    source: str
    comment: str
    ended_at: datetime | None
    end_reason: str


class LeadershipChangeOut(Schema):
    id: int
    group: GroupRef
    previous_leader: PersonRef | None
    new_leader: PersonRef
    effective_on: date
    reason: str
    source: str
    recorded_by: str | None
    recorded_at: datetime


class UnitMembers(Schema):
    unit: str | None = Field(..., description="unit code; null: not housed")
    members: list[MembershipOut]


class GroupSummaryOut(Schema):
    id: int
    name: str
    description: str
    members: int
    leader: PersonRef | None


class GroupOut(GroupSummaryOut):
    members_by_unit: list[UnitMembers]
    rivalries: list[RivalryOut]
    leadership_changes: list[LeadershipChangeOut]


class GroupPage(Schema):
    count: int
    items: list[GroupSummaryOut]


class GroupIn(In):
    name: Text
    description: Text = ""


class RivalryIn(In):
    group_a: Id
    group_b: Id
    source: Text
    since: IsoDate | None = None
    comment: Text = ""


class RivalryPage(Schema):
    count: int
    items: list[RivalryOut]


class MembershipIn(In):
    person: Text = Field(..., description="inmate number")
    role: RoleIn
    source: Text
    source_reliability: ReliabilityIn
    information_credibility: CredibilityIn
    since: IsoDate | None = None


class LeaderIn(In):
    person: Text = Field(..., description="inmate number of the new leader")
    reason: Text
    source: Text
    source_reliability: ReliabilityIn
    information_credibility: CredibilityIn
    effective_on: IsoDate | None = None


class MembershipQuery(PageQuery):
    person: Text = Field("", description="inmate number")
    group: Id | None = None
    include_ended: bool = False


class MembershipPage(Schema):
    count: int
    items: list[MembershipOut]


class WarningOut(Schema):
    kind: str = Field(..., description="rival_in_cell / rival_leader_in_unit")
    group: str
    other: PersonRef
    other_group: str
    where: str
    detail: str


class WarningQuery(Schema):
    person: Text = Field(..., description="inmate number")
    cell_id: Id


class WarningsOut(Schema):
    warnings: list[WarningOut]


# --------------------------------------------------------------------------- serialisation


def relationship_dict(r: Relationship) -> dict[str, Any]:
    return {
        "id": r.pk, "person_a": person_ref(r.person_a), "person_b": person_ref(r.person_b), "kind": r.kind,
        "detail": r.detail, "source": r.source, "known_since": r.known_since, "non_association_id": r.keep_apart_id,
        "created_by": username(r.created_by), "created_at": r.created_at, "ended_at": r.ended_at,
        "ended_by": username(r.ended_by), "end_reason": r.end_reason,
    }


def _group_ref(g: Group) -> dict[str, Any]:
    return {"id": g.pk, "name": g.name}


def membership_dict(m: Membership) -> dict[str, Any]:
    unit, cell = getattr(m, "unit", None), getattr(m, "cell", None)
    return {
        "id": m.pk, "person": person_ref(m.person), "group": _group_ref(m.group), "role": m.role, "since": m.since,
        "source": m.source, "source_reliability": m.source_reliability,
        "information_credibility": m.information_credibility, "grading": m.grading,
        "unit": unit.code if unit else None, "cell": cell.code if cell else None,
        "created_by": username(m.created_by), "ended_at": m.ended_at, "end_reason": m.end_reason,
    }


def rivalry_dict(r: Rivalry) -> dict[str, Any]:
    return {"id": r.pk, "group_a": _group_ref(r.group_a), "group_b": _group_ref(r.group_b), "since": r.since,
            "source": r.source, "comment": r.comment, "ended_at": r.ended_at, "end_reason": r.end_reason}


def change_dict(c: LeadershipChange) -> dict[str, Any]:
    return {"id": c.pk, "group": _group_ref(c.group),
            "previous_leader": person_ref(c.previous_leader) if c.previous_leader_id else None,
            "new_leader": person_ref(c.new_leader), "effective_on": c.effective_on, "reason": c.reason,
            "source": c.source, "recorded_by": username(c.recorded_by), "recorded_at": c.recorded_at}


def group_summary(g: Group) -> dict[str, Any]:
    open_members = g.memberships.filter(ended_at__isnull=True)
    leader = open_members.filter(role="leader").select_related("person").first()
    return {"id": g.pk, "name": g.name, "description": g.description, "members": open_members.count(),
            "leader": person_ref(leader.person) if leader else None}


def group_dict(g: Group, actor_: Any = None) -> dict[str, Any]:
    return {
        **group_summary(g),
        "members_by_unit": [{"unit": e["unit"].code if e["unit"] else None,
                             "members": [membership_dict(m) for m in e["members"]]}
                            for e in selectors.members_by_unit(g, actor=actor_)],
        "rivalries": [rivalry_dict(r) for r in selectors.group_rivalries(g)],
        "leadership_changes": [change_dict(c) for c in selectors.leadership_history(g)],
    }


# --------------------------------------------------------------------------- relationships


@router.get("/relationships", response={200: RelationshipPage, **errors(400, 401, 403)},
            summary="Relationships between people")
def relationship_list(request: HttpRequest, query: Query[RelationshipQuery]):
    """Open relationships (``include_ended`` for all), optionally of one person, newest first."""
    person = person_from_number(request, query.person, "person") if query.person else None
    qs = selectors.relationship_list(actor=actor(request), person=person, kind=query.kind or "",
                                     include_ended=query.include_ended)
    return paginate(qs, query, lambda rows: [relationship_dict(r) for r in rows])


@router.post("/relationships", response={201: RelationshipOut, **errors(400, 401, 403, 409)},
             summary="Record a relationship")
def relationship_create(request: HttpRequest, payload: RelationshipIn):
    """409 ``already_exists`` when the pair already has an open relationship of this kind."""
    a = person_from_number(request, payload.person_a, "person_a")
    b = person_from_number(request, payload.person_b, "person_b")
    rel = services.relationship_create(actor=actor(request), person_a=a, person_b=b, kind=payload.kind,
                                       source=payload.source, known_since=payload.known_since, detail=payload.detail)
    return with_status(201, relationship_dict(rel))


@router.get("/relationships/{int:id}", response={200: RelationshipOut, **errors(401, 404)},
            summary="One relationship")
def relationship_detail(request: HttpRequest, id: Id):
    return relationship_dict(selectors.relationship_get(actor=actor(request), relationship_id=id))


@router.post("/relationships/{int:id}/end", response={200: RelationshipOut, **errors(400, 401, 403, 404, 409)},
             summary="End a relationship")
def relationship_end(request: HttpRequest, id: Id, payload: RelationsEndIn):
    rel = selectors.relationship_get(actor=actor(request), relationship_id=id)
    return relationship_dict(services.relationship_end(actor=actor(request), relationship=rel, reason=payload.reason))


@router.post("/relationships/{int:id}/keep-apart", response={201: KeepApartOut, **errors(400, 401, 403, 404, 409)},
             summary="Make a keep-apart order from an enemy relationship")
def relationship_keep_apart(request: HttpRequest, id: Id, payload: KeepApartIn):
    """One step: creates the order (default scope ``unit``, reason ``threat``) and links it. 409 ``not_enemy``
    for other kinds, ``already_exists`` when the pair already has an open order."""
    rel = selectors.relationship_get(actor=actor(request), relationship_id=id)
    order = services.relationship_keep_apart(actor=actor(request), relationship=rel, scope=payload.scope,
                                             reason=payload.reason, comment=payload.comment)
    rel.refresh_from_db()
    where = getattr(order, "currently_violated_where", "")
    return with_status(201, {"non_association_id": order.pk, "scope": order.scope, "reason": reason_code(order),
                             "currently_violated": bool(where), "where": where or None,
                             "relationship": relationship_dict(rel)})


# --------------------------------------------------------------------------- groups


@router.get("/groups", response={200: GroupPage, **errors(400, 401, 403)}, summary="Security threat groups")
def group_list(request: HttpRequest, query: Query[PageQuery]):
    return paginate(selectors.group_list(actor=actor(request)), query, lambda rows: [group_summary(g) for g in rows])


@router.post("/groups", response={201: GroupOut, **errors(400, 401, 403)}, summary="Record a group")
def group_create(request: HttpRequest, payload: GroupIn):
    group = services.group_create(actor=actor(request), name=payload.name, description=payload.description)
    return with_status(201, group_dict(group, actor(request)))


@router.get("/groups/{int:id}", response={200: GroupOut, **errors(401, 404)},
            summary="One group: members per unit, rivalries, leadership history")
def group_detail(request: HttpRequest, id: Id):
    return group_dict(selectors.group_get(actor=actor(request), group_id=id), actor(request))


@router.post("/groups/{int:id}/memberships", response={201: MembershipOut, **errors(400, 401, 403, 404, 409)},
             summary="Record a membership")
def membership_create(request: HttpRequest, id: Id, payload: MembershipIn):
    """409 ``already_exists`` (an open membership of this person in this group) or ``leader_exists``."""
    group = selectors.group_get(actor=actor(request), group_id=id)
    person = person_from_number(request, payload.person, "person")
    m = services.membership_create(actor=actor(request), person=person, group=group, role=payload.role,
                                   source=payload.source, source_reliability=payload.source_reliability,
                                   information_credibility=payload.information_credibility, since=payload.since)
    return with_status(201, membership_dict(m))


@router.post("/groups/{int:id}/leader", response={201: LeadershipChangeOut, **errors(400, 401, 403, 404, 409)},
             summary="Record a leadership change")
def group_leader(request: HttpRequest, id: Id, payload: LeaderIn):
    """The previous leader stays a member; 409 ``unchanged`` if the person already leads the group."""
    group = selectors.group_get(actor=actor(request), group_id=id)
    person = person_from_number(request, payload.person, "person")
    change = services.leadership_change(
        actor=actor(request), group=group, new_leader=person, reason=payload.reason, source=payload.source,
        source_reliability=payload.source_reliability, information_credibility=payload.information_credibility,
        effective_on=payload.effective_on)
    return with_status(201, change_dict(change))


@router.get("/memberships", response={200: MembershipPage, **errors(400, 401, 403)}, summary="Group memberships")
def membership_list(request: HttpRequest, query: Query[MembershipQuery]):
    person = person_from_number(request, query.person, "person") if query.person else None
    group = selectors.group_get(actor=actor(request), group_id=query.group) if query.group else None
    qs = selectors.membership_list(actor=actor(request), person=person, group=group,
                                   include_ended=query.include_ended)
    return paginate(qs, query, lambda rows: [membership_dict(m) for m in rows])


@router.post("/memberships/{int:id}/end", response={200: MembershipOut, **errors(400, 401, 403, 404, 409)},
             summary="End a membership")
def membership_end(request: HttpRequest, id: Id, payload: RelationsEndIn):
    m = selectors.membership_get(actor=actor(request), membership_id=id)
    return membership_dict(services.membership_end(actor=actor(request), membership=m, reason=payload.reason))


@router.get("/rivalries", response={200: RivalryPage, **errors(400, 401, 403)}, summary="Rivalries between groups")
def rivalry_list(request: HttpRequest, query: Query[PageQuery]):
    return paginate(selectors.rivalry_list(actor=actor(request)), query, lambda rows: [rivalry_dict(r) for r in rows])


@router.post("/rivalries", response={201: RivalryOut, **errors(400, 401, 403, 404, 409)},
             summary="Record a rivalry")
def rivalry_create(request: HttpRequest, payload: RivalryIn):
    a = selectors.group_get(actor=actor(request), group_id=payload.group_a)
    b = selectors.group_get(actor=actor(request), group_id=payload.group_b)
    r = services.rivalry_create(actor=actor(request), group_a=a, group_b=b, source=payload.source,
                                since=payload.since, comment=payload.comment)
    return with_status(201, rivalry_dict(r))


@router.post("/rivalries/{int:id}/end", response={200: RivalryOut, **errors(400, 401, 403, 404, 409)},
             summary="End a rivalry")
def rivalry_end(request: HttpRequest, id: Id, payload: RelationsEndIn):
    r = selectors.rivalry_get(actor=actor(request), rivalry_id=id)
    return rivalry_dict(services.rivalry_end(actor=actor(request), rivalry=r, reason=payload.reason))


@router.get("/group-warnings", response={200: WarningsOut, **errors(400, 401, 403)},
            summary="Group warnings of a placement")
def group_warnings(request: HttpRequest, query: Query[WarningQuery]):
    """What placing ``person`` in ``cell_id`` would mean: rival group members in the cell, rival leaders in
    the unit. Warnings, never refusals."""
    from emerald.core.access import require_list

    require_list(actor(request), "group.view", "group")
    person = person_from_number(request, query.person, "person")
    cell = Cell.objects.select_related("unit").filter(pk=query.cell_id).first()
    if cell is None:
        raise Invalid(_("Some fields need correcting."), fields={"cell_id": [_("No such cell.")]})
    return {"warnings": [w.as_dict() for w in selectors.placement_warnings(actor=actor(request), person=person,
                                                                            cell=cell)]}
