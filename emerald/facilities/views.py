"""The unit board: every cell of a unit, its occupants and warnings; closing and reopening the unit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from emerald.accounts.permissions import allowed, manages_unit
from emerald.core.errors import ServiceError
from emerald.core.views import apply_service_error, as_http, deny, error_status
from emerald.facilities import selectors, services
from emerald.facilities.forms import CellServiceForm, UnitStatusForm

_CELL_PLACEHOLDER = "CELLPK0PLACEHOLDER"


def _board(request: HttpRequest, unit_id: int, *, status_form=None, cell_form=None, cell_form_id=None,
           status: int = 200) -> HttpResponse:
    try:
        unit, rows = selectors.unit_board(actor=request.user, unit_id=unit_id)
    except ServiceError as exc:
        raise as_http(exc) from exc
    may_manage = allowed(request.user, "unit.close") and manages_unit(request.user, unit.pk)
    may_service = allowed(request.user, "cell.set_service") and manages_unit(request.user, unit.pk)
    if status_form is None and may_manage:
        status_form = UnitStatusForm(initial={"action": "reopen" if unit.status == "closed" else "close"},
                                     prefix_id="unit")
    occupied = sum(len(r.occupants) for r in rows)
    capacity = sum(r.capacity for r in rows)
    # A unit has dozens of cells, each with its own small form. Rendering each through Django's form
    # templates made up most of the board's time, so the untouched form is rendered once per state
    # (in service or not) with a placeholder id, and each cell gets a copy with its own ids.
    blank: dict[str, str] = {}
    if may_service:
        for value in ("0", "1"):
            form = CellServiceForm(initial={"in_service": value}, prefix_id=f"cell{_CELL_PLACEHOLDER}")
            blank[value] = render_to_string("facilities/partials/cell_service_fields.html", {"form": form})
    for row in rows:
        row.warnings = [o for o in row.occupants if o.keep_apart]  # type: ignore[attr-defined]
        # service_form: only the submitted form of this cell (its errors); service_fields: what every cell shows.
        row.service_form = row.service_fields = None  # type: ignore[attr-defined]
        if not may_service:
            continue
        if cell_form is not None and cell_form_id == row.cell.pk:
            row.service_form = cell_form  # type: ignore[attr-defined]
            row.service_fields = render_to_string(  # type: ignore[attr-defined]
                "facilities/partials/cell_service_fields.html", {"form": cell_form})
        else:
            value = "0" if row.cell.in_service else "1"
            row.service_fields = mark_safe(  # type: ignore[attr-defined]  # noqa: S308 - our own render; the id is an int
                blank[value].replace(_CELL_PLACEHOLDER, str(int(row.cell.pk))))
    return render(request, "facilities/unit.html", {
        "unit": unit, "rows": rows, "title": _("Unit %(code)s") % {"code": unit.code},
        "may_manage": may_manage, "may_service": may_service, "status_form": status_form,
        "see_occupants": allowed(request.user, "placement.view"),
        "occupied": occupied, "capacity": capacity, "free": sum(r.free for r in rows),
        "nav": "dashboard",
    }, status=status)


@login_required
def unit_board(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _board(request, unit_id)


@login_required
@require_POST
def unit_status(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Close or reopen the unit (unit managers of the unit, wardens, administrators), with a reason."""
    try:
        unit = selectors.unit_get(actor=request.user, unit_id=unit_id)
    except ServiceError as exc:
        raise as_http(exc) from exc
    if not (allowed(request.user, "unit.close") and manages_unit(request.user, unit.pk)):
        raise deny(request, "unit.close", "unit", unit.pk)
    form = UnitStatusForm(request.POST, prefix_id="unit")
    if not form.is_valid():
        return _board(request, unit.pk, status_form=form, status=400)
    service = services.unit_close if form.cleaned_data["action"] == "close" else services.unit_reopen
    try:
        service(actor=request.user, unit=unit, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _board(request, unit.pk, status_form=form, status=error_status(exc))
    if form.cleaned_data["action"] == "close":
        messages.success(request, _("Unit %(code)s is closed.") % {"code": unit.code})
    else:
        messages.success(request, _("Unit %(code)s is open again.") % {"code": unit.code})
    return redirect("facilities:unit", unit.pk)


@login_required
@require_POST
def cell_service(request: HttpRequest, cell_id: int) -> HttpResponse:
    """Take a cell out of service or return it, with a reason."""
    try:
        cell = selectors.cell_get(actor=request.user, cell_id=cell_id)
    except ServiceError as exc:
        raise as_http(exc) from exc
    if not (allowed(request.user, "cell.set_service") and manages_unit(request.user, cell.unit_id)):
        raise deny(request, "cell.set_service", "cell", cell.pk)
    form = CellServiceForm(request.POST, prefix_id=f"cell{cell.pk}")
    if not form.is_valid():
        return _board(request, cell.unit_id, cell_form=form, cell_form_id=cell.pk, status=400)
    in_service = form.cleaned_data["in_service"] == "1"
    try:
        services.cell_set_service(actor=request.user, cell=cell, in_service=in_service,
                                  reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _board(request, cell.unit_id, cell_form=form, cell_form_id=cell.pk, status=error_status(exc))
    if in_service:
        messages.success(request, _("Cell %(code)s is back in service.") % {"code": cell.code})
    else:
        messages.success(request, _("Cell %(code)s is out of service.") % {"code": cell.code})
    return redirect("facilities:unit", cell.unit_id)
