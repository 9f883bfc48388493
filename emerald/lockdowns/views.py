"""Lockdown pages (order, lift, review emergency moves) and the re-housing wizard.

Wizard steps: 1. choose who and where (and reopen a closed unit such as the
gym first); 2. preview; 3. execute, with a <progress> bar that htmx refreshes
while the run executes; 4. close the emptied unit.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from emerald.accounts.models import Role
from emerald.accounts.permissions import allowed, manages_unit, role_of
from emerald.core.errors import ServiceError
from emerald.core.views import apply_service_error, as_http, error_status, require_allowed
from emerald.facilities import services as facility_services
from emerald.facilities.models import Facility, Unit, UnitStatus
from emerald.facilities.selectors import units_visible_to
from emerald.lockdowns import selectors, services
from emerald.lockdowns.forms import (
    CancelForm,
    CloseUnitForm,
    LiftForm,
    LockdownForm,
    RehousingForm,
    ReopenForm,
    ReviewForm,
)
from emerald.lockdowns.models import EmergencyMove, Lockdown, RunStatus
from emerald.people.selectors import people_visible_to


def _get(fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except ServiceError as exc:
        raise as_http(exc) from exc


def may_lift(user: Any, lk: Lockdown) -> bool:
    """Mirrors ``lockdown_lift``: offer the control only to those the service will accept."""
    if not allowed(user, "lockdown.lift"):
        return False
    if role_of(user) == Role.UNIT_MANAGER:
        return bool(lk.unit_id) and manages_unit(user, lk.unit_id) and role_of(lk.ordered_by) == Role.UNIT_MANAGER
    return True


def _orderable_units(user: Any) -> list[Unit]:
    return [u for u in units_visible_to(user).order_by("code") if u.status != UnitStatus.CLOSED
            and manages_unit(user, u.pk)]


def _index(request: HttpRequest, *, order_form: LockdownForm | None = None, lift_forms: dict | None = None,
           status: int = 200) -> HttpResponse:
    user = request.user
    may_order = allowed(user, "lockdown.order")
    facilities = list(Facility.objects.order_by("code")) if role_of(user) in (Role.ADMINISTRATOR, Role.WARDEN) else []
    if may_order and order_form is None:
        order_form = LockdownForm(facilities=facilities, units=_orderable_units(user), prefix="order")
    active = list(selectors.lockdown_list(actor=user, active=True))
    lift_forms = lift_forms or {}
    for lk in active:
        lk.may_lift = may_lift(user, lk)  # type: ignore[attr-defined]
        lk.lift_form = lift_forms.get(lk.pk) or LiftForm(prefix=f"lift{lk.pk}")  # type: ignore[attr-defined]
    history = list(selectors.lockdown_list(actor=user, active=False)[:20])
    return render(request, "lockdowns/index.html", {
        "title": _("Lockdowns"), "active": active, "history": history, "order_form": order_form if may_order else None,
        "see_moves": allowed(user, "emergency_move.view"),
        "pending_moves": selectors.emergency_move_list(actor=user, pending=True).count()
        if allowed(user, "emergency_move.view") else 0,
        "see_runs": allowed(user, "rehousing.view"), "nav": "lockdowns",
    }, status=status)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "lockdown.view", "lockdown")
    return _index(request)


@login_required
@require_POST
def order(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_allowed(request, "lockdown.order", "lockdown")
    facilities = list(Facility.objects.order_by("code")) if role_of(user) in (Role.ADMINISTRATOR, Role.WARDEN) else []
    form = LockdownForm(request.POST, facilities=facilities, units=_orderable_units(user), prefix="order")
    if form.is_valid():
        kind, _sep, pk = form.cleaned_data["area"].partition(":")
        unit = Unit.objects.filter(pk=pk).first() if kind == "unit" else None
        facility = Facility.objects.filter(pk=pk).first() if kind == "facility" else None
        try:
            lk = services.lockdown_order(actor=user, reason=form.cleaned_data["reason"], unit=unit, facility=facility)
        except ServiceError as exc:
            apply_service_error(form, exc, {"unit_id": "area"})
            return _index(request, order_form=form, status=error_status(exc))
        messages.warning(request, _("%(area)s is locked down.") % {"area": lk.area_label()})
        return redirect("lockdowns:index")
    return _index(request, order_form=form, status=400)


@login_required
@require_POST
def lift(request: HttpRequest, lockdown_id: int) -> HttpResponse:
    lk = _get(selectors.lockdown_get, actor=request.user, lockdown_id=lockdown_id)
    form = LiftForm(request.POST, prefix=f"lift{lk.pk}")
    if form.is_valid():
        try:
            services.lockdown_lift(actor=request.user, lockdown=lk, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            apply_service_error(form, exc)
            return _index(request, lift_forms={lk.pk: form}, status=error_status(exc))
        messages.success(request, _("The lockdown of %(area)s was lifted.") % {"area": lk.area_label()})
        return redirect("lockdowns:index")
    return _index(request, lift_forms={lk.pk: form}, status=400)


# --------------------------------------------------------------------------- emergency moves


def _moves_page(request: HttpRequest, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    may_review = allowed(user, "emergency_move.review")
    pending = list(selectors.emergency_move_list(actor=user, pending=True).select_related("placement__cell__unit"))
    forms = forms or {}
    for move in pending:
        move.form = (forms.get(move.pk) or ReviewForm(prefix=f"review{move.pk}")) if may_review else None  # type: ignore[attr-defined]
    reviewed = list(selectors.emergency_move_list(actor=user, pending=False).select_related(
        "placement__cell__unit")[:50])
    return render(request, "lockdowns/emergency_moves.html", {
        "title": _("Emergency moves"), "pending": pending, "reviewed": reviewed, "nav": "lockdowns",
    }, status=status)


@login_required
def emergency_moves(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "emergency_move.view", "emergency_move")
    return _moves_page(request)


@login_required
@require_POST
def review(request: HttpRequest, move_id: int) -> HttpResponse:
    move: EmergencyMove = _get(selectors.emergency_move_get, actor=request.user, move_id=move_id)
    form = ReviewForm(request.POST, prefix=f"review{move.pk}")
    if form.is_valid():
        try:
            services.emergency_move_review(actor=request.user, move=move, outcome=form.cleaned_data["outcome"],
                                           note=form.cleaned_data["note"])
        except ServiceError as exc:
            apply_service_error(form, exc)
            return _moves_page(request, forms={move.pk: form}, status=error_status(exc))
        messages.success(request, _("Review recorded."))
        return redirect("lockdowns:emergency_moves")
    return _moves_page(request, forms={move.pk: form}, status=400)


# --------------------------------------------------------------------------- re-housing wizard


def _wizard_units(user: Any) -> list[Unit]:
    return list(units_visible_to(user).order_by("facility__code", "code"))


def _new_page(request: HttpRequest, *, form: RehousingForm | None = None, reopen_form: ReopenForm | None = None,
              status: int = 200) -> HttpResponse:
    user = request.user
    units = _wizard_units(user)
    closed = [u for u in units if u.status == UnitStatus.CLOSED and manages_unit(user, u.pk)]
    initial = {"source_unit": request.GET.get("unit") or ""}
    form = form or RehousingForm(units=units, initial=initial, prefix="run")
    may_reopen = allowed(user, "unit.close") and bool(closed)
    reopen_form = reopen_form or (ReopenForm(units=closed, prefix="reopen") if may_reopen else None)
    return render(request, "lockdowns/rehousing_new.html", {
        "title": _("Re-house people"), "form": form, "reopen_form": reopen_form, "nav": "lockdowns",
        "runs": list(selectors.rehousing_list(actor=user)[:20]),
    }, status=status)


@login_required
def rehousing_new(request: HttpRequest) -> HttpResponse:
    """Step 1: who moves and where; creating the preview (a POST) leads to step 2."""
    user = request.user
    require_allowed(request, "rehousing.preview", "rehousing_run")
    if request.method != "POST":
        return _new_page(request)
    units = _wizard_units(user)
    form = RehousingForm(request.POST, units=units, prefix="run")
    if not form.is_valid():
        return _new_page(request, form=form, status=400)
    by_id = {u.pk: u for u in units}
    visible = people_visible_to(user)
    people = []
    for number in form.cleaned_data["people_numbers"]:
        person = visible.filter(inmate_number=number.strip().upper()).first()
        if person is None:
            form.add_error("people", _("No person with inmate number %(n)s.") % {"n": number})
        else:
            people.append(person)
    if form.errors:
        return _new_page(request, form=form, status=400)
    try:
        run = services.rehousing_preview(
            actor=user, reason=form.cleaned_data["reason"],
            targets=[by_id[i] for i in form.target_ids() if i in by_id],
            source_unit=by_id.get(form.cleaned_data["source_unit"]) if form.cleaned_data["source_unit"] else None,
            people=people or None,
        )
    except ServiceError as exc:
        apply_service_error(form, exc, {"source_unit_id": "source_unit", "target_unit_ids": "target_1"})
        return _new_page(request, form=form, status=error_status(exc))
    return redirect("lockdowns:rehousing_run", run.pk)


@login_required
@require_POST
def reopen_unit(request: HttpRequest) -> HttpResponse:
    """Reopen a closed unit (e.g. the gym, as a temporary camp) from step 1 of the wizard."""
    user = request.user
    require_allowed(request, "unit.close", "unit")
    units = [u for u in _wizard_units(user) if u.status == UnitStatus.CLOSED and manages_unit(user, u.pk)]
    form = ReopenForm(request.POST, units=units, prefix="reopen")
    if form.is_valid():
        unit = next(u for u in units if u.pk == form.cleaned_data["unit"])
        try:
            facility_services.unit_reopen(actor=user, unit=unit, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            apply_service_error(form, exc)
            return _new_page(request, reopen_form=form, status=error_status(exc))
        messages.success(request, _("Unit %(unit)s is open.") % {"unit": unit.code})
        return redirect("lockdowns:rehousing_new")
    return _new_page(request, reopen_form=form, status=400)


def _run_page(request: HttpRequest, run_id: int, *, cancel_form: CancelForm | None = None,
              close_form: CloseUnitForm | None = None, error: str = "", status: int = 200) -> HttpResponse:
    user = request.user
    run = _get(selectors.rehousing_get, actor=user, run_id=run_id)
    items = selectors.run_items(run)
    may_run = allowed(user, "rehousing.run")
    source = run.source_unit
    if source is not None:
        source.refresh_from_db()
    may_close = (run.status == RunStatus.EXECUTED and source is not None and source.status != UnitStatus.CLOSED
                 and allowed(user, "unit.close") and manages_unit(user, source.pk))
    remaining = 0
    if source is not None:
        from emerald.housing.models import Placement

        remaining = Placement.objects.filter(unit=source, end_at__isnull=True).count()
    return render(request, "lockdowns/rehousing_run.html", {
        "title": _("Re-housing run %(id)s") % {"id": run.pk}, "run": run, "items": items,
        "targets": selectors.run_targets(run), "progress": selectors.run_progress(run),
        "planned": [i for i in items if i.status != "unplaceable"],
        "unplaceable": [i for i in items if i.status == "unplaceable"],
        "may_run": may_run and run.status == RunStatus.PREVIEWED,
        "cancel_form": cancel_form or (CancelForm(prefix="cancel") if may_run else None),
        "close_form": close_form or (CloseUnitForm(prefix="close") if may_close else None),
        "remaining": remaining, "source": source, "error": error, "nav": "lockdowns",
    }, status=status)


@login_required
def rehousing_index(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "rehousing.view", "rehousing_run")
    if allowed(request.user, "rehousing.preview"):
        return redirect("lockdowns:rehousing_new")
    return render(request, "lockdowns/rehousing_list.html", {
        "title": _("Re-housing runs"), "runs": list(selectors.rehousing_list(actor=request.user)[:50]),
        "nav": "lockdowns",
    })


@login_required
def rehousing_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """Step 2 (preview, confirm), 3 (progress, result) and 4 (close the emptied unit)."""
    return _run_page(request, run_id)


@login_required
@require_GET
def rehousing_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The <progress> partial htmx polls while the run executes."""
    run = _get(selectors.rehousing_get, actor=request.user, run_id=run_id)
    return render(request, "lockdowns/partials/progress.html", {
        "run": run, "progress": selectors.run_progress(run), "watch": request.GET.get("watch") == "1"})


@login_required
@require_POST
def rehousing_execute(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _get(selectors.rehousing_get, actor=request.user, run_id=run_id)
    try:
        services.rehousing_execute(actor=request.user, run=run)
    except ServiceError as exc:
        if request.htmx:  # type: ignore[attr-defined]
            messages.error(request, exc.detail)
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("lockdowns:rehousing_run", args=[run.pk])
            return response
        return _run_page(request, run.pk, error=exc.detail, status=error_status(exc))
    messages.success(request, _("Re-housing run %(id)s executed.") % {"id": run.pk})
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("lockdowns:rehousing_run", args=[run.pk])
        return response
    return redirect("lockdowns:rehousing_run", run.pk)


@login_required
@require_POST
def rehousing_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _get(selectors.rehousing_get, actor=request.user, run_id=run_id)
    form = CancelForm(request.POST, prefix="cancel")
    if form.is_valid():
        try:
            services.rehousing_cancel(actor=request.user, run=run, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            apply_service_error(form, exc)
            return _run_page(request, run.pk, cancel_form=form, status=error_status(exc))
        messages.success(request, _("Re-housing run %(id)s cancelled.") % {"id": run.pk})
        return redirect("lockdowns:rehousing_run", run.pk)
    return _run_page(request, run.pk, cancel_form=form, status=400)


@login_required
@require_POST
def rehousing_close_source(request: HttpRequest, run_id: int) -> HttpResponse:
    """Step 4: close the unit the run emptied, with a reason (facilities.services.unit_close)."""
    run = _get(selectors.rehousing_get, actor=request.user, run_id=run_id)
    form = CloseUnitForm(request.POST, prefix="close")
    if run.source_unit is None:
        return redirect("lockdowns:rehousing_run", run.pk)
    if form.is_valid():
        try:
            facility_services.unit_close(actor=request.user, unit=run.source_unit, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            apply_service_error(form, exc)
            return _run_page(request, run.pk, close_form=form, status=error_status(exc))
        messages.success(request, _("Unit %(unit)s is closed.") % {"unit": run.source_unit.code})
        return redirect("lockdowns:rehousing_run", run.pk)
    return _run_page(request, run.pk, close_form=form, status=400)
