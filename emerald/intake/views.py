"""The intake wizard: identity (a returning person is found, never duplicated), classification, vulnerability
screening, and housing (warnings and ranked safe cells before the cell is chosen); plus reassessment tasks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from emerald.accounts.permissions import allowed
from emerald.core import clock
from emerald.core.errors import Conflict, ServiceError
from emerald.core.views import (
    apply_service_error,
    as_http,
    error_status,
    is_keep_apart_refusal,
    require_allowed,
)
from emerald.facilities.models import Cell, Facility
from emerald.intake import scoring, selectors, services
from emerald.intake.forms import (
    AdmitForm,
    CancelForm,
    ClassificationForm,
    IdentityForm,
    ReassessmentForm,
    ScreeningForm,
)
from emerald.intake.models import Intake, IntakeStatus
from emerald.people.selectors import person_get


def _get(request: HttpRequest, pk: Any) -> Intake:
    try:
        return selectors.intake_get(actor=request.user, intake_id=pk)
    except ServiceError as exc:
        raise as_http(exc) from exc


def _facility() -> Facility | None:
    return Facility.objects.order_by("code").first()


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Intakes in progress and recent ones, and the reassessments that are due."""
    require_allowed(request, "intake.view", "intake")
    page = Paginator(selectors.intake_list(actor=request.user), 50).get_page(request.GET.get("page"))
    tasks = list(selectors.task_list(actor=request.user)[:100]) if allowed(request.user, "reassessment.view") else []
    for t in tasks:
        t.incident_visible = selectors.task_incident_visible(request.user, t)  # type: ignore[attr-defined]
    return render(request, "intake/index.html", {
        "page": page, "tasks": tasks, "may_start": allowed(request.user, "intake.conduct"),
        "title": _("Intake"), "nav": "intake",
    })


def _identity_data(form: IdentityForm) -> dict[str, Any]:
    d = form.cleaned_data
    return {"inmate_number": d["inmate_number"], "first_name": d["first_name"], "last_name": d["last_name"],
            "sex": d["sex"], "date_of_birth": d["date_of_birth"], "gender_identity": d["gender_identity"],
            "aliases": form.alias_list(), "custody_level": "maximum"}


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Step 1, identity. "Check" shows the people Emerald already knows who may be this arrival; staff then
    receive one of them or confirm a new record (never both)."""
    require_allowed(request, "intake.conduct", "intake")
    facility = _facility()
    form = IdentityForm(request.POST or None)
    candidates: list[dict[str, Any]] = []
    checked = False
    status = 200
    if request.method == "POST":
        receive = request.POST.get("receive", "").strip()
        if receive:
            try:
                person = person_get(actor=request.user, inmate_number=receive)
                intake = services.intake_start(actor=request.user, facility=facility, person=person)
            except ServiceError as exc:
                messages.error(request, exc.detail)
                return redirect("intake:start")
            messages.success(request, _("Receiving %(name)s (%(number)s), a returning person.")
                             % {"name": person.full_name, "number": person.inmate_number})
            return redirect("intake:classification", intake.pk)
        if form.is_valid():
            data = _identity_data(form)
            candidates = selectors.returning_candidates(
                actor=request.user, first_name=data["first_name"], last_name=data["last_name"],
                date_of_birth=data["date_of_birth"], inmate_number=data["inmate_number"], aliases=data["aliases"])
            checked = True
            if request.POST.get("create") == "1":
                try:
                    intake = services.intake_start(
                        actor=request.user, facility=facility, new_person=data, confirm_new=True,
                        candidates_seen=[c["person"].inmate_number for c in candidates])
                except ServiceError as exc:
                    apply_service_error(form, exc, {"new_person": "first_name"})
                    status = error_status(exc)
                else:
                    messages.success(request, _("New record %(number)s created for %(name)s.")
                                     % {"number": intake.person.inmate_number, "name": intake.person.full_name})
                    return redirect("intake:classification", intake.pk)
        else:
            status = 400
    return render(request, "intake/start.html", {
        "form": form, "candidates": candidates, "checked": checked, "facility": facility,
        "title": _("New intake: identity"), "nav": "intake",
    }, status=status)


def _steps(intake: Intake) -> dict[str, Any]:
    return {"classified": intake.classifications.exists(), "screened": intake.screenings.exists()}


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    intake = _get(request, pk)
    c = intake.classifications.select_related("decided_by").order_by("-decided_at", "-id").first()
    return render(request, "intake/detail.html", {
        "intake": intake, "classification": c, "factors": scoring.describe_factors(c.factors) if c else [],
        "vulnerability": selectors.vulnerability_of(actor=request.user, person=intake.person),
        "may_conduct": allowed(request.user, "intake.conduct") and intake.status == IntakeStatus.OPEN,
        "cancel_form": CancelForm(), **_steps(intake),
        "hidden_matches": selectors.hidden_matches_of(actor=request.user, intake=intake),
        "title": _("Intake of %(name)s") % {"name": intake.person.full_name}, "nav": "intake",
    })


def _open_for_conduct(request: HttpRequest, pk: int) -> Intake:
    intake = _get(request, pk)
    require_allowed(request, "intake.conduct", "intake", intake.pk)
    return intake


@login_required
def classification(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: the points-based classification, every answer with its points."""
    intake = _open_for_conduct(request, pk)
    if intake.status != IntakeStatus.OPEN:
        return redirect("intake:detail", intake.pk)
    person = intake.person
    age = scoring.age_on(person.date_of_birth, clock.now().date())
    form = ClassificationForm(request.POST or None, may_override=allowed(request.user, "classification.override"),
                              age_known=age is not None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                c = services.intake_classify(actor=request.user, intake=intake, answers=form.answers(),
                                             override_level=form.cleaned_data.get("override_level", ""),
                                             override_reason=form.cleaned_data.get("override_reason", ""))
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Classified: %(points)d points, %(level)s.")
                                 % {"points": c.total_points, "level": c.get_level_display()})
                return redirect("intake:screening", intake.pk)
        else:
            status = 400
    age_answer = scoring.age_answer(age)
    age_points = next((p for k, _l, p in scoring.FACTORS["age"][1] if k == age_answer), None)
    return render(request, "intake/classification.html", {
        "intake": intake, "form": form, "age": age, "age_points": age_points, "thresholds": scoring.THRESHOLDS,
        **_steps(intake),
        "title": _("Intake of %(name)s: classification") % {"name": person.full_name}, "nav": "intake",
    }, status=status)


@login_required
def screening(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: the vulnerability screening."""
    intake = _open_for_conduct(request, pk)
    require_allowed(request, "vulnerability.screen", "person", intake.person.inmate_number)
    if intake.status != IntakeStatus.OPEN:
        return redirect("intake:detail", intake.pk)
    form = ScreeningForm(request.POST or None,
                         initial={"first_time": services.first_time_in_custody(intake.person)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                s = services.intake_screen(actor=request.user, intake=intake, build=d["build"],
                                           prior_victimisation=d["prior_victimisation"],
                                           lgbti_disclosed=d["lgbti_disclosed"], mental_health=d["mental_health"],
                                           staff_concern=d["staff_concern"], first_time=d["first_time"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                if s.vulnerable:
                    messages.warning(request, _("Vulnerable: %(reasons)s.") % {
                        "reasons": ", ".join(str(r) for r in scoring.reason_labels(s.reasons))})
                else:
                    messages.success(request, _("Screened: not vulnerable."))
                return redirect("intake:housing", intake.pk)
        else:
            status = 400
    return render(request, "intake/screening.html", {
        "intake": intake, "form": form, **_steps(intake),
        "title": _("Intake of %(name)s: vulnerability screening") % {"name": intake.person.full_name},
        "nav": "intake",
    }, status=status)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def housing(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 4: what staff must know before choosing a cell, the ranked safe cells, and the admission."""
    intake = _get(request, pk)
    if intake.status != IntakeStatus.OPEN:
        return redirect("intake:detail", intake.pk)
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    unit_id = _int(source.get("unit"))
    preview = selectors.housing_preview(actor=user, intake=intake, unit_id=unit_id)
    may_conduct = allowed(user, "intake.conduct")
    form = AdmitForm(request.POST if request.method == "POST" else None)
    status = 200
    refusal = None
    chosen = _int(source.get("other_cell")) or _int(source.get("cell"))
    chosen_warnings: list[str] = []
    if request.method == "POST":
        require_allowed(request, "intake.conduct", "intake", intake.pk)
        if chosen is None:
            form.is_valid()
            form.add_error(None, _("Choose a cell."))
            status = 400
        elif form.is_valid():
            from emerald.relations import selectors as relations

            cell = Cell.objects.select_related("unit").filter(pk=chosen).first()
            if cell is not None:
                chosen_warnings = [w.sentence() for w in relations.placement_warnings(
                    actor=user, person=intake.person, cell=cell)]
            if chosen_warnings and not form.cleaned_data["confirm_warnings"]:
                form.add_error("confirm_warnings", _("This cell has group warnings: read them, then confirm."))
                status = 409
            else:
                try:
                    placement = services.intake_admit(actor=user, intake=intake, cell_id=chosen,
                                                      reason=form.cleaned_data["reason"],
                                                      override_reason=form.cleaned_data["override_reason"])
                except ServiceError as exc:
                    status = error_status(exc)
                    if is_keep_apart_refusal(exc):
                        refusal = exc
                    elif isinstance(exc, Conflict) and exc.code == "steps_missing":
                        form.add_error(None, exc.detail)
                    else:
                        apply_service_error(form, exc, {"cell_id": "reason"})
                else:
                    messages.success(request, _("Admitted %(name)s to %(cell)s. A reassessment is due within 72 "
                                                "hours.") % {"name": intake.person.full_name,
                                                             "cell": placement.cell.code})
                    return redirect("people:detail", intake.person.inmate_number)
        else:
            status = 400
    unit_cells = []
    if preview["unit"] is not None:
        unit_cells = list(Cell.objects.filter(unit=preview["unit"], in_service=True).order_by("code"))
    return render(request, "intake/housing.html", {
        "intake": intake, "form": form, "p": preview, "unit_cells": unit_cells, "chosen": chosen,
        "chosen_warnings": chosen_warnings, "refusal": refusal, "may_conduct": may_conduct, **_steps(intake),
        "see_orders": allowed(user, "non_association.view"), "see_groups": allowed(user, "group.view"),
        "title": _("Intake of %(name)s: housing") % {"name": intake.person.full_name}, "nav": "intake",
    }, status=status)


@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    intake = _open_for_conduct(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.intake_cancel(actor=request.user, intake=intake, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Intake cancelled."))
        return redirect("intake:detail", intake.pk)
    return render(request, "intake/cancel.html", {
        "intake": intake, "form": form, "title": _("Cancel the intake"), "nav": "intake",
    }, status=400 if request.method == "POST" else 200)


@login_required
def task(request: HttpRequest, pk: int) -> HttpResponse:
    """A reassessment: a new classification and screening."""
    try:
        t = selectors.task_get(actor=request.user, task_id=pk)
    except ServiceError as exc:
        raise as_http(exc) from exc
    may_complete = allowed(request.user, "reassessment.complete") and t.status == "open"
    form = ReassessmentForm(request.POST or None, may_override=allowed(request.user, "classification.override"),
                            age_known=t.person.date_of_birth is not None) if may_complete else None
    status = 200
    if request.method == "POST":
        require_allowed(request, "reassessment.complete", "reassessment", t.pk)
        assert form is not None
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.reassessment_complete(
                    actor=request.user, task=t, answers=form.answers(), build=d["build"],
                    prior_victimisation=d["prior_victimisation"], lgbti_disclosed=d["lgbti_disclosed"],
                    mental_health=d["mental_health"], staff_concern=d["staff_concern"],
                    override_level=d.get("override_level", ""), override_reason=d.get("override_reason", ""),
                    notes=d["notes"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Reassessment recorded."))
                return redirect("intake:index")
        else:
            status = 400
    return render(request, "intake/task.html", {
        "task": t, "form": form, "incident_visible": selectors.task_incident_visible(request.user, t),
        "title": _("Reassessment of %(name)s") % {"name": t.person.full_name}, "nav": "intake",
    }, status=status)
