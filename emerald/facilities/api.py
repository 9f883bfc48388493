"""API: units and cells with their occupancy; closing units and taking cells out of service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from emerald.core import clock
from emerald.core.api_support import Id, In, PageQuery, PersonRef, Text, actor, errors, paginate
from emerald.facilities import services
from emerald.facilities.models import Cell, Unit
from emerald.facilities.selectors import (
    CellRow,
    cell_get,
    cell_rows,
    facility_list,
    unit_board,
    unit_get,
    unit_list,
)

router = Router()


class FacilityOut(Schema):
    id: int
    code: str
    name: str
    timezone: str = Field(..., description="IANA time zone: local dates and times of this facility are in it")
    local_date: date = Field(..., description="today in the facility, for checks such as 'not in the future'")
    local_time: datetime = Field(..., description="now in the facility, with its UTC offset")


class FacilityPage(Schema):
    count: int
    items: list[FacilityOut]


class UnitOut(Schema):
    id: int
    facility: str = Field(..., description="facility code")
    code: str
    name: str
    kind: str
    security_level: str
    status: str = Field(..., description="open / closed / locked_down")
    capacity: int = Field(..., description="beds in service")
    certified_capacity: int
    occupied: int
    free: int


class OccupantOut(PersonRef):
    bed: int
    since: datetime
    keep_apart: list[str] = Field(
        ..., description="open keep-apart orders broken where they are now; empty for roles that may not see orders")


class CellOut(Schema):
    id: int
    code: str
    unit_id: int
    unit: str
    facility: str
    capacity: int = Field(..., description="beds in service (0 when the cell is out of service)")
    certified_capacity: int
    status: str = Field(..., description="in_service / out_of_service")
    out_of_service_reason: str
    accessible: bool
    single_occupancy: bool
    free: int
    occupants: list[OccupantOut]


class UnitDetailOut(UnitOut):
    cells: list[CellOut]


class UnitPage(Schema):
    count: int
    items: list[UnitOut]


class ReasonIn(In):
    reason: Text


class CellServiceIn(In):
    in_service: bool
    reason: Text


def unit_dict(unit: Unit, *, capacity: int, certified: int, occupied: int) -> dict[str, Any]:
    return {
        "id": unit.pk, "facility": unit.facility.code, "code": unit.code, "name": unit.name, "kind": unit.kind,
        "security_level": unit.security_level, "status": unit.status, "capacity": capacity,
        "certified_capacity": certified, "occupied": occupied, "free": max(capacity - occupied, 0),
    }


def cell_dict(row: CellRow) -> dict[str, Any]:
    cell = row.cell
    return {
        "id": cell.pk, "code": cell.code, "unit_id": cell.unit_id, "unit": cell.unit.code,
        "facility": cell.unit.facility.code, "capacity": row.capacity,
        "certified_capacity": cell.certified_capacity,
        "status": "in_service" if cell.in_service else "out_of_service",
        "out_of_service_reason": cell.out_of_service_reason, "accessible": cell.accessible,
        "single_occupancy": cell.single_occupancy, "free": row.free,
        "occupants": [
            {"inmate_number": o.number or None, "name": o.name, "hidden": not o.number,
             "bed": o.bed_number, "since": o.since, "keep_apart": o.keep_apart}
            for o in row.occupants
        ],
    }


def unit_detail(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    unit, rows = unit_board(actor=actor(request), unit_id=unit_id)
    for row in rows:
        row.cell.unit = unit  # already loaded: saves a query per cell
    data = unit_dict(
        unit,
        capacity=sum(r.capacity for r in rows),
        # As in the unit list: certified places of the cells in service.
        certified=sum(r.cell.certified_capacity for r in rows if r.cell.in_service),
        occupied=sum(len(r.occupants) for r in rows),
    )
    data["cells"] = [cell_dict(r) for r in rows]
    return data


def facility_dict(f: Any) -> dict[str, Any]:
    try:
        zone = ZoneInfo(f.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    here = clock.now().astimezone(zone)
    return {"id": f.pk, "code": f.code, "name": f.name, "timezone": f.timezone, "local_date": here.date(),
            "local_time": here}


@router.get("/facilities", response={200: FacilityPage, **errors(400, 401)},
            summary="Every facility with its time zone and its local date and time now")
def facilities(request: HttpRequest, page: Query[PageQuery]):
    """Codes are matched ignoring case everywhere (``oz`` is ``OZ``)."""
    return paginate(facility_list(actor=actor(request)), page, lambda rows: [facility_dict(f) for f in rows])


@router.get("/units", response={200: UnitPage, **errors(400, 401)}, summary="Every unit with its occupancy")
def units(request: HttpRequest, page: Query[PageQuery]):
    rows = unit_list(actor=actor(request))
    return paginate(rows, page, lambda items: [
        unit_dict(u, capacity=u.capacity, certified=u.certified, occupied=u.occupied) for u in items])


@router.get("/units/{int:id}", response={200: UnitDetailOut, **errors(401, 404)},
            summary="A unit with its cells and occupants")
def unit(request: HttpRequest, id: Id):
    return unit_detail(request, id)


@router.post("/units/{int:id}/close", response={200: UnitDetailOut, **errors(400, 401, 403, 404, 409)},
             summary="Close an empty unit")
def close_unit(request: HttpRequest, id: Id, payload: ReasonIn):
    """409 ``unit_occupied`` while anyone is housed there, ``already_closed`` if it is closed."""
    target = unit_get(actor=actor(request), unit_id=id)
    services.unit_close(actor=actor(request), unit=target, reason=payload.reason)
    return unit_detail(request, id)


@router.post("/units/{int:id}/reopen", response={200: UnitDetailOut, **errors(400, 401, 403, 404, 409)},
             summary="Reopen a closed unit")
def reopen_unit(request: HttpRequest, id: Id, payload: ReasonIn):
    """409 ``not_closed`` if the unit is open."""
    target = unit_get(actor=actor(request), unit_id=id)
    services.unit_reopen(actor=actor(request), unit=target, reason=payload.reason)
    return unit_detail(request, id)


def one_cell(request: HttpRequest, cell: Cell) -> dict[str, Any]:
    return cell_dict(cell_rows(actor=actor(request), cells=[cell])[0])


@router.get("/cells/{int:id}", response={200: CellOut, **errors(401, 404)}, summary="One cell with its occupants")
def cell(request: HttpRequest, id: Id):
    return one_cell(request, cell_get(actor=actor(request), cell_id=id))


@router.post("/cells/{int:id}/service", response={200: CellOut, **errors(400, 401, 403, 404, 409)},
             summary="Take a cell out of service or return it")
def cell_service(request: HttpRequest, id: Id, payload: CellServiceIn):
    """409 ``cell_occupied`` (take an occupied cell out of service) or ``unchanged``."""
    target = cell_get(actor=actor(request), cell_id=id)
    services.cell_set_service(actor=actor(request), cell=target, in_service=payload.in_service, reason=payload.reason)
    return one_cell(request, cell_get(actor=actor(request), cell_id=id))
