"""Discipline pages: charges, the charge page with its steps, sanctions. A charge the user may not know
exists is the 404 page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from emerald.accounts.permissions import allowed
from emerald.core.errors import NotFound, ServiceError
from emerald.core.views import apply_service_error, as_http, error_status, require_allowed
from emerald.discipline import selectors, services
from emerald.discipline.forms import (
    AppealForm,
    ChargeForm,
    CompleteForm,
    DecisionForm,
    FindingForm,
    HearingForm,
    ReasonForm,
    ReviewForm,
    SanctionForm,
)
from emerald.discipline.models import Appeal, Charge, ChargeStatus, SanctionStatus
from emerald.people.selectors import people_visible_to

PAGE_SIZE = 50


def _get(request: HttpRequest, pk: Any) -> Charge:
    try:
        return selectors.charge_get(actor=request.user, charge_id=pk)
    except ServiceError as exc:
        raise as_http(exc) from exc


@login_required
def charge_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "") if request.GET.get("status", "") in ChargeStatus.values else ""
    overdue = request.GET.get("overdue") == "1"
    try:
        qs = selectors.charge_search(actor=request.user, status=status, overdue=overdue, q=request.GET.get("q", "")[:200])
        segregated = list(selectors.segregated_now(actor=request.user)[:100])
    except ServiceError as exc:
        raise as_http(exc) from exc
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "discipline/list.html", {
        "page": page, "count": page.paginator.count, "statuses": ChargeStatus.choices, "status": status,
        "overdue": overdue, "q": request.GET.get("q", ""), "segregated": segregated,
        "may_charge": allowed(request.user, "discipline.charge"), "title": _("Discipline"), "nav": "discipline",
    })


@login_required
def charge_create(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "discipline.charge", "discipline_charge")
    form = ChargeForm(request.POST or None, initial={"person": request.GET.get("person", "")[:32]})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            person = people_visible_to(request.user).filter(inmate_number=d["person"].strip().upper()).first()
            if person is None:
                form.add_error("person", _("No person with this inmate number."))
                status = 400
            else:
                try:
                    charge = services.charge_create(actor=request.user, person=person, offence=d["offence"],
                                                    particulars=d["particulars"], incident_id=d["incident_id"])
                except ServiceError as exc:
                    apply_service_error(form, exc)
                    status = error_status(exc)
                else:
                    messages.success(request, _("Charge #%(id)d laid.") % {"id": charge.pk})
                    return redirect("discipline:detail", charge.pk)
        else:
            status = 400
    return render(request, "discipline/form.html", {"form": form, "title": _("New charge"), "nav": "discipline"},
                  status=status)


def _render(request: HttpRequest, charge: Charge, forms: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    forms = forms or {}
    user = request.user
    sanctions = list(charge.sanctions.select_related("placement__cell", "from_placement__cell",
                                                     "return_placement__cell").order_by("starts_at", "id"))
    for s in sanctions:
        s.complete_form = forms.get(f"complete-{s.pk}") or CompleteForm(prefix=f"complete-{s.pk}")
        s.review_form = forms.get(f"review-{s.pk}") or ReviewForm(prefix=f"review-{s.pk}")
    adjudicate = services.may_adjudicate(user, charge)
    st = charge.status
    return render(request, "discipline/detail.html", {
        "charge": charge, "hearings": list(charge.hearings.select_related("adjudicator")),
        "hearing": selectors.open_hearing(charge), "overdue": selectors.is_overdue(charge), "sanctions": sanctions,
        "appeal": Appeal.objects.filter(charge=charge).first(), "active": SanctionStatus.ACTIVE,
        "may_schedule": adjudicate and st in services.TRANSITIONS["schedule"],
        "may_finding": adjudicate and st in services.TRANSITIONS["finding"],
        "may_sanction": adjudicate and st in services.TRANSITIONS["sanction"],
        "may_withdraw": adjudicate and st in services.TRANSITIONS["withdraw"],
        "may_appeal": allowed(user, "discipline.appeal") and st in services.TRANSITIONS["appeal"],
        "may_decide": allowed(user, "discipline.appeal_decide") and st in services.TRANSITIONS["decide"],
        "may_complete": allowed(user, "discipline.sanction_complete"), "may_review": adjudicate,
        "hearing_form": forms.get("hearing") or HearingForm(prefix="hearing"),
        "finding_form": forms.get("finding") or FindingForm(prefix="finding"),
        "sanction_form": forms.get("sanction") or SanctionForm(prefix="sanction"),
        "withdraw_form": forms.get("withdraw") or ReasonForm(prefix="withdraw"),
        "appeal_form": forms.get("appeal") or AppealForm(prefix="appeal"),
        "decide_form": forms.get("decide") or DecisionForm(prefix="decide"),
        "title": _("Charge #%(id)d") % {"id": charge.pk}, "nav": "discipline",
    }, status=status)


@login_required
def charge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _get(request, pk))


def _act(request: HttpRequest, charge: Charge, key: str, form: Any, call: Any, done: str) -> HttpResponse:
    if not form.is_valid():
        return _render(request, charge, {key: form}, status=400)
    try:
        result = call(form.cleaned_data)
    except NotFound as exc:
        raise as_http(exc) from exc
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _render(request, charge, {key: form}, status=error_status(exc))
    messages.success(request, done)
    if key == "sanction" and getattr(result, "move_error", ""):
        messages.error(request, _("The sanction is recorded, but the move to segregation was refused: %(why)s")
                       % {"why": result.move_error})
    return redirect("discipline:detail", charge.pk)


@login_required
@require_POST
def charge_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    charge = _get(request, pk)
    u, P = request.user, request.POST
    if action == "hearing":
        return _act(request, charge, "hearing", HearingForm(P, prefix="hearing"),
                    lambda d: services.hearing_schedule(actor=u, charge=charge, **d), _("Hearing scheduled."))
    if action == "finding":
        return _act(request, charge, "finding", FindingForm(P, prefix="finding"),
                    lambda d: services.finding_record(actor=u, charge=charge, **d), _("Finding recorded."))
    if action == "sanction":
        return _act(request, charge, "sanction", SanctionForm(P, prefix="sanction"),
                    lambda d: services.sanction_impose(actor=u, charge=charge, **d), _("Sanction imposed."))
    if action == "withdraw":
        return _act(request, charge, "withdraw", ReasonForm(P, prefix="withdraw"),
                    lambda d: services.charge_withdraw(actor=u, charge=charge, **d), _("Charge withdrawn."))
    if action == "appeal":
        return _act(request, charge, "appeal", AppealForm(P, prefix="appeal"),
                    lambda d: services.appeal_lodge(actor=u, charge=charge, **d), _("Appeal lodged."))
    if action == "decide":
        return _act(request, charge, "decide", DecisionForm(P, prefix="decide"),
                    lambda d: services.appeal_decide(actor=u, charge=charge, **d), _("Appeal decided."))
    raise Http404


@login_required
@require_POST
def sanction_action(request: HttpRequest, sanction_id: int, action: str) -> HttpResponse:
    try:
        sanction = selectors.sanction_get(actor=request.user, sanction_id=sanction_id)
    except ServiceError as exc:
        raise as_http(exc) from exc
    charge = _get(request, sanction.charge_id)
    u = request.user
    if action == "complete":
        return _act(request, charge, f"complete-{sanction.pk}", CompleteForm(request.POST, prefix=f"complete-{sanction.pk}"),
                    lambda d: services.sanction_complete(actor=u, sanction=sanction, **d), _("Sanction ended."))
    if action == "review":
        return _act(request, charge, f"review-{sanction.pk}", ReviewForm(request.POST, prefix=f"review-{sanction.pk}"),
                    lambda d: services.sanction_review(actor=u, sanction=sanction, **d), _("Review recorded."))
    raise Http404
