"""Health pages: encounters (medical staff), a person's medical record (medical staff, or break-glass),
custody notes (custody and medical staff), break-glass notices.

For anyone but medical staff an encounter page is the 404 page, exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from emerald.accounts.permissions import allowed
from emerald.core import clock
from emerald.core.errors import NotFound, ServiceError
from emerald.core.views import apply_service_error, as_http, error_status, require_allowed
from emerald.health import selectors, services
from emerald.health.forms import (
    AddendumForm,
    BreakGlassForm,
    CloseForm,
    CustodyNoteForm,
    EncounterForm,
    LinkForm,
)
from emerald.health.models import Encounter, EncounterKind, MedicalNotification
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to, person_get
from emerald.people.visibility import display_name, display_number
from emerald.security.exports import csv_download

PAGE_SIZE = 50


def _person(request: HttpRequest, number: str) -> Person:
    try:
        return person_get(actor=request.user, inmate_number=number)
    except ServiceError as exc:
        raise as_http(exc) from exc


def _person_field(request: HttpRequest, form: Any) -> Person | None:
    number = (form.cleaned_data.get("person") or "").strip().upper()
    person = people_visible_to(request.user).filter(inmate_number=number).first()
    if person is None:
        form.add_error("person", _("No person with this inmate number."))
    return person


def _filtered(request: HttpRequest):
    g = request.GET
    kind = g.get("kind", "") if g.get("kind", "") in EncounterKind.values else ""
    person = None
    if g.get("person"):
        person = people_visible_to(request.user).filter(inmate_number=g["person"].strip().upper()[:64]).first()
    try:
        qs = selectors.encounter_search(actor=request.user, q=g.get("q", "")[:200], kind=kind, person=person)
    except ServiceError as exc:
        raise as_http(exc) from exc
    if g.get("person") and person is None:
        qs = qs.none()
    return qs


@login_required
def encounter_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(_filtered(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "health/list.html", {
        "page": page, "count": page.paginator.count, "kinds": EncounterKind.choices,
        "q": request.GET.get("q", ""), "kind": request.GET.get("kind", ""), "person": request.GET.get("person", ""),
        "stats": selectors.encounter_stats(actor=request.user),
        "title": _("Health"), "nav": "health",
    })


@login_required
def encounter_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV (medical staff only): who was seen, when, by whom; no clinical text."""
    rows = list(_filtered(request)[:10000])
    response, writer = csv_download("encounters.csv")
    writer.writerow(["id", "inmate_number", "name", "kind", "occurred_at", "clinician", "location"])
    for e in rows:
        writer.writerow([e.pk, display_number(e.person) or "", display_name(e.person), e.kind,
                         timezone.localtime(e.occurred_at).isoformat(), e.clinician.username, e.location])
    return response


@login_required
def encounter_create(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "health.record", "health_encounter")
    initial = {"person": request.GET.get("person", "")[:32], "clinician": request.user.username,
               "occurred_at": timezone.localtime(clock.now()).replace(second=0, microsecond=0)}
    form = EncounterForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        person = _person_field(request, form) if form.is_valid() else None
        if person is not None:
            data = dict(form.cleaned_data)
            data.pop("person")
            try:
                encounter = services.encounter_create(actor=request.user, person=person, **data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Encounter recorded."))
                return redirect("health:encounter", encounter.pk)
        else:
            status = 400
    return render(request, "health/encounter_form.html", {"form": form, "title": _("New encounter"),
                                                          "nav": "health"}, status=status)


def _render_encounter(request: HttpRequest, encounter: Encounter, forms: dict[str, Any] | None = None,
                      status: int = 200) -> HttpResponse:
    forms = forms or {}
    return render(request, "health/encounter.html", {
        "encounter": encounter, "addenda": list(encounter.addenda.select_related("author")),
        "links": selectors.incident_links_of(actor=request.user, encounter=encounter),
        "may_record": allowed(request.user, "health.record"),
        "addendum_form": forms.get("addendum") or AddendumForm(prefix="add"),
        "link_form": forms.get("link") or LinkForm(prefix="link"),
        "title": _("Encounter #%(id)d") % {"id": encounter.pk}, "nav": "health",
    }, status=status)


@login_required
def encounter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        encounter = selectors.encounter_open(actor=request.user, encounter_id=pk)
    except ServiceError as exc:
        raise as_http(exc) from exc
    return _render_encounter(request, encounter)


@login_required
@require_POST
def encounter_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    try:
        encounter = selectors.encounter_get(actor=request.user, encounter_id=pk)
    except ServiceError as exc:
        raise as_http(exc) from exc
    if action == "addendum":
        form: Any = AddendumForm(request.POST, prefix="add")
        key, done = "addendum", _("Addendum added.")

        def call(d: dict[str, Any]) -> Any:
            return services.encounter_addendum(actor=request.user, encounter=encounter, text=d["text"])
    elif action == "link":
        form = LinkForm(request.POST, prefix="link")
        key, done = "link", _("Incident linked.")

        def call(d: dict[str, Any]) -> Any:
            return services.encounter_link_incident(actor=request.user, encounter=encounter,
                                                    incident_id=d["incident_id"])
    else:
        raise Http404
    if not form.is_valid():
        return _render_encounter(request, encounter, {key: form}, status=400)
    try:
        call(form.cleaned_data)
    except NotFound as exc:
        raise as_http(exc) from exc
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _render_encounter(request, encounter, {key: form}, status=error_status(exc))
    messages.success(request, done)
    return redirect("health:encounter", encounter.pk)


@login_required
def medical_record(request: HttpRequest, inmate_number: str) -> HttpResponse:
    """A person's medical record: medical staff, or a break-glass opening in force; the 404 page otherwise."""
    person = _person(request, inmate_number)
    try:
        encounters = selectors.medical_record_open(actor=request.user, person=person)
    except ServiceError as exc:
        raise as_http(exc) from exc
    access = None if selectors.is_medical(request.user) else selectors.break_glass_for(request.user, person)
    return render(request, "health/record.html", {
        "person": person, "encounters": encounters, "access": access,
        "notes": selectors.notes_in_force(person), "may_record": allowed(request.user, "health.record"),
        "title": _("Medical record of %(name)s") % {"name": person.full_name}, "nav": "health",
    })


@login_required
def break_glass(request: HttpRequest, inmate_number: str) -> HttpResponse:
    """The emergency opening of a medical record: a reason, then the record for an hour."""
    person = _person(request, inmate_number)
    require_allowed(request, "health.break_glass", "person", person.inmate_number)
    form = BreakGlassForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                access = services.break_glass_open(actor=request.user, person=person, reason=form.cleaned_data["reason"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.warning(request, _(
                    "Emergency access until %(until)s. This opening is recorded and the medical staff are told.")
                    % {"until": timezone.localtime(access.expires_at).strftime("%H:%M")})
                return redirect("health:record", person.inmate_number)
        else:
            status = 400
    return render(request, "health/break_glass.html", {
        "form": form, "person": person, "active": selectors.break_glass_for(request.user, person),
        "title": _("Emergency access to a medical record"), "nav": "",
    }, status=status)


@login_required
def break_glass_log(request: HttpRequest) -> HttpResponse:
    try:
        qs = selectors.break_glass_log(actor=request.user)
    except ServiceError as exc:
        raise as_http(exc) from exc
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "health/break_glass_log.html", {"page": page, "title": _("Break-glass openings"),
                                                           "nav": "health"})


@login_required
@require_POST
def notification_ack(request: HttpRequest, pk: int) -> HttpResponse:
    note = MedicalNotification.objects.filter(pk=pk).first()
    if note is None or not selectors.is_medical(request.user):
        raise Http404
    try:
        services.notification_acknowledge(actor=request.user, notification=note)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Notice acknowledged."))
    return redirect("core:dashboard")


# --------------------------------------------------------------------------- custody notes


@login_required
def custody_note_list(request: HttpRequest) -> HttpResponse:
    person = None
    if request.GET.get("person"):
        person = people_visible_to(request.user).filter(
            inmate_number=request.GET["person"].strip().upper()[:64]).first()
    show = request.GET.get("show", "in_force")
    in_force = {"in_force": True, "other": False}.get(show)
    try:
        qs = selectors.custody_note_list(actor=request.user, person=person, in_force=in_force)
    except ServiceError as exc:
        raise as_http(exc) from exc
    if request.GET.get("person") and person is None:
        qs = qs.none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "health/notes.html", {
        "page": page, "count": page.paginator.count, "show": show, "person": request.GET.get("person", ""),
        "may_write": allowed(request.user, "health.custody_note.write"),
        "title": _("Custody notes"), "nav": "custody_notes",
    })


@login_required
def custody_note_create(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "health.custody_note.write", "custody_note")
    form = CustodyNoteForm(request.POST or None, initial={"person": request.GET.get("person", "")[:32]})
    status = 200
    if request.method == "POST":
        person = _person_field(request, form) if form.is_valid() else None
        if person is not None:
            d = form.cleaned_data
            try:
                note = services.custody_note_create(actor=request.user, person=person, text=d["text"],
                                                    kinds=d["kinds"], valid_from=d["valid_from"],
                                                    valid_until=d["valid_until"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Custody note written."))
                if note.housing_problem:  # type: ignore[attr-defined]
                    messages.warning(request, note.housing_problem)  # type: ignore[attr-defined]
                return redirect("people:detail", person.inmate_number)
        else:
            status = 400
    return render(request, "health/note_form.html", {"form": form, "title": _("New custody note"),
                                                     "nav": "custody_notes"}, status=status)


@login_required
def custody_note_close(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        note = selectors.custody_note_get(actor=request.user, note_id=pk)
    except ServiceError as exc:
        raise as_http(exc) from exc
    require_allowed(request, "health.custody_note.write", "custody_note", note.pk)
    form = CloseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.custody_note_close(actor=request.user, note=note, reason=form.cleaned_data["reason"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Custody note closed."))
                return redirect("people:detail", note.person.inmate_number)
        else:
            status = 400
    return render(request, "health/note_close.html", {"form": form, "note": note, "title": _("Close custody note"),
                                                      "nav": "custody_notes"}, status=status)
