"""Incident pages: the list (with export), the report form, and the report page with its review actions.

A report the user may not know exists is a 404 page, exactly like a missing one.
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
from emerald.core.errors import NotFound, ServiceError
from emerald.core.views import apply_service_error, as_http, error_status, require_allowed
from emerald.incidents import selectors, services
from emerald.incidents.forms import (
    AcceptForm,
    AddendumForm,
    CloseForm,
    IncidentForm,
    InvolvementForm,
    RejectForm,
    RescopeForm,
    ReturnForm,
)
from emerald.incidents.models import Incident, IncidentStatus, IncidentType, ProposalStatus
from emerald.security.exports import csv_download

PAGE_SIZE = 50


def _get(request: HttpRequest, pk: Any) -> Incident:
    try:
        return selectors.incident_get(actor=request.user, incident_id=pk)
    except ServiceError as exc:
        raise as_http(exc) from exc


def _filtered(request: HttpRequest):
    g = request.GET
    type_ = g.get("type", "") if g.get("type", "") in IncidentType.values else ""
    status = g.get("status", "") if g.get("status", "") in IncidentStatus.values else ""
    try:
        return selectors.incident_search(actor=request.user, q=g.get("q", "")[:200], type=type_, status=status)
    except ServiceError as exc:
        raise as_http(exc) from exc


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    qs = _filtered(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.audit_restricted_listing(request.user, page.object_list)
    return render(request, "incidents/list.html", {
        "page": page, "count": page.paginator.count, "types": IncidentType.choices,
        "statuses": IncidentStatus.choices, "q": request.GET.get("q", ""), "type": request.GET.get("type", ""),
        "status": request.GET.get("status", ""), "may_create": allowed(request.user, "incident.create"),
        "may_export": allowed(request.user, "incident.export"), "title": _("Incidents"), "nav": "incidents",
    })


@login_required
def incident_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV: exactly the reports the user may know exist."""
    require_allowed(request, "incident.export", "incident")
    rows = list(_filtered(request)[:10000])
    selectors.audit_restricted_listing(request.user, rows, channel="export")
    response, writer = csv_download("incidents.csv")
    writer.writerow(["id", "type", "severity", "status", "occurred_at", "unit", "cell", "place", "title"])
    for i in rows:
        writer.writerow([i.pk, i.type, i.severity, i.status, timezone.localtime(i.occurred_at).isoformat(),
                         i.unit.code if i.unit_id else "", i.cell.code if i.cell_id else "", i.location_text,
                         i.title])
    return response


@login_required
def incident_create(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "incident.create", "incident")
    form = IncidentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                incident = services.incident_create(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Draft report #%(id)d saved. Add the people involved, then submit it.")
                                 % {"id": incident.pk})
                return redirect("incidents:detail", incident.pk)
        else:
            status = 400
    return render(request, "incidents/form.html", {"form": form, "title": _("New incident report"),
                                                   "nav": "incidents"}, status=status)


@login_required
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _get(request, pk)
    initial = {"type": incident.type, "severity": incident.severity,
               "occurred_at": timezone.localtime(incident.occurred_at), "title": incident.title,
               "unit_id": incident.unit_id, "cell_id": incident.cell_id, "location_text": incident.location_text,
               "description": incident.description}
    form = IncidentForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.incident_update(actor=request.user, incident=incident, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Draft saved."))
                return redirect("incidents:detail", incident.pk)
        else:
            status = 400
    return render(request, "incidents/form.html", {"form": form, "incident": incident,
                                                   "title": _("Change draft report #%(id)d") % {"id": incident.pk},
                                                   "nav": "incidents"}, status=status)


def _render_detail(request: HttpRequest, incident: Incident, forms: dict[str, Any] | None = None,
                   status: int = 200) -> HttpResponse:
    user = request.user
    forms = forms or {}
    proposals = list(selectors.proposals_of(incident))
    for p in proposals:
        p.accept_form = forms.get(f"accept-{p.pk}") or AcceptForm(prefix=f"accept-{p.pk}",
                                                                   initial={"scope": p.suggested_scope})
        p.reject_form = forms.get(f"reject-{p.pk}") or RejectForm(prefix=f"reject-{p.pk}")
        p.rescope_form = forms.get(f"rescope-{p.pk}") or RescopeForm(prefix=f"rescope-{p.pk}")
    is_draft = incident.status == IncidentStatus.DRAFT
    may_edit = is_draft and services.may_edit_draft(user, incident)
    may_review = services.may_review(user, incident)
    may_decide = services.may_review(user, incident, "incident.keep_apart_decide") and allowed(
        user, "non_association.create")
    return render(request, "incidents/detail.html", {
        "incident": incident, "involvements": list(selectors.involvements_of(incident)),
        "addenda": list(incident.addenda.select_related("author")),
        "returns": list(incident.return_requests.select_related("requested_by")),
        "proposals": proposals, "is_draft": is_draft, "may_edit": may_edit,
        "may_submit": may_edit, "may_review": may_review and incident.status == IncidentStatus.SUBMITTED,
        "may_return": may_review and incident.status in (IncidentStatus.SUBMITTED, IncidentStatus.UNDER_REVIEW),
        "may_close": may_review and incident.status == IncidentStatus.UNDER_REVIEW,
        "may_addendum": not is_draft and allowed(user, "incident.create"),
        "may_decide": may_decide, "may_record_death": allowed(user, "person.release"),
        "involvement_form": forms.get("involvement") or InvolvementForm(prefix="inv"),
        "return_form": forms.get("return") or ReturnForm(prefix="ret"),
        "close_form": forms.get("close") or CloseForm(prefix="close"),
        "addendum_form": forms.get("addendum") or AddendumForm(prefix="add"),
        "proposal_statuses": ProposalStatus,
        "title": _("Incident #%(id)d") % {"id": incident.pk}, "nav": "incidents",
    }, status=status)


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = selectors.incident_open(actor=request.user, incident_id=pk)
    except ServiceError as exc:
        raise as_http(exc) from exc
    return _render_detail(request, incident)


def _act(request: HttpRequest, incident: Incident, key: str, form: Any, call: Any, done: str) -> HttpResponse:
    """Run one action from the report page: on success back to the page, else the page with the message."""
    if form is not None and not form.is_valid():
        return _render_detail(request, incident, {key: form}, status=400)
    try:
        call(form.cleaned_data if form is not None else {})
    except NotFound as exc:
        raise as_http(exc) from exc
    except ServiceError as exc:
        if form is not None:
            apply_service_error(form, exc)
            return _render_detail(request, incident, {key: form}, status=error_status(exc))
        messages.error(request, exc.detail)
        return _render_detail(request, incident, status=error_status(exc))
    messages.success(request, done)
    try:
        selectors.incident_get(actor=request.user, incident_id=incident.pk)
    except ServiceError:
        return redirect("incidents:list")
    return redirect("incidents:detail", incident.pk)


@login_required
@require_POST
def incident_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The buttons of the report page: submit, review, return, close, addendum, add a person."""
    incident = _get(request, pk)
    u = request.user
    if action == "submit":
        return _act(request, incident, "", None, lambda d: services.incident_submit(actor=u, incident=incident),
                    _("Report submitted. From now on, correct it with addenda."))
    if action == "review":
        return _act(request, incident, "", None,
                    lambda d: services.incident_start_review(actor=u, incident=incident), _("Review started."))
    if action == "return":
        form = ReturnForm(request.POST, prefix="ret")
        return _act(request, incident, "return", form,
                    lambda d: services.incident_return(actor=u, incident=incident, request=d["request"]),
                    _("Report sent back to its author."))
    if action == "close":
        form = CloseForm(request.POST, prefix="close")
        return _act(request, incident, "close", form,
                    lambda d: services.incident_close(actor=u, incident=incident, outcome=d["outcome"]),
                    _("Report closed."))
    if action == "addendum":
        form = AddendumForm(request.POST, prefix="add")
        return _act(request, incident, "addendum", form,
                    lambda d: services.addendum_add(actor=u, incident=incident, text=d["text"]),
                    _("Addendum added."))
    if action == "involvement":
        form = InvolvementForm(request.POST, prefix="inv")
        return _act(request, incident, "involvement", form,
                    lambda d: services.involvement_add(actor=u, incident=incident, **d), _("Person added."))
    raise Http404


@login_required
@require_POST
def involvement_action(request: HttpRequest, pk: int, involvement_id: int, action: str) -> HttpResponse:
    """Remove a person from a draft, or record a death."""
    incident = _get(request, pk)
    involvement = incident.involvements.filter(pk=involvement_id).first()
    if involvement is None or action not in ("remove", "death"):
        raise Http404
    u = request.user
    if action == "remove":
        return _act(request, incident, "", None,
                    lambda d: services.involvement_remove(actor=u, involvement=involvement), _("Person removed."))
    return _act(request, incident, "", None,
                lambda d: services.incident_record_death(actor=u, involvement=involvement), _("Death recorded."))


@login_required
@require_POST
def proposal_action(request: HttpRequest, pk: int, proposal_id: int, action: str) -> HttpResponse:
    """Accept, reject or rescope a keep-apart proposal."""
    incident = _get(request, pk)
    proposal = incident.proposals.filter(pk=proposal_id).first()
    if proposal is None:
        raise Http404
    u = request.user
    if action == "accept":
        form = AcceptForm(request.POST, prefix=f"accept-{proposal.pk}")
        return _act(request, incident, f"accept-{proposal.pk}", form,
                    lambda d: services.proposal_accept(actor=u, proposal=proposal, scope=d["scope"],
                                                       reason=d["reason"]),
                    _("Keep-apart order in force."))
    if action == "reject":
        form = RejectForm(request.POST, prefix=f"reject-{proposal.pk}")
        return _act(request, incident, f"reject-{proposal.pk}", form,
                    lambda d: services.proposal_reject(actor=u, proposal=proposal, reason=d["reason"]),
                    _("Proposal rejected."))
    if action == "rescope":
        form = RescopeForm(request.POST, prefix=f"rescope-{proposal.pk}")
        return _act(request, incident, f"rescope-{proposal.pk}", form,
                    lambda d: services.proposal_rescope(actor=u, proposal=proposal, scope=d["scope"],
                                                        reason=d["reason"]),
                    _("Keep-apart order changed."))
    raise Http404
