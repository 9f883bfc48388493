"""Pages: the movements board, absences, transfers and the unit manager's queue, counts (the corridor screen),
escapes and the movement log. Thin: selectors read, services write, refusals become form messages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from emerald.accounts.permissions import allowed, is_global, managed_unit_ids, manages_unit, role_of
from emerald.core import clock
from emerald.core.errors import ServiceError
from emerald.core.views import apply_service_error, as_http, error_status, require_allowed
from emerald.facilities.models import Cell, Facility
from emerald.facilities.selectors import units_visible_to
from emerald.movements import selectors, services
from emerald.movements.forms import (
    AbsenceForm,
    AttemptForm,
    CountStartForm,
    CrosscheckForm,
    DecideForm,
    EscapeForm,
    ExecuteForm,
    NoteForm,
    ReasonForm,
    RecaptureForm,
    RequiredNoteForm,
    ScheduleForm,
    TotalForm,
    TransferForm,
)
from emerald.movements.models import CountStatus, Mark, TransferStatus
from emerald.people.selectors import people_visible_to

CSS = "movements/movements.css"


def _get(fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except ServiceError as exc:
        raise as_http(exc) from exc


def _person(request: HttpRequest, number: str, form: Any, field: str = "inmate_number") -> Any:
    person = people_visible_to(request.user).filter(inmate_number=(number or "").strip().upper()).first()
    if person is None:
        form.add_error(field, _("No person with inmate number %(number)s.") % {"number": number})
    return person


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context.setdefault("nav", "movements")
    return render(request, template, context, status=status)


# --------------------------------------------------------------------------------------------------- board


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The roll with who is in and who is out, per unit; overdue returns; open alerts; queue sizes."""
    user = request.user
    rolls = _get(selectors.live_roll, actor=user, with_people=True)
    now = clock.now()
    overdue = [a for r in rolls for a in r.out_people if a.expected_back_at < now]
    return _page(request, "movements/index.html", {
        "title": _("Movements"), "rolls": rolls, "overdue": overdue, "now": now,
        "alerts": list(selectors.open_alerts(actor=user)),
        "queue": selectors.manager_queue(actor=user).count() if allowed(user, "transfer.view") else 0,
        "awaiting": selectors.awaiting_approval(actor=user).count() if allowed(user, "transfer.view") else 0,
        "contested": selectors.contested_list(actor=user).count() if allowed(user, "transfer.decide") else 0,
        "open_counts": list(selectors.count_list(actor=user, status=CountStatus.OPEN))
        if allowed(user, "count.view") else [],
    })


@login_required
def unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    board = _get(selectors.unit_movements, actor=request.user, unit_id=unit_id)
    return _page(request, "movements/unit.html", {
        "title": _("Movements of %(unit)s") % {"unit": board["unit"].code}, **board,
        "may_manage": allowed(request.user, "absence.manage"),
    })


# --------------------------------------------------------------------------------------------------- absences


def _absences_page(request: HttpRequest, form: AbsenceForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    qs = _get(selectors.absence_list, actor=user)
    current = list(qs.filter(status__in=["out", "scheduled"]).order_by("expected_back_at")[:200])
    recent = list(qs.exclude(status__in=["out", "scheduled"])[:50])
    may = allowed(user, "absence.manage")
    return _page(request, "movements/absences.html", {
        "title": _("Absences"), "current": current, "recent": recent, "now": clock.now(),
        "form": (form or AbsenceForm(prefix="absence")) if may else None, "may_manage": may,
    }, status)


@login_required
def absences(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "absence.view", "absence")
    if request.method != "POST":
        return _absences_page(request)
    require_allowed(request, "absence.manage", "absence")
    form = AbsenceForm(request.POST, prefix="absence")
    if not form.is_valid():
        return _absences_page(request, form, 400)
    data = form.cleaned_data
    person = _person(request, data["inmate_number"], form)
    if person is None:
        return _absences_page(request, form, 400)
    try:
        if data["planned_out_at"]:
            services.absence_schedule(actor=request.user, person=person, kind=data["kind"],
                                      destination=data["destination"], planned_out_at=data["planned_out_at"],
                                      expected_back_at=data["expected_back_at"], reason=data["reason"])
            messages.success(request, _("Absence scheduled."))
        else:
            services.absence_depart(actor=request.user, person=person, kind=data["kind"],
                                    destination=data["destination"], expected_back_at=data["expected_back_at"],
                                    reason=data["reason"])
            messages.success(request, _("%(name)s is out.") % {"name": person.full_name})
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _absences_page(request, form, error_status(exc))
    return redirect("movements:absences")


@login_required
@require_POST
def absence_action(request: HttpRequest, absence_id: int, action: str) -> HttpResponse:
    if action not in ("return", "depart", "cancel"):
        raise Http404(action)
    a = _get(selectors.absence_get, actor=request.user, absence_id=absence_id)
    try:
        if action == "return":
            services.absence_return(actor=request.user, absence=a)
            messages.success(request, _("%(name)s is back.") % {"name": a.person.full_name})
        elif action == "depart":
            services.absence_depart(actor=request.user, absence=a)
            messages.success(request, _("%(name)s is out.") % {"name": a.person.full_name})
        else:
            form = ReasonForm(request.POST)
            reason = form.data.get("reason", "")
            services.absence_cancel(actor=request.user, absence=a, reason=reason)
            messages.success(request, _("Absence cancelled."))
    except ServiceError as exc:
        messages.error(request, exc.detail)
    return redirect(request.POST.get("next") or "movements:absences") if _safe_next(request) else \
        redirect("movements:absences")


def _safe_next(request: HttpRequest) -> bool:
    target = request.POST.get("next", "")
    return target.startswith("/") and not target.startswith("//")


# --------------------------------------------------------------------------------------------------- transfers


def _target_units(user: Any) -> list:
    return [u for u in units_visible_to(user).order_by("facility__code", "code") if u.status != "closed"]


def _transfers_page(request: HttpRequest, form: TransferForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    may_request = allowed(user, "transfer.request")
    return _page(request, "movements/transfers.html", {
        "title": _("Transfers"),
        "transfers": list(_get(selectors.transfer_list, actor=user)[:100]),
        "awaiting": list(selectors.awaiting_approval(actor=user)),
        "contested": list(selectors.contested_list(actor=user)) if allowed(user, "transfer.decide") else [],
        "unreviewed": list(selectors.emergency_unreviewed(actor=user))
        if allowed(user, "transfer.review_emergency") else [],
        "form": (form or TransferForm(units=_target_units(user), prefix="transfer")) if may_request else None,
    }, status)


@login_required
def transfers(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "transfer.view", "transfer")
    if request.method != "POST":
        return _transfers_page(request)
    require_allowed(request, "transfer.request", "transfer")
    form = TransferForm(request.POST, units=_target_units(request.user), prefix="transfer")
    if not form.is_valid():
        return _transfers_page(request, form, 400)
    data = form.cleaned_data
    person = _person(request, data["inmate_number"], form)
    unit = next((u for u in _target_units(request.user) if str(u.pk) == data["to_unit"]), None)
    cell_id = None
    if data["to_cell"] and unit is not None:
        cell = Cell.objects.filter(unit=unit, code=data["to_cell"].strip().upper()).first()
        if cell is None:
            form.add_error("to_cell", _("No cell %(code)s in %(unit)s.") % {"code": data["to_cell"], "unit": unit.code})
        cell_id = cell.pk if cell else None
    if person is None or form.errors:
        return _transfers_page(request, form, 400)
    try:
        if data["emergency"]:
            t = services.transfer_emergency(actor=request.user, person=person, reason=data["reason"],
                                            emergency_reason=data["emergency_reason"], to_unit=unit,
                                            to_cell_id=cell_id)
        else:
            t = services.transfer_request(actor=request.user, person=person, reason=data["reason"], to_unit=unit,
                                          to_cell_id=cell_id)
    except ServiceError as exc:
        apply_service_error(form, exc, {"to_unit_id": "to_unit", "to_cell_id": "to_cell"})
        return _transfers_page(request, form, error_status(exc))
    messages.success(request, _("Transfer #%(id)d recorded.") % {"id": t.pk})
    return redirect("movements:transfer", transfer_id=t.pk)


def _transfer_actions(user: Any, t: Any) -> dict[str, bool]:
    global_ = is_global(user)
    approver = allowed(user, "transfer.approve") and (global_ or manages_unit(user, t.from_unit_id))
    owner = allowed(user, "transfer.contest") and manages_unit(user, t.from_unit_id)
    in_queue = t.manager_review == "pending" and t.status in (TransferStatus.APPROVED, TransferStatus.EXECUTED)
    return {
        "approve": approver and t.status == TransferStatus.REQUESTED,
        "execute": allowed(user, "transfer.execute") and t.status == TransferStatus.APPROVED,
        "cancel": t.status in (TransferStatus.REQUESTED, TransferStatus.APPROVED)
        and (approver or t.ordered_by_id == user.pk),
        "contest": owner and in_queue,
        "decide": allowed(user, "transfer.decide") and t.manager_review == "contested",
        "review": allowed(user, "transfer.review_emergency") and t.emergency and t.status == "executed"
        and t.emergency_reviewed_at is None,
    }


def _transfer_page(request: HttpRequest, t: Any, forms: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    forms = forms or {}
    return _page(request, "movements/transfer.html", {
        "title": _("Transfer #%(id)d") % {"id": t.pk}, "t": t, "can": _transfer_actions(request.user, t),
        "note_form": forms.get("approve") or NoteForm(prefix="approve"),
        "reject_form": forms.get("reject") or ReasonForm(prefix="reject"),
        "cancel_form": forms.get("cancel") or ReasonForm(prefix="cancel"),
        "execute_form": forms.get("execute") or ExecuteForm(prefix="execute"),
        "ack_form": forms.get("acknowledge") or NoteForm(prefix="acknowledge"),
        "contest_form": forms.get("contest") or ReasonForm(prefix="contest"),
        "decide_form": forms.get("decide") or DecideForm(prefix="decide"),
        "review_form": forms.get("review") or RequiredNoteForm(prefix="review"),
    }, status)


@login_required
def transfer(request: HttpRequest, transfer_id: int) -> HttpResponse:
    return _transfer_page(request, _get(selectors.transfer_get, actor=request.user, transfer_id=transfer_id))


ACTIONS = {
    "approve": (NoteForm, lambda u, t, d: services.transfer_approve(actor=u, transfer=t, note=d["note"])),
    "reject": (ReasonForm, lambda u, t, d: services.transfer_reject(actor=u, transfer=t, reason=d["reason"])),
    "cancel": (ReasonForm, lambda u, t, d: services.transfer_cancel(actor=u, transfer=t, reason=d["reason"])),
    "execute": (ExecuteForm, lambda u, t, d: services.transfer_execute(actor=u, transfer=t,
                                                                       override_reason=d["override_reason"])),
    "acknowledge": (NoteForm, lambda u, t, d: services.transfer_acknowledge(actor=u, transfer=t, note=d["note"])),
    "contest": (ReasonForm, lambda u, t, d: services.transfer_contest(actor=u, transfer=t, reason=d["reason"])),
    "decide": (DecideForm, lambda u, t, d: services.transfer_decide(actor=u, transfer=t, decision=d["decision"],
                                                                    reason=d["reason"])),
    "review": (RequiredNoteForm, lambda u, t, d: services.transfer_review_emergency(actor=u, transfer=t,
                                                                                    note=d["note"])),
}


@login_required
@require_POST
def transfer_action(request: HttpRequest, transfer_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404(action)
    t = _get(selectors.transfer_get, actor=request.user, transfer_id=transfer_id)
    form_class, run = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    if not form.is_valid():
        return _transfer_page(request, t, {action: form}, 400)
    try:
        run(request.user, t, form.cleaned_data)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _transfer_page(request, t, {action: form}, error_status(exc))
    messages.success(request, _("Transfer #%(id)d updated.") % {"id": t.pk})
    return redirect("movements:transfer", transfer_id=t.pk)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The unit manager's queue: transfers out of their units they did not approve."""
    require_allowed(request, "transfer.view", "transfer")
    user = request.user
    return _page(request, "movements/queue.html", {
        "title": _("Transfers out of my units"), "items": list(selectors.manager_queue(actor=user)),
        "contested": list(selectors.contested_list(actor=user).filter(
            from_unit_id__in=managed_unit_ids(user)) if not is_global(user) else selectors.contested_list(actor=user)),
        "is_manager": role_of(user) == "unit_manager",
    })


# --------------------------------------------------------------------------------------------------- counts


def _facilities() -> list:
    return list(Facility.objects.order_by("code"))


def _counts_page(request: HttpRequest, form: Any = None, schedule_form: Any = None, status: int = 200) -> HttpResponse:
    user = request.user
    from emerald.movements.models import CountSchedule

    times: dict[str, list[str]] = {}
    for code, t in CountSchedule.objects.values_list("facility__code", "time"):
        times.setdefault(code, []).append(f"{t:%H:%M}")
    return _page(request, "movements/counts.html", {
        "title": _("Counts"), "counts": list(_get(selectors.count_list, actor=user)[:50]),
        "form": (form or CountStartForm(facilities=_facilities(), prefix="count"))
        if allowed(user, "count.start") else None,
        "schedule_form": (schedule_form or ScheduleForm(prefix="schedule")) if allowed(user, "count.schedule")
        else None,
        "times": times, "facilities": _facilities(),
    }, status)


@login_required
def counts(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "count.view", "count")
    if request.method != "POST":
        return _counts_page(request)
    require_allowed(request, "count.start", "count")
    form = CountStartForm(request.POST, facilities=_facilities(), prefix="count")
    if not form.is_valid():
        return _counts_page(request, form, status=400)
    facility = Facility.objects.get(code__iexact=form.cleaned_data["facility"])
    try:
        c = services.count_start(actor=request.user, facility=facility, kind=form.cleaned_data["kind"],
                                 reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _counts_page(request, form, status=error_status(exc))
    return redirect("movements:count", count_id=c.pk)


@login_required
@require_POST
def schedule(request: HttpRequest, facility_code: str) -> HttpResponse:
    require_allowed(request, "count.schedule", "facility", facility_code)
    facility = Facility.objects.filter(code__iexact=facility_code).first()
    form = ScheduleForm(request.POST, prefix="schedule")
    if facility is None or not form.is_valid():
        return _counts_page(request, schedule_form=form, status=400)
    times = [t for t in (x.strip() for x in form.cleaned_data["times"].split(",")) if t]
    try:
        services.count_schedule_set(actor=request.user, facility=facility, times=times)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _counts_page(request, schedule_form=form, status=error_status(exc))
    messages.success(request, _("Count times saved."))
    return redirect("movements:counts")


@login_required
def count(request: HttpRequest, count_id: int) -> HttpResponse:
    user = request.user
    c = _get(selectors.count_get, actor=user, count_id=count_id)
    rows = selectors.count_summary(c)
    elsewhere = [ln for ln in _elsewhere_lines(c)]
    return _page(request, "movements/count.html", {
        "title": _("Count #%(id)d") % {"id": c.pk}, "count": c, "rows": rows, "elsewhere": elsewhere,
        "alerts": list(c.alerts.select_related("sheet__unit").order_by("-raised_at")),
        "may_escalate": allowed(user, "count.escalate") and c.status == "open" and c.escalated_at is None,
        "may_reconcile": allowed(user, "count.reconcile") and c.status == "open",
        "escalate_form": ReasonForm(prefix="escalate"), "reconcile_form": RequiredNoteForm(prefix="reconcile"),
        "total_counted": sum(r["counted"] for r in rows), "total_lines": sum(r["lines"] for r in rows),
    })


def _elsewhere_lines(c: Any) -> list:
    from emerald.movements.models import CountLine

    return list(CountLine.objects.filter(sheet__count=c, mark=Mark.ELSEWHERE)
                .select_related("person", "sheet__unit", "reconciled_by").order_by("sheet__unit__code"))


@login_required
@require_POST
def escalate(request: HttpRequest, count_id: int) -> HttpResponse:
    c = _get(selectors.count_get, actor=request.user, count_id=count_id)
    form = ReasonForm(request.POST, prefix="escalate")
    try:
        services.count_escalate(actor=request.user, count=c, reason=form.data.get("escalate-reason", ""))
        messages.warning(request, _("Escape procedure started: the facility is locked down."))
    except ServiceError as exc:
        messages.error(request, exc.detail)
    return redirect("movements:count", count_id=c.pk)


@login_required
@require_POST
def reconcile(request: HttpRequest, line_id: int) -> HttpResponse:
    ln = _get(selectors.line_get, actor=request.user, line_id=line_id)
    try:
        services.count_line_reconcile(actor=request.user, line=ln, note=request.POST.get("reconcile-note", ""))
        messages.success(request, _("%(name)s reconciled.") % {"name": ln.person.full_name})
    except ServiceError as exc:
        messages.error(request, exc.detail)
    return redirect("movements:count", count_id=ln.sheet.count_id)


def _sheet_context(request: HttpRequest, sheet: Any) -> dict[str, Any]:
    from emerald.movements.services import sheet_findings

    lines = selectors.sheet_lines(actor=request.user, sheet=sheet)
    findings = sheet_findings(sheet, lines)
    open_ = sheet.count.status == CountStatus.OPEN
    return {"sheet": sheet, "lines": lines, "findings": findings, "open": open_,
            "may_enter": open_ and allowed(request.user, "count.enter")}


@login_required
def sheet(request: HttpRequest, sheet_id: int) -> HttpResponse:
    """The corridor screen: one person per row, three big buttons, each mark saved at once (htmx)."""
    s = _get(selectors.sheet_get, actor=request.user, sheet_id=sheet_id)
    return _page(request, "movements/sheet.html", {
        "title": _("Count: %(unit)s") % {"unit": s.unit.code}, **_sheet_context(request, s),
        "total_form": TotalForm(prefix="sheet"), "crosscheck_form": CrosscheckForm(prefix="crosscheck"),
    })


@login_required
@require_POST
def mark(request: HttpRequest, line_id: int) -> HttpResponse:
    """Save one mark. With htmx: answer the row (and the progress, out of band); without: back to the sheet."""
    ln = _get(selectors.line_get, actor=request.user, line_id=line_id)
    error = ""
    try:
        services.count_mark(actor=request.user, line=ln, mark=request.POST.get("mark", ""),
                            where=request.POST.get("where", ""))
    except ServiceError as exc:
        error = exc.detail
    s = _get(selectors.sheet_get, actor=request.user, sheet_id=ln.sheet_id)
    if request.htmx:  # type: ignore[attr-defined]
        ctx = _sheet_context(request, s)
        line = next(x for x in ctx["lines"] if x.pk == ln.pk)
        return render(request, "movements/partials/mark_response.html", {**ctx, "line": line, "error": error},
                      status=200)  # htmx swaps only 2xx answers: the row itself shows the error
    if error:
        messages.error(request, error)
    return redirect(f"{_sheet_url(s)}#line-{ln.pk}")


def _sheet_url(s: Any) -> str:
    from django.urls import reverse

    return reverse("movements:sheet", kwargs={"sheet_id": s.pk})


@login_required
@require_POST
def submit(request: HttpRequest, sheet_id: int) -> HttpResponse:
    s = _get(selectors.sheet_get, actor=request.user, sheet_id=sheet_id)
    form = TotalForm(request.POST, prefix="sheet")
    if form.is_valid():
        try:
            s = services.count_sheet_submit(actor=request.user, sheet=s, total=form.cleaned_data["total"])
            if s.reconciled:
                messages.success(request, _("%(unit)s reconciles.") % {"unit": s.unit.code})
            else:
                messages.warning(request, _("%(unit)s does not reconcile: the supervisor and the warden are alerted.")
                                 % {"unit": s.unit.code})
            return redirect("movements:count", count_id=s.count_id)
        except ServiceError as exc:
            apply_service_error(form, exc)
    return _page(request, "movements/sheet.html", {
        "title": _("Count: %(unit)s") % {"unit": s.unit.code}, **_sheet_context(request, s),
        "total_form": form, "crosscheck_form": CrosscheckForm(prefix="crosscheck"),
    }, status=400)


@login_required
@require_POST
def crosscheck(request: HttpRequest, sheet_id: int) -> HttpResponse:
    s = _get(selectors.sheet_get, actor=request.user, sheet_id=sheet_id)
    form = CrosscheckForm(request.POST, prefix="crosscheck")
    if form.is_valid():
        try:
            services.count_sheet_crosscheck(actor=request.user, sheet=s, total=form.cleaned_data["total"])
            messages.success(request, _("Cross-check recorded."))
            return redirect("movements:count", count_id=s.count_id)
        except ServiceError as exc:
            apply_service_error(form, exc)
    return _page(request, "movements/sheet.html", {
        "title": _("Count: %(unit)s") % {"unit": s.unit.code}, **_sheet_context(request, s),
        "total_form": TotalForm(prefix="sheet"), "crosscheck_form": form,
    }, status=400)


# --------------------------------------------------------------------------------------------------- escapes


def _escapes_page(request: HttpRequest, forms: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    forms = forms or {}
    return _page(request, "movements/escapes.html", {
        "title": _("Escapes"), "escapes": list(_get(selectors.escape_list, actor=user)[:100]),
        "escape_form": (forms.get("escape") or EscapeForm(prefix="escape")) if allowed(user, "escape.record") else None,
        "attempt_form": (forms.get("attempt") or AttemptForm(prefix="attempt"))
        if allowed(user, "escape.attempt") else None,
        "may_recapture": allowed(user, "escape.recapture"), "recapture_form": RecaptureForm(prefix="recapture"),
    }, status)


@login_required
def escapes(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "escape.view", "escape")
    return _escapes_page(request)


@login_required
@require_POST
def escape_new(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "escape.record", "escape")
    form = EscapeForm(request.POST, prefix="escape")
    if form.is_valid():
        person = _person(request, form.cleaned_data["inmate_number"], form)
        if person is not None:
            try:
                services.escape_record(actor=request.user, person=person,
                                       last_seen_at=form.cleaned_data["last_seen_at"],
                                       circumstances=form.cleaned_data["circumstances"])
                messages.warning(request, _("Escape recorded."))
                return redirect("movements:escapes")
            except ServiceError as exc:
                apply_service_error(form, exc)
                return _escapes_page(request, {"escape": form}, error_status(exc))
    return _escapes_page(request, {"escape": form}, 400)


@login_required
@require_POST
def attempt_new(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "escape.attempt", "escape")
    form = AttemptForm(request.POST, prefix="attempt")
    if form.is_valid():
        people = [_person(request, n, form, "inmate_numbers")
                  for n in form.cleaned_data["inmate_numbers"].replace(";", ",").split(",") if n.strip()]
        if people and all(people):
            try:
                services.escape_attempt_record(actor=request.user, people=people, at=form.cleaned_data["at"],
                                               circumstances=form.cleaned_data["circumstances"])
                messages.warning(request, _("Escape attempt recorded."))
                return redirect("movements:escapes")
            except ServiceError as exc:
                apply_service_error(form, exc, {"people": "inmate_numbers"})
                return _escapes_page(request, {"attempt": form}, error_status(exc))
    return _escapes_page(request, {"attempt": form}, 400)


@login_required
@require_POST
def recapture(request: HttpRequest, escape_id: int) -> HttpResponse:
    e = _get(selectors.escape_get, actor=request.user, escape_id=escape_id)
    form = RecaptureForm(request.POST, prefix="recapture")
    if form.is_valid():
        cell = Cell.objects.filter(code=form.cleaned_data["cell"].strip().upper()).first()
        try:
            services.escape_recapture(actor=request.user, person=e.person, cell_id=cell.pk if cell else None,
                                      at=form.cleaned_data["at"], circumstances=form.cleaned_data["circumstances"])
            messages.success(request, _("%(name)s re-admitted.") % {"name": e.person.full_name})
        except ServiceError as exc:
            messages.error(request, exc.detail)
    else:
        messages.error(request, _("Give the cell, the time and the circumstances."))
    return redirect("movements:escapes")


# --------------------------------------------------------------------------------------------------- log


@login_required
def log(request: HttpRequest) -> HttpResponse:
    unit_id = request.GET.get("unit") or None
    try:
        unit_id = int(unit_id) if unit_id else None
    except ValueError:
        unit_id = None
    events = _get(selectors.movement_log, actor=request.user, unit_id=unit_id, limit=200)
    return _page(request, "movements/log.html", {
        "title": _("Movement log"), "events": events, "units": list(units_visible_to(request.user).order_by("code")),
        "unit_id": unit_id,
    })
