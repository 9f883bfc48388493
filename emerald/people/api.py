"""API: people in custody — search, records, admission, moves, release, placement history.

Admission, moves and release live here (under /people/{inmate_number}/...) because
clients address them by person; the rules are those of emerald.housing.services.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from emerald.core.api_support import (
    Id,
    In,
    InmateNumber,
    IsoDate,
    PageQuery,
    Text,
    actor,
    errors,
    paginate,
    username,
    with_status,
)
from emerald.housing import services as housing
from emerald.housing.models import Placement
from emerald.housing.selectors import current_placement, placement_history
from emerald.people import services
from emerald.people.models import Person
from emerald.people.selectors import person_get, person_open_record, person_search

router = Router()

SexIn = Literal["male", "female"]
CustodyIn = Literal["minimum", "medium", "maximum"]
StatusIn = Literal["not_admitted", "in_custody", "released", "transferred_out", "escaped", "deceased"]
ReleaseKindIn = Literal["released", "transferred_out", "escaped", "deceased"]


# --------------------------------------------------------------------------- schemas


class CurrentPlacementOut(Schema):
    cell_id: int
    cell: str
    unit_id: int
    unit: str
    bed: int
    since: datetime


class PersonOut(Schema):
    inmate_number: str
    first_name: str
    last_name: str
    name: str
    aliases: list[str]
    date_of_birth: date | None
    sex: str
    gender_identity: str
    custody_level: str
    status: str
    current_placement: CurrentPlacementOut | None
    created_at: datetime


class PersonPage(Schema):
    count: int
    items: list[PersonOut]


class PlacementOut(Schema):
    id: int
    inmate_number: str
    kind: str = Field(..., description="admission or move")
    cell_id: int
    cell: str
    unit_id: int
    unit: str
    bed: int
    start: datetime
    end: datetime | None
    reason: str
    ordered_by: str | None = Field(..., description="username")
    override_reason: str = Field(..., description="empty unless a keep-apart order was overridden")
    end_reason: str
    ended_by: str | None


class PlacementPage(Schema):
    count: int
    items: list[PlacementOut]


class PersonIn(In):
    inmate_number: Text
    first_name: Text
    last_name: Text
    aliases: list[Text] = []
    date_of_birth: IsoDate | None = None
    sex: SexIn
    gender_identity: Text = ""
    custody_level: CustodyIn


class PersonPatch(In):
    """Only the fields sent are changed; ``aliases`` replaces the whole list."""

    first_name: Text = None  # type: ignore[assignment]
    last_name: Text = None  # type: ignore[assignment]
    aliases: list[Text] = None  # type: ignore[assignment]
    date_of_birth: IsoDate | None = None
    sex: SexIn = None  # type: ignore[assignment]
    gender_identity: Text = None  # type: ignore[assignment]
    custody_level: CustodyIn = None  # type: ignore[assignment]


class PlaceIn(In):
    cell_id: Id
    reason: Text
    override_reason: Text = Field("", description="only roles allowed to override keep-apart orders; 403 otherwise")
    emergency: bool = Field(False, description="a move across a lockdown: warden, administrator, unit manager "
                            "(own units); 403 otherwise; flagged for review")
    emergency_reason: Text = Field("", description="required with emergency")


class MoveIn(PlaceIn):
    expected_cell_id: Id | None = Field(None, description="the cell the caller believes the person is in now; 409 "
                                        "``moved_meanwhile`` if they are elsewhere (or send If-Match: the id of "
                                        "their open placement)")


class ReleaseIn(In):
    reason: Text
    kind: ReleaseKindIn = Field("released", description="how custody ended (addition to API.md)")


class PeopleQuery(PageQuery):
    q: Text = Field("", description="inmate number, name or alias")
    status: StatusIn | None = None
    unit: Id | None = Field(None, description="unit id: people placed there now")


# --------------------------------------------------------------------------- serialisers


def placement_now(p: Placement | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"cell_id": p.cell_id, "cell": p.cell.code, "unit_id": p.unit_id, "unit": p.unit.code,
            "bed": p.bed.number, "since": p.start_at}


def person_dict(person: Person, placement: Placement | None) -> dict[str, Any]:
    return {
        "inmate_number": person.inmate_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "name": person.full_name,
        "aliases": sorted(a.name for a in person.aliases.all()),
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "gender_identity": person.gender_identity,
        "custody_level": person.custody_level,
        "status": person.status,
        "current_placement": placement_now(placement),
        "created_at": person.created_at,
    }


def people_dicts(people: list[Person]) -> list[dict[str, Any]]:
    """A page of people with aliases and current placements, in three queries."""
    prefetch_related_objects(people, "aliases")
    placements = {
        p.person_id: p
        for p in Placement.objects.filter(person__in=people, end_at__isnull=True).select_related("cell", "unit", "bed")
    }
    return [person_dict(p, placements.get(p.pk)) for p in people]


def one_person(person: Person) -> dict[str, Any]:
    return person_dict(person, current_placement(person))


def placement_dict(p: Placement) -> dict[str, Any]:
    return {
        "id": p.pk,
        "inmate_number": p.person.inmate_number,
        "kind": p.kind,
        "cell_id": p.cell_id,
        "cell": p.cell.code,
        "unit_id": p.unit_id,
        "unit": p.unit.code,
        "bed": p.bed.number,
        "start": p.start_at,
        "end": p.end_at,
        "reason": p.reason,
        "ordered_by": username(p.ordered_by),
        "override_reason": p.override_reason,
        "end_reason": p.end_reason,
        "ended_by": username(p.ended_by),
    }


# --------------------------------------------------------------------------- routes
# Routes with a suffix come first: an inmate number may contain "/", so the bare
# /people/{inmate_number} route (a path converter) would otherwise swallow them.


@router.post("/{path:inmate_number}/admission", response={201: PlacementOut, **errors(400, 401, 403, 404, 409)},
             summary="Admit to custody into a cell")
def admit(request: HttpRequest, inmate_number: InmateNumber, payload: PlaceIn):
    """Answers 201 with the new placement. 409: keep_apart (with ``conflicts``), cell_full,
    cell_unavailable, not_in_custody (already in custody), locked_down (send ``emergency``)."""
    person = person_get(actor=actor(request), inmate_number=inmate_number)
    placement = housing.person_admit(actor=actor(request), person=person, cell_id=payload.cell_id,
                                     reason=payload.reason, override_reason=payload.override_reason,
                                     emergency=payload.emergency, emergency_reason=payload.emergency_reason)
    return with_status(201, placement_dict(placement))


@router.post("/{path:inmate_number}/release", response={200: PersonOut, **errors(400, 401, 403, 404, 409)},
             summary="End custody")
def release(request: HttpRequest, inmate_number: InmateNumber, payload: ReleaseIn):
    """Closes the current placement and the stay; answers 200 with the person."""
    person = person_get(actor=actor(request), inmate_number=inmate_number)
    person = housing.person_release(actor=actor(request), person=person, reason=payload.reason, kind=payload.kind)
    return one_person(person)


@router.post("/{path:inmate_number}/moves", response={201: PlacementOut, **errors(400, 401, 403, 404, 409)},
             summary="Move to another cell")
def move(request: HttpRequest, inmate_number: InmateNumber, payload: MoveIn):
    """Answers 201 with the new placement. 409: keep_apart (with ``conflicts``), cell_full,
    cell_unavailable, not_in_custody, locked_down (send ``emergency`` and ``emergency_reason``),
    moved_meanwhile (``expected_cell_id`` or ``If-Match`` no longer true). An ``override_reason`` or
    ``emergency`` from a role that may not use it: 403."""
    person = person_get(actor=actor(request), inmate_number=inmate_number)
    if_match = (request.headers.get("If-Match") or "").strip().removeprefix("W/").strip('"')
    if_match = None if if_match in ("", "*") else if_match
    placement = housing.placement_move(actor=actor(request), person=person, cell_id=payload.cell_id,
                                       reason=payload.reason, override_reason=payload.override_reason,
                                       emergency=payload.emergency, emergency_reason=payload.emergency_reason,
                                       expected_cell_id=payload.expected_cell_id, expected_placement_id=if_match)
    return with_status(201, placement_dict(placement))


@router.get("/{path:inmate_number}/placements", response={200: PlacementPage, **errors(400, 401, 404)},
            summary="Placement history, newest first")
def placements(request: HttpRequest, inmate_number: InmateNumber, page: Query[PageQuery]):
    person = person_get(actor=actor(request), inmate_number=inmate_number)
    history = placement_history(actor=actor(request), person=person).select_related("person", "bed")
    return paginate(history, page, lambda rows: [placement_dict(p) for p in rows])


@router.get("", response={200: PersonPage, **errors(400, 401)}, summary="Search people")
def search(request: HttpRequest, filters: Query[PeopleQuery]):
    """Best matches first; tolerant of case, accents, apostrophes and spacing."""
    qs = person_search(actor=actor(request), q=filters.q, status=filters.status or "", unit_id=filters.unit)
    return paginate(qs, filters, people_dicts)


@router.post("", response={201: PersonOut, **errors(400, 401, 403)}, summary="Create a person record")
def create(request: HttpRequest, payload: PersonIn):
    person = services.person_create(actor=actor(request), **payload.dict())
    return with_status(201, one_person(person))


@router.get("/{path:inmate_number}", response={200: PersonOut, **errors(401, 404)}, summary="One person's record")
def detail(request: HttpRequest, inmate_number: InmateNumber):
    """Viewing a record is audited (``person.view``, channel ``api``)."""
    person = person_open_record(actor=actor(request), inmate_number=inmate_number, channel="api")
    return one_person(person)


@router.patch("/{path:inmate_number}", response={200: PersonOut, **errors(400, 401, 403, 404)},
              summary="Change identity fields or aliases")
def update(request: HttpRequest, inmate_number: InmateNumber, payload: PersonPatch):
    person = person_get(actor=actor(request), inmate_number=inmate_number)
    person = services.person_update(actor=actor(request), person=person, changes=payload.dict(exclude_unset=True))
    return one_person(person)
