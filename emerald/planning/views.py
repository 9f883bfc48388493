"""Housing-plan pages: the list, a new plan, and the review page where staff accept or reject moves.

Every page works as a plain form post. With scripts, the new-plan form posts through htmx so that a
<progress> element shows while the optimiser thinks (seconds); the server then answers with
``HX-Redirect`` to the review page, or with the form and its errors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from emerald.accounts.models import Role
from emerald.accounts.permissions import allowed, manages_unit, role_of
from emerald.core.errors import ServiceError
from emerald.core.views import apply_service_error, as_http, error_status, require_allowed
from emerald.facilities.models import Facility
from emerald.facilities.selectors import units_visible_to
from emerald.people.selectors import people_visible_to
from emerald.planning import selectors, services
from emerald.planning.forms import DecideForm, PlanForm
from emerald.planning.models import ItemStatus, Plan, PlanStatus

PAGE_SIZE = 50


def _get(request: HttpRequest, plan_id: Any) -> Plan:
    try:
        return selectors.plan_get(actor=request.user, plan_id=plan_id)
    except ServiceError as exc:
        raise as_http(exc) from exc


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    try:
        plans = selectors.plan_list(actor=request.user)
    except ServiceError as exc:
        raise as_http(exc) from exc
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "planning/plan_list.html", {
        "page": page, "nav": "plans", "title": _("Housing plans"),
        "may_create": allowed(request.user, "plan.create"),
    })


def _plannable_units(user: Any) -> list[Any]:
    units = list(units_visible_to(user).order_by("facility__code", "code"))
    if role_of(user) == Role.UNIT_MANAGER:
        # Offer only what the service will accept: a unit manager plans the units they manage.
        units = [u for u in units if manages_unit(user, u.pk)]
    return units


def _new_page(request: HttpRequest, form: PlanForm, status: int = 200) -> HttpResponse:
    template = "planning/partials/plan_form.html" if request.htmx else "planning/plan_new.html"  # type: ignore[attr-defined]
    return render(request, template, {
        "form": form, "nav": "plans", "title": _("New housing plan"),
    }, status=status)


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    """Compute a plan (seconds) and show it for review; nothing moves yet."""
    user = request.user
    require_allowed(request, "plan.create", "plan")
    facilities = list(Facility.objects.order_by("code"))
    units = _plannable_units(user)
    if request.method != "POST":
        initial = {"units": [u for u in [request.GET.get("unit")] if u]}
        return _new_page(request, PlanForm(facilities=facilities, units=units, initial=initial))
    form = PlanForm(request.POST, facilities=facilities, units=units)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        visible = people_visible_to(user)
        arrivals = []
        for number in data["arrival_numbers"]:
            person = visible.filter(inmate_number=number).first()
            if person is None:
                form.add_error("arrivals", _("No person with inmate number %(n)s.") % {"n": number})
            else:
                arrivals.append(person)
        facility = next(f for f in facilities if f.pk == data["facility"])
        if not form.errors:
            try:
                plan = services.plan_create(
                    actor=user, facility=facility, unit_ids=data["units"], arrivals=arrivals, empty=data["empty"],
                    weights=data["weights"] or None, time_limit=data["time_limit"])
            except ServiceError as exc:
                apply_service_error(form, exc, {"unit_ids": "units"})
                status = error_status(exc)
            else:
                count = plan.items.count()
                if count:
                    messages.success(request, ngettext(
                        "Plan %(id)d proposes %(n)d move. Nothing has moved yet: review it below.",
                        "Plan %(id)d proposes %(n)d moves. Nothing has moved yet: review them below.", count)
                        % {"id": plan.pk, "n": count})
                else:
                    messages.info(request, _("Plan %(id)d proposes no move.") % {"id": plan.pk})
                url = reverse("planning:detail", args=[plan.pk])
                if request.htmx:  # type: ignore[attr-defined]
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url
                    return response
                return redirect(url)
    # htmx swaps only successful answers: the form with its errors comes back as 200 to an htmx request
    # (the status is for clients reading it, and they post without htmx).
    return _new_page(request, form, status=200 if request.htmx else status)  # type: ignore[attr-defined]


def _detail_page(request: HttpRequest, plan: Plan, form: DecideForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    diff = selectors.plan_diff(actor=user, plan=plan)
    items = diff["items"]
    proposed = [i for i in items if i["status"] == ItemStatus.PROPOSED]
    may_decide = allowed(user, "plan.accept") and plan.status != PlanStatus.DONE and bool(proposed)
    if form is None and may_decide:
        form = DecideForm(item_ids=[i["id"] for i in items])
    chosen = set(request.POST.getlist("items")) if request.method == "POST" else set()
    stats = plan.stats or {}
    return render(request, "planning/plan_detail.html", {
        "plan": plan, "items": items, "unplaced": diff["unplaced"], "proposed": proposed,
        "accepted": sum(1 for i in items if i["status"] == ItemStatus.ACCEPTED),
        "rejected": sum(1 for i in items if i["status"] == ItemStatus.REJECTED),
        "form": form if may_decide else None, "chosen": chosen,
        "gap_percent": round(100 * float(stats.get("gap") or 0), 1), "seconds": stats.get("seconds"),
        "nav": "plans", "title": _("Housing plan %(id)d") % {"id": plan.pk},
    }, status=status)


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _detail_page(request, _get(request, plan_id))


@login_required
@require_POST
def plan_decide(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Accept or reject the chosen moves, or all that are still proposed."""
    plan = _get(request, plan_id)
    require_allowed(request, "plan.accept", "plan", plan.pk)
    form = DecideForm(request.POST, item_ids=list(plan.items.values_list("id", flat=True)))
    if not form.is_valid():
        return _detail_page(request, plan, form, status=400)
    data = form.cleaned_data
    action = data["action"]
    item_ids = data["items"] if action.endswith("_selected") else None
    count = len(item_ids) if item_ids is not None else plan.items.filter(status=ItemStatus.PROPOSED).count()
    try:
        if action.startswith("accept"):
            plan = services.plan_accept(actor=request.user, plan=plan, item_ids=item_ids, reason=data["reason"])
        else:
            plan = services.plan_reject(actor=request.user, plan=plan, item_ids=item_ids, reason=data["reason"])
    except ServiceError as exc:
        apply_service_error(form, exc, {"item_ids": "items"})
        return _detail_page(request, _get(request, plan_id), form, status=error_status(exc))
    if action.startswith("accept"):
        text = ngettext("%(n)d move carried out.", "%(n)d moves carried out.", count)
    else:
        text = ngettext("%(n)d move rejected.", "%(n)d moves rejected.", count)
    messages.success(request, text % {"n": count})
    return redirect("planning:detail", plan.pk)
