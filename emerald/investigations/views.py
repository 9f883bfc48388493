"""The investigation pages: the list of the cases the user may know exist, and the case workspace.

For everyone else a case is a 404 page, exactly like a missing one.
"""

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
from emerald.investigations import selectors, services
from emerald.investigations.forms import (
    EvidenceForm,
    IntelligenceForm,
    InvestigationForm,
    LinkForm,
    MemberForm,
    PersonForm,
    StatementForm,
    StatusForm,
    TransferForm,
)
from emerald.investigations.models import Investigation, InvestigationStatus

PAGE_SIZE = 50


def _get(request: HttpRequest, pk: Any) -> Investigation:
    try:
        return selectors.investigation_get(actor=request.user, investigation_id=pk)
    except ServiceError as exc:
        raise as_http(exc) from exc


@login_required
def investigation_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    try:
        qs = selectors.investigation_search(
            actor=request.user, q=request.GET.get("q", "")[:200],
            status=status if status in InvestigationStatus.values else "")
    except ServiceError as exc:
        raise as_http(exc) from exc
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.audit_listing(request.user, page.object_list)
    return render(request, "investigations/list.html", {
        "page": page, "count": page.paginator.count, "q": request.GET.get("q", ""), "status": status,
        "statuses": InvestigationStatus.choices, "may_create": allowed(request.user, "investigation.create"),
        "title": _("Investigations"), "nav": "investigations",
    })


@login_required
def investigation_create(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "investigation.create", "investigation")
    form = InvestigationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = services.investigation_create(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Investigation #%(id)d opened.") % {"id": case.pk})
                if selectors.may_see(request.user, case):
                    return redirect("investigations:detail", case.pk)
                return redirect("investigations:list")
        else:
            status = 400
    return render(request, "investigations/form.html", {"form": form, "title": _("Open an investigation"),
                                                        "nav": "investigations"}, status=status)


def _render(request: HttpRequest, case: Investigation, forms: dict[str, Any] | None = None,
            status: int = 200) -> HttpResponse:
    user = request.user
    forms = forms or {}
    people = list(selectors.people_of(case))
    evidence = list(case.evidence.select_related("collected_by"))
    for item in evidence:
        chain = list(item.holdings.select_related("holder").order_by("from_at", "id"))
        form = forms.get(f"transfer-{item.pk}") or TransferForm(prefix=f"transfer-{item.pk}")
        item.chain, item.transfer_form = chain, form  # type: ignore[attr-defined]
    notes = list(selectors.intelligence_of(actor=user, investigation=case))
    for note in notes:
        note.informant_shown = selectors.informant_display(user, note)  # type: ignore[attr-defined]
    member = selectors.is_member(user, case)
    return render(request, "investigations/detail.html", {
        "case": case, "members": list(selectors.members_of(case)), "people": people,
        "incidents": list(selectors.linked_incidents(actor=user, investigation=case).select_related("unit")),
        "statements": list(case.statements.select_related("person_of_interest", "taken_by")),
        "evidence": evidence, "notes": notes, "is_member": member, "is_lead": selectors.is_lead(user, case),
        "reads_intelligence": selectors.may_read_intelligence(user, case),
        "may_manage": services.may_manage(user, case),
        "status_form": forms.get("status") or StatusForm(prefix="status"),
        "member_form": forms.get("member") or MemberForm(prefix="member"),
        "link_form": forms.get("link") or LinkForm(prefix="link"),
        "person_form": forms.get("person") or PersonForm(prefix="person"),
        "statement_form": forms.get("statement") or StatementForm(prefix="statement", people=people),
        "evidence_form": forms.get("evidence") or EvidenceForm(prefix="evidence"),
        "intel_form": forms.get("intel") or IntelligenceForm(prefix="intel"),
        "title": _("Investigation #%(id)d") % {"id": case.pk}, "nav": "investigations",
    }, status=status)


@login_required
def investigation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case = selectors.investigation_open(actor=request.user, investigation_id=pk)
    except ServiceError as exc:
        raise as_http(exc) from exc
    return _render(request, case)


def _act(request: HttpRequest, case: Investigation, key: str, form: Any, call: Any, done: str) -> HttpResponse:
    if form is not None and not form.is_valid():
        return _render(request, case, {key: form}, status=400)
    try:
        call(form.cleaned_data if form is not None else {})
    except NotFound as exc:
        raise as_http(exc) from exc
    except ServiceError as exc:
        if form is None:
            messages.error(request, exc.detail)
            return _render(request, case, status=error_status(exc))
        apply_service_error(form, exc)
        return _render(request, case, {key: form}, status=error_status(exc))
    messages.success(request, done)
    if not selectors.may_see(request.user, case):
        return redirect("investigations:list")
    return redirect("investigations:detail", case.pk)


@login_required
@require_POST
def investigation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = _get(request, pk)
    u = request.user
    P = request.POST
    if action == "status":
        return _act(request, case, "status", StatusForm(P, prefix="status"),
                    lambda d: services.investigation_set_status(actor=u, investigation=case, **d),
                    _("Status changed."))
    if action == "member":
        return _act(request, case, "member", MemberForm(P, prefix="member"),
                    lambda d: services.member_add(actor=u, investigation=case, **d), _("Member added."))
    if action == "link":
        return _act(request, case, "link", LinkForm(P, prefix="link"),
                    lambda d: services.incident_link(actor=u, investigation=case, **d), _("Incident linked."))
    if action == "person":
        return _act(request, case, "person", PersonForm(P, prefix="person"),
                    lambda d: services.person_add(actor=u, investigation=case, **d), _("Person added."))
    if action == "statement":
        form = StatementForm(P, prefix="statement", people=list(selectors.people_of(case)))
        return _act(request, case, "statement", form,
                    lambda d: services.statement_record(actor=u, investigation=case, **d), _("Statement recorded."))
    if action == "evidence":
        return _act(request, case, "evidence", EvidenceForm(P, prefix="evidence"),
                    lambda d: services.evidence_add(actor=u, investigation=case, **d), _("Evidence logged."))
    if action == "intel":
        return _act(request, case, "intel", IntelligenceForm(P, prefix="intel"),
                    lambda d: services.intelligence_add(actor=u, investigation=case, **d),
                    _("Intelligence recorded."))
    raise Http404


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    case = _get(request, pk)
    membership = case.memberships.filter(pk=member_id).first()
    if membership is None:
        raise Http404
    return _act(request, case, "", None, lambda d: services.member_remove(actor=request.user, membership=membership),
                _("Member removed."))


@login_required
@require_POST
def evidence_transfer(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    case = _get(request, pk)
    item = case.evidence.filter(pk=item_id).first()
    if item is None:
        raise Http404
    form = TransferForm(request.POST, prefix=f"transfer-{item.pk}")
    return _act(request, case, f"transfer-{item.pk}", form,
                lambda d: services.evidence_transfer(actor=request.user, item=item, **d), _("Evidence handed over."))
