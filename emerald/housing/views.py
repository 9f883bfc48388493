"""Housing pages: the move and admission dialogs, release, and keep-apart orders.

Every page works as a plain form post; htmx only loads the cell list of the
chosen unit without a full page load.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from emerald.accounts.models import Role
from emerald.accounts.permissions import allowed, manages_unit, role_of
from emerald.core.errors import ServiceError
from emerald.core.views import (
    apply_service_error,
    as_http,
    deny,
    error_status,
    is_keep_apart_refusal,
    require_allowed,
)
from emerald.facilities.models import Facility
from emerald.facilities.selectors import units_visible_to
from emerald.housing import selectors, services
from emerald.housing.forms import CloseOrderForm, NonAssociationForm, PlacementForm, ReleaseForm
from emerald.lockdowns.selectors import emergency_offered
from emerald.people.models import Person, PersonStatus
from emerald.people.selectors import people_visible_to, person_get, person_search
from emerald.planning.selectors import suggest_cells

PAGE_SIZE = 50
#: How many cells "Suggest a cell" offers.
SUGGESTIONS = 5


def _person(request: HttpRequest, inmate_number: str) -> Person:
    try:
        return person_get(actor=request.user, inmate_number=inmate_number)
    except ServiceError as exc:
        raise as_http(exc) from exc


def may_override(user: Any, *unit_ids: int | None) -> bool:
    """Whether ``user`` may override a keep-apart order for a placement touching these units.

    Mirrors the service's rule so the override field is offered only to those the service will accept.
    """
    if not allowed(user, "override.keep_apart"):
        return False
    if role_of(user) == Role.UNIT_MANAGER:
        return any(manages_unit(user, u) for u in unit_ids if u is not None)
    return True


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _cell_options(request: HttpRequest, person: Person, unit_id: int | None) -> tuple[list, list[dict[str, Any]], Any]:
    units = list(units_visible_to(request.user).order_by("facility__code", "code"))
    unit = next((u for u in units if u.pk == unit_id), None)
    options = selectors.move_options(actor=request.user, person=person, unit=unit) if unit is not None else []
    for option in options:
        if option["unavailable"]:
            option["state"] = "unavailable"
        elif option["has_conflicts"]:
            # Before "full": the order forbids the cell even when a bed frees up (the service says so too).
            option["state"] = "conflict"
        elif option["full"]:
            option["state"] = "full"
        else:
            option["state"] = "free"
        # Full and closed cells are shown but cannot be chosen; a keep-apart conflict can, so the refusal
        # (and, for those allowed, the override) is explained when the move is submitted.
        option["selectable"] = option["state"] in ("free", "conflict")
    return units, options, unit


def _summary(options: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Cells with nothing to explain, by code: free ones, and full ones without any other problem."""
    return {
        "free_codes": [o["cell"].code for o in options if o["state"] == "free"],
        "full_codes": [o["cell"].code for o in options if o["state"] == "full" and not o["has_conflicts"]],
    }


def _wire_unit_select(form: PlacementForm, person: Person) -> None:
    from django.urls import reverse

    form.fields["unit"].widget.attrs.update({
        "hx-get": reverse("housing:cell_options", args=[person.inmate_number]),
        "hx-trigger": "change", "hx-target": "#cell-options", "hx-swap": "innerHTML",
    })


def _suggestions(request: HttpRequest, person: Person, unit: Any, current: Any, units: list) -> dict[str, Any]:
    """Ranked safe cells for ``person`` in the facility of the chosen unit (or where they are now), each with
    its reasons; only cells of units the user can choose in the dialog. Reasons that would reveal keep-apart
    orders are left out for roles that may not see them (``suggest_cells`` does it with ``actor``)."""
    facility = unit.facility if unit is not None else (current.unit.facility if current is not None else None)
    if facility is None:
        facilities = list(Facility.objects.all()[:2])
        facility = facilities[0] if len(facilities) == 1 else None
    if facility is None:
        return {"suggestions": None, "suggest_facility": None}
    # A chosen unit is the question: every suggestion is in it (issue: unit B answered with infirmary beds).
    found = suggest_cells(person, facility, SUGGESTIONS, actor=request.user,
                          unit_id=unit.pk if unit is not None else None)
    visible = {u.pk for u in units}
    found["cells"] = [c for c in found["cells"] if c["unit_id"] in visible]
    return {"suggestions": found, "suggest_facility": facility}


def _placement_page(request: HttpRequest, inmate_number: str, *, mode: str) -> HttpResponse:
    """The move dialog (``mode`` "move") and the admission form (``mode`` "admit") share one shape."""
    action = "placement.move" if mode == "move" else "person.admit"
    person = _person(request, inmate_number)
    require_allowed(request, action, "person", person.inmate_number)
    in_custody = person.status == PersonStatus.IN_CUSTODY
    if mode == "move" and not in_custody:
        messages.error(request, _("%(name)s is not in custody.") % {"name": person.full_name})
        return redirect("people:detail", person.inmate_number)
    if mode == "admit" and person.status in (PersonStatus.IN_CUSTODY, PersonStatus.DECEASED):
        messages.error(request, _("%(name)s cannot be admitted now.") % {"name": person.full_name})
        return redirect("people:detail", person.inmate_number)
    current = selectors.current_placement(person) if mode == "move" else None
    data = request.POST if request.method == "POST" else None
    source = request.POST if data is not None else request.GET
    unit_id = _int(source.get("unit")) or (current.unit_id if current else None)
    units, options, unit = _cell_options(request, person, unit_id)
    target_unit_ids = (unit.pk if unit else None, current.unit_id if current else None)
    show_override = bool(data and data.get("override_offered")) and may_override(request.user, *target_unit_ids)
    show_emergency = emergency_offered(request.user, *target_unit_ids)
    suggestions = None
    if data is None and request.GET.get("suggest"):
        suggestions = _suggestions(request, person, unit, current, units)
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "housing/partials/cell_suggestions.html", {"person": person, **suggestions})
    if data is not None and "show_cells" in data:
        # "Show cells" (the no-script way to load a unit's cells) re-shows the form without saving or judging it.
        form = PlacementForm(None, units=units, options=options,
                             initial={"unit": unit.pk if unit else "", "reason": data.get("reason", "")})
        data = None
    else:
        # A chosen suggestion links here with ?unit=&cell=, so the dialog opens with both filled in.
        form = PlacementForm(data, units=units, options=options, show_override=show_override,
                             show_emergency=show_emergency,
                             initial={"unit": unit.pk if unit else "", "cell": _int(request.GET.get("cell")) or ""})
    _wire_unit_select(form, person)
    status = 200
    refusal = None
    if data is not None:
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                if mode == "move":
                    placement = services.placement_move(
                        actor=request.user, person=person, cell_id=cleaned["cell"], reason=cleaned["reason"],
                        override_reason=cleaned.get("override_reason", ""),
                        emergency=bool(cleaned.get("emergency")), emergency_reason=cleaned.get("emergency_reason", ""),
                        # Where the officer saw the person when the form was shown: a move made meanwhile wins.
                        expected_cell_id=data.get("expected_cell_id") or None)
                else:
                    placement = services.person_admit(
                        actor=request.user, person=person, cell_id=cleaned["cell"], reason=cleaned["reason"],
                        override_reason=cleaned.get("override_reason", ""),
                        emergency=bool(cleaned.get("emergency")), emergency_reason=cleaned.get("emergency_reason", ""))
            except ServiceError as exc:
                status = error_status(exc)
                if is_keep_apart_refusal(exc):
                    refusal = exc
                    if may_override(request.user, *target_unit_ids) and "override_reason" not in form.fields:
                        # Offer the override now, keeping what the user typed.
                        form = PlacementForm(data, units=units, options=options, show_override=True,
                                             show_emergency=show_emergency)
                        form.is_valid()
                        _wire_unit_select(form, person)
                else:
                    apply_service_error(form, exc, {"cell_id": "cell", "override_reason": "override_reason"})
            else:
                if mode == "move":
                    text = _("Moved %(name)s to %(cell)s.")
                else:
                    text = _("Admitted %(name)s to %(cell)s.")
                messages.success(request, text % {"name": person.full_name, "cell": placement.cell.code})
                if placement.override_reason:
                    messages.warning(request, _("A keep-apart order was overridden; the reason is on the record."))
                return redirect("people:detail", person.inmate_number)
        else:
            status = 400
    return render(request, "housing/placement_form.html", {
        "person": person, "form": form, "mode": mode, "current": current, "unit": unit,
        "options": options, "refusal": refusal, "see_orders": allowed(request.user, "non_association.view"),
        **_summary(options), **(suggestions or {}), "suggest_shown": suggestions is not None,
        "title": (_("Move %(name)s") if mode == "move" else _("Admit %(name)s")) % {"name": person.full_name},
    }, status=status)


@login_required
def move(request: HttpRequest, inmate_number: str) -> HttpResponse:
    return _placement_page(request, inmate_number, mode="move")


@login_required
def admit(request: HttpRequest, inmate_number: str) -> HttpResponse:
    return _placement_page(request, inmate_number, mode="admit")


@login_required
@require_GET
def cell_options(request: HttpRequest, inmate_number: str) -> HttpResponse:
    """The cell select and what each cell would meet, for the unit chosen in the move or admission form."""
    person = _person(request, inmate_number)
    if not (allowed(request.user, "placement.move") or allowed(request.user, "person.admit")):
        raise deny(request, "placement.move", "person", person.inmate_number)
    units, options, unit = _cell_options(request, person, _int(request.GET.get("unit")))
    form = PlacementForm(None, units=units, options=options)
    return render(request, "housing/partials/cell_options.html", {
        "form": form, "options": options, "unit": unit, "person": person,
        "see_orders": allowed(request.user, "non_association.view"), **_summary(options),
    })


@login_required
def release(request: HttpRequest, inmate_number: str) -> HttpResponse:
    person = _person(request, inmate_number)
    require_allowed(request, "person.release", "person", person.inmate_number)
    if person.status != PersonStatus.IN_CUSTODY:
        messages.error(request, _("%(name)s is not in custody.") % {"name": person.full_name})
        return redirect("people:detail", person.inmate_number)
    form = ReleaseForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.person_release(actor=request.user, person=person, reason=form.cleaned_data["reason"],
                                        kind=form.cleaned_data["kind"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Custody of %(name)s has ended.") % {"name": person.full_name})
                return redirect("people:detail", person.inmate_number)
        else:
            status = 400
    return render(request, "housing/release_form.html", {
        "person": person, "form": form, "current": selectors.current_placement(person),
        "title": _("Release %(name)s") % {"name": person.full_name},
    }, status=status)


def _resolve_other(actor: Any, text: str, exclude: Person) -> tuple[Person | None, list[Person], str]:
    """The person a typed number or name means, or the candidates to choose from and a message.

    A keep-apart order names the wrong person at its peril, so a name resolves on its own only when
    exactly one person matches it fully; fuzzy or shared matches are offered for the user to pick.
    """
    text = (text or "").strip()
    exact = people_visible_to(actor).filter(inmate_number=text.upper()).first()
    if exact is not None:
        return exact, [], ""
    matches = [p for p in person_search(actor=actor, q=text)[:11] if p.pk != exclude.pk]
    full = [p for p in matches if getattr(p, "search_score", 1.0) is None or getattr(p, "search_score", 1.0) >= 0.999]
    if len(full) == 1:
        return full[0], [], ""
    if not matches:
        return None, [], _("Nobody matches “%(q)s”.") % {"q": text}
    return None, matches[:10], _("Several people match; choose one below or enter the inmate number.")


@login_required
def non_association_create(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "non_association.create", "non_association", "")
    number = request.POST.get("person") if request.method == "POST" else request.GET.get("person")
    person = _person(request, number or "")
    form = NonAssociationForm(request.POST if request.method == "POST" else None)
    candidates: list[Person] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            picked = request.POST.get("other_pick", "")
            other, candidates, problem = _resolve_other(request.user, picked or form.cleaned_data["other"], person)
            if other is None:
                form.add_error("other", problem)
                status = 400
            else:
                cleaned = form.cleaned_data
                try:
                    order = services.non_association_create(
                        actor=request.user, person_a=person, person_b=other, scope=cleaned["scope"],
                        reason=cleaned["reason"], comment=cleaned["comment"], expires_at=cleaned["expires_at"])
                except ServiceError as exc:
                    apply_service_error(form, exc, {"person_b": "other", "person_a": "other"})
                    status = error_status(exc)
                else:
                    messages.success(request, _("%(a)s and %(b)s are to be kept apart (%(scope)s).") % {
                        "a": person.full_name, "b": other.full_name, "scope": order.get_scope_display()})
                    where = getattr(order, "currently_violated_where", "")
                    if where:
                        messages.warning(request, _(
                            "This order is currently violated: they are together now in %(where)s. "
                            "Move one of them.") % {"where": where})
                    return redirect("people:detail", person.inmate_number)
        else:
            status = 400
    return render(request, "housing/non_association_form.html", {
        "person": person, "form": form, "candidates": candidates, "nav": "orders",
        "title": _("New keep-apart order for %(name)s") % {"name": person.full_name},
    }, status=status)


@login_required
def non_association_close(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        order = selectors.non_association_get(actor=request.user, order_id=order_id)
    except ServiceError as exc:
        raise as_http(exc) from exc
    require_allowed(request, "non_association.close", "non_association", order.pk)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = CloseOrderForm(request.POST if request.method == "POST" else None)
    status = 200
    if order.closed_at is not None and request.method != "POST":
        messages.info(request, _("This order was already closed."))
    if request.method == "POST":
        if form.is_valid():
            try:
                services.non_association_close(actor=request.user, order=order, reason=form.cleaned_data["reason"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("The keep-apart order between %(a)s and %(b)s is closed.") % {
                    "a": order.person_a.full_name, "b": order.person_b.full_name})
                return redirect(next_url or "housing:non_association_list")
        else:
            status = 400
    return render(request, "housing/non_association_close.html", {
        "order": order, "form": form, "next": next_url, "nav": "orders",
        "title": _("Close keep-apart order"),
    }, status=status)


@login_required
def non_association_list(request: HttpRequest) -> HttpResponse:
    try:
        orders = selectors.non_association_list(actor=request.user)
    except ServiceError as exc:
        raise as_http(exc) from exc
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "housing/non_association_list.html", {
        "page": page, "nav": "orders", "title": _("Keep-apart orders"),
        "may_close": allowed(request.user, "non_association.close"),
    })


@login_required
@require_GET
def person_suggestions(request: HttpRequest) -> HttpResponse:
    """Up to ten people matching what was typed, as <option>s for a datalist (htmx)."""
    q = (request.GET.get("other") or request.GET.get("q") or "").strip()[:200]
    people = list(person_search(actor=request.user, q=q)[:10]) if len(q) >= 2 else []
    return render(request, "housing/partials/person_options.html", {"people": people})
