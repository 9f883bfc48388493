"""The audit browser: auditors and administrators read the trail and check the hash chain."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from emerald.accounts.permissions import allowed
from emerald.audit import selectors
from emerald.audit import services as audit
from emerald.audit.forms import AuditFilterForm
from emerald.audit.verify import verify_chain
from emerald.core.errors import ServiceError
from emerald.core.views import as_http, require_allowed

PAGE_SIZE = 50


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """Entries newest first, filtered by who, what and when. Others get a 403 page (and an audit entry)."""
    try:
        # Checked before the filters are read, so a refused visit learns nothing about them.
        selectors.audit_list(actor=request.user)
    except ServiceError as exc:
        raise as_http(exc) from exc
    form = AuditFilterForm(request.GET or None)
    filters = {}
    outcome = ""
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            filters = {
                "actor_username": data["actor"].strip(), "action": data["action"].strip(),
                "object_type": data["object_type"].strip(), "object_id": data["object_id"].strip(),
                "since": data["since"], "until": data["until"],
            }
            outcome = data["outcome"]
        else:
            status = 400
    entries = selectors.audit_list(actor=request.user, **filters) if status == 200 else selectors.audit_list(
        actor=request.user).none()
    if outcome:
        entries = entries.filter(outcome=outcome)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.as_seen_by(actor=request.user, entries=list(page.object_list))
    return render(request, "audit/list.html", {
        "form": form, "page": page, "nav": "audit", "title": _("Audit trail"),
        "may_verify": allowed(request.user, "audit.verify"),
    }, status=status)


@login_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Walk the whole hash chain and report the first entry that was changed or removed."""
    require_allowed(request, "audit.verify", "audit", "")
    result = verify_chain()
    audit.record(actor=request.user, action="audit.verify", object_type="audit",
                 changes={"ok": result.ok, "checked": result.checked, "seq": result.seq},
                 summary=f"verified the audit chain: {'intact' if result.ok else result.problem}")
    if result.ok:
        messages.success(request, _("The audit chain is intact: %(n)d entries checked.") % {"n": result.checked})
    else:
        messages.error(request, _("The audit chain is broken at entry %(seq)s: %(problem)s") % {
            "seq": result.seq, "problem": result.problem})
    return redirect("audit:list")
