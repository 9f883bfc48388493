"""Council pages: the councils of every unit, and one unit's council (members, meetings, rules)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from emerald.core.errors import ServiceError
from emerald.core.views import apply_service_error, as_http, error_status
from emerald.council import selectors, services
from emerald.council.forms import AppointForm, EndForm, MeetingForm, RulesForm
from emerald.people.selectors import people_visible_to


def _call(fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except ServiceError as exc:
        raise as_http(exc) from exc


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "council/index.html", {
        "rows": _call(selectors.council_list, actor=request.user), "title": _("Unit councils"), "nav": "council",
    })


def _page(request: HttpRequest, unit: Any, forms: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    forms = forms or {}
    return render(request, "council/council.html", {
        **selectors.council_of(actor=request.user, unit=unit),
        "appoint_form": forms.get("appoint") or AppointForm(),
        "meeting_form": forms.get("meeting") or MeetingForm(),
        "rules_form": forms.get("rules") or RulesForm(),
        "title": _("Council of %(unit)s") % {"unit": unit.name}, "nav": "council",
    }, status=status)


@login_required
def council(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _page(request, _call(selectors.council_unit, actor=request.user, unit_id=unit_id))


def _people(request: HttpRequest, text: str, form: Any, field: str) -> list[Any] | None:
    numbers = [n.upper() for n in re.split(r"[\s,;]+", text or "") if n]
    found = {p.inmate_number: p for p in people_visible_to(request.user).filter(inmate_number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        form.add_error(field, _("No person with inmate number %(n)s.") % {"n": ", ".join(missing)})
        return None
    return [found[n] for n in numbers]


@login_required
@require_POST
def council_action(request: HttpRequest, unit_id: int, action: str) -> HttpResponse:
    """Appoint (``appoint``), record a meeting (``meeting``), publish rules (``rules``)."""
    unit = _call(selectors.council_unit, actor=request.user, unit_id=unit_id)
    user = request.user
    if action == "appoint":
        form: Any = AppointForm(request.POST)
        if form.is_valid() and (people := _people(request, form.cleaned_data["person"], form, "person")):
            d = form.cleaned_data
            try:
                services.council_appoint(actor=user, unit=unit, person=people[0], role=d["role"],
                                         term_start=d["term_start"], term_end=d["term_end"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                return _page(request, unit, {"appoint": form}, error_status(exc))
            messages.success(request, _("Appointed."))
            return redirect("council:council", unit.pk)
        return _page(request, unit, {"appoint": form}, 400)
    if action == "meeting":
        form = MeetingForm(request.POST)
        if form.is_valid() and (people := _people(request, form.cleaned_data["attendees"], form, "attendees")):
            d = form.cleaned_data
            try:
                services.meeting_record(actor=user, unit=unit, held_at=d["held_at"], minutes=d["minutes"],
                                        attendees=people, decisions=d["decisions"].splitlines(),
                                        staff_present=d["staff_present"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                return _page(request, unit, {"meeting": form}, error_status(exc))
            messages.success(request, _("Meeting recorded."))
            return redirect("council:council", unit.pk)
        return _page(request, unit, {"meeting": form}, 400)
    if action == "rules":
        form = RulesForm(request.POST)
        if form.is_valid():
            try:
                r = services.rules_publish(actor=user, unit=unit, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                return _page(request, unit, {"rules": form}, error_status(exc))
            messages.success(request, _("Version %(v)d of the rules published.") % {"v": r.version})
            return redirect("council:council", unit.pk)
        return _page(request, unit, {"rules": form}, 400)
    raise Http404(_("Not found."))


@login_required
def member_end(request: HttpRequest, pk: int) -> HttpResponse:
    member = _call(selectors.member_get, actor=request.user, member_id=pk)
    form = EndForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.council_end(actor=request.user, member=member, reason=form.cleaned_data["reason"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Appointment ended."))
                return redirect("council:council", member.unit_id)
        else:
            status = 400
    return render(request, "council/end.html", {"form": form, "member": member, "title": _("End an appointment"),
                                                "nav": "council"}, status=status)
