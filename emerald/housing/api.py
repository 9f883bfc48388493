"""API: the roll (who is where, now or at any past moment) and keep-apart orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from emerald.accounts.permissions import allowed
from emerald.core import clock
from emerald.core.access import deny_list
from emerald.core.api_support import (
    Id,
    In,
    IsoDateTime,
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
from emerald.housing import services
from emerald.housing.models import NonAssociation, Placement, Scope
from emerald.housing.selectors import non_association_get, non_association_list, roll
from emerald.housing.visibility import may_know_reason, order_comment, reason_code
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to
from emerald.people.visibility import person_ref

router = Router()

ScopeIn = Literal["cell", "unit", "facility"]
ReasonIn = Literal["gang_rivalry", "victim_perpetrator", "threat", "witness", "family", "other"]


# --------------------------------------------------------------------------- roll


class RollUnitOut(Schema):
    id: int
    code: str
    name: str
    capacity: int
    occupied: int
    people: list[str | None] = Field(
        ..., description="inmate numbers; null for each person the reader may not know (counted, not named), last")
    hidden: int = Field(0, description="how many of the people the reader may not know")


class RollFacilityOut(Schema):
    code: str
    name: str
    units: list[RollUnitOut]


class RollOut(Schema):
    at: datetime
    total: int
    facilities: list[RollFacilityOut]


class RollQuery(Schema):
    at: IsoDateTime | None = Field(None, description="ISO 8601 with an offset; omitted: now")


@router.get("/roll", response={200: RollOut, **errors(400, 401, 403)}, summary="Who is where")
def roll_view(request: HttpRequest, query: Query[RollQuery]):
    """As of ``at`` (from the placement history), or now."""
    return roll(actor=actor(request), at=query.at)


# --------------------------------------------------------------------------- keep-apart orders


class OrderOut(Schema):
    id: int
    person_a: PersonRef
    person_b: PersonRef
    scope: str
    reason: str = Field(..., description="the reason's code; ``confidential`` for an order made from a restricted "
                        "record, to a reader who may not know why (docs/housing.md)")
    comment: str = Field(..., description="empty where the reason is confidential to the reader")
    confidential: bool = Field(..., description="made from a restricted record; keep the two apart all the same")
    created_by: str | None
    created_at: datetime
    expires_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    close_reason: str
    status: str = Field(..., description="open / closed / expired")
    currently_violated: bool = Field(..., description="an open order the two people break where they are now")
    currently_violated_where: str | None = Field(..., description="code of the cell, unit or facility they share")


class OrderPage(Schema):
    count: int
    items: list[OrderOut]


class OrderIn(In):
    person_a: Text = Field(..., description="inmate number")
    person_b: Text = Field(..., description="inmate number")
    scope: ScopeIn
    reason: ReasonIn
    comment: Text = ""
    expires_at: IsoDateTime | None = None


class CloseIn(In):
    reason: Text


class OrderQuery(PageQuery):
    person: Text = Field("", description="inmate number: orders naming this person")
    include_closed: bool = Field(False, description="also closed and expired orders")


def _status(order: NonAssociation, now: datetime) -> str:
    if order.closed_at is not None:
        return "closed"
    if order.expires_at is not None and order.expires_at <= now:
        return "expired"
    return "open"


def _where_together(order: NonAssociation, placements: dict[int, Placement]) -> str:
    pa, pb = placements.get(order.person_a_id), placements.get(order.person_b_id)
    if not pa or not pb:
        return ""
    if order.scope == Scope.CELL and pa.cell_id == pb.cell_id:
        return pa.cell.code
    if order.scope == Scope.UNIT and pa.unit_id == pb.unit_id:
        return pa.unit.code
    if order.scope == Scope.FACILITY and pa.unit.facility_id == pb.unit.facility_id:
        return pa.unit.facility.code
    return ""


def orders_dicts(orders: list[NonAssociation]) -> list[dict[str, Any]]:
    """A page of orders, with where each open one is broken now; one query for all placements."""
    now = clock.now()
    ids = {o.person_a_id for o in orders} | {o.person_b_id for o in orders}
    placements = {
        p.person_id: p
        for p in Placement.objects.filter(person_id__in=ids, end_at__isnull=True).select_related(
            "cell", "unit", "unit__facility")
    }
    out = []
    for o in orders:
        status = _status(o, now)
        where = _where_together(o, placements) if status == "open" else ""
        out.append({
            "id": o.pk, "person_a": person_ref(o.person_a), "person_b": person_ref(o.person_b), "scope": o.scope,
            "reason": reason_code(o), "comment": order_comment(o), "confidential": o.confidential,
            "created_by": username(o.created_by),
            "created_at": o.created_at, "expires_at": o.expires_at, "closed_at": o.closed_at,
            "closed_by": username(o.closed_by), "close_reason": o.close_reason if may_know_reason(o) else "",
            "status": status,
            "currently_violated": bool(where), "currently_violated_where": where or None,
        })
    return out


def _person_or_field_error(request: HttpRequest, number: str, field: str, errors_: dict[str, list[str]]) -> Person | None:
    person = people_visible_to(actor(request)).filter(inmate_number=(number or "").strip().upper()).first()
    if person is None:
        errors_[field] = [_("No person with inmate number %(number)s.") % {"number": number}]
    return person


@router.get("/non-associations", response={200: OrderPage, **errors(400, 401, 403)},
            summary="Keep-apart orders (open ones unless include_closed)")
def orders(request: HttpRequest, query: Query[OrderQuery]):
    person = None
    if query.person:
        # Roles that may not list orders learn nothing about the person: the list refusal comes first.
        if not allowed(actor(request), "non_association.view"):
            raise deny_list(actor(request), "non_association.view", "non_association")
        problems: dict[str, list[str]] = {}
        person = _person_or_field_error(request, query.person, "person", problems)
        if problems:
            raise Invalid(_("Some fields need correcting."), fields=problems)
    qs = non_association_list(actor=actor(request), person=person, include_closed=query.include_closed)
    return paginate(qs, query, orders_dicts)


@router.post("/non-associations", response={201: OrderOut, **errors(400, 401, 403, 409)},
             summary="Order two people kept apart")
def create_order(request: HttpRequest, payload: OrderIn):
    """Allowed even if the two are together now: the answer says ``currently_violated`` and where.
    409 ``already_exists`` if the pair has an open order."""
    if not allowed(actor(request), "non_association.create"):
        raise deny_list(actor(request), "non_association.create", "non_association")
    problems: dict[str, list[str]] = {}
    a = _person_or_field_error(request, payload.person_a, "person_a", problems)
    b = _person_or_field_error(request, payload.person_b, "person_b", problems)
    if problems or a is None or b is None:
        raise Invalid(_("Some fields need correcting."), fields=problems)
    order = services.non_association_create(
        actor=actor(request), person_a=a, person_b=b, scope=payload.scope, reason=payload.reason,
        comment=payload.comment, expires_at=payload.expires_at,
    )
    return with_status(201, orders_dicts([order])[0])


@router.get("/non-associations/{int:id}", response={200: OrderOut, **errors(401, 404)},
            summary="One keep-apart order")
def order(request: HttpRequest, id: Id):
    """404 (audited) for roles that may not see keep-apart orders, as for a missing one."""
    return orders_dicts([non_association_get(actor=actor(request), order_id=id)])[0]


@router.post("/non-associations/{int:id}/close", response={200: OrderOut, **errors(400, 401, 403, 404, 409)},
             summary="Close a keep-apart order")
def close_order(request: HttpRequest, id: Id, payload: CloseIn):
    """Orders are closed with who, when and why, never deleted. 409 ``already_closed``."""
    target = non_association_get(actor=actor(request), order_id=id)
    closed = services.non_association_close(actor=actor(request), order=target, reason=payload.reason)
    return orders_dicts([non_association_get(actor=actor(request), order_id=closed.pk)])[0]
