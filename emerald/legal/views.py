"""Legal pages: matters (privileged), the court hearing schedule (officers too), the matter page."""

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
from emerald.legal import selectors, services
from emerald.legal.forms import HearingForm, HelperForm, MatterForm, OutcomeForm, ReasonForm
from emerald.legal.models import LegalMatter, MatterKind
from emerald.people.selectors import people_visible_to

PAGE_SIZE = 50


def _get(request: HttpRequest, pk: Any) -> LegalMatter:
    try:
        return selectors.matter_get(actor=request.user, matter_id=pk)
    except ServiceError as exc:
        raise as_http(exc) from exc


@login_required
def matter_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "") if request.GET.get("kind", "") in MatterKind.values else ""
    try:
        qs = selectors.matter_search(actor=request.user, kind=kind, q=request.GET.get("q", "")[:200])
    except ServiceError as exc:
        raise as_http(exc) from exc
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "legal/list.html", {
        "page": page, "count": page.paginator.count, "kinds": MatterKind.choices, "kind": kind,
        "q": request.GET.get("q", ""), "may_manage": allowed(request.user, "legal.manage"),
        "title": _("Legal matters"), "nav": "legal",
    })


@login_required
def hearing_list(request: HttpRequest) -> HttpResponse:
    try:
        qs = selectors.hearing_schedule(actor=request.user, upcoming=request.GET.get("all") != "1")
    except ServiceError as exc:
        raise as_http(exc) from exc
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "legal/hearings.html", {
        "page": page, "see_matters": allowed(request.user, "legal.view"), "title": _("Court hearings"),
        "nav": "legal",
    })


@login_required
def matter_create(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "legal.manage", "legal_matter")
    form = MatterForm(request.POST or None, initial={"person": request.GET.get("person", "")[:32]})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = dict(form.cleaned_data)
            person = people_visible_to(request.user).filter(inmate_number=d.pop("person").strip().upper()).first()
            if person is None:
                form.add_error("person", _("No person with this inmate number."))
                status = 400
            else:
                try:
                    matter = services.matter_create(actor=request.user, person=person, **d)
                except ServiceError as exc:
                    if isinstance(exc, NotFound):
                        form.add_error("person", _("You may open legal matters only of people in your units."))
                    else:
                        apply_service_error(form, exc)
                    status = error_status(exc)
                else:
                    messages.success(request, _("Legal matter opened."))
                    return redirect("legal:detail", matter.pk)
        else:
            status = 400
    return render(request, "legal/form.html", {"form": form, "title": _("New legal matter"), "nav": "legal"},
                  status=status)


def _render(request: HttpRequest, matter: LegalMatter, forms: dict[str, Any] | None = None,
            status: int = 200) -> HttpResponse:
    forms = forms or {}
    manage = allowed(request.user, "legal.manage")
    return render(request, "legal/detail.html", {
        "matter": matter, "helpers": list(matter.helpers.select_related("person", "ended_by")),
        "hearings": list(matter.hearings.all()), "may_manage": manage and matter.is_open,
        "helper_form": forms.get("helper") or HelperForm(prefix="helper"),
        "hearing_form": forms.get("hearing") or HearingForm(prefix="hearing"),
        "outcome_form": forms.get("outcome") or OutcomeForm(prefix="outcome"),
        "title": _("Legal matter #%(id)d") % {"id": matter.pk}, "nav": "legal",
    }, status=status)


@login_required
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _get(request, pk))


@login_required
@require_POST
def matter_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    matter = _get(request, pk)
    u, P = request.user, request.POST
    if action == "helper":
        form: Any = HelperForm(P, prefix="helper")

        def call(d: dict[str, Any]) -> Any:
            number = d.pop("person")
            person = services.helper_person(u, number) if number else None
            if number and person is None:
                from emerald.core.errors import field_error

                raise field_error("person", _("No person with this inmate number."))
            return services.helper_add(actor=u, matter=matter, person=person, **d)
        done = _("Helper added.")
    elif action == "hearing":
        form = HearingForm(P, prefix="hearing")

        def call(d: dict[str, Any]) -> Any:
            return services.hearing_schedule(actor=u, matter=matter, **d)
        done = _("Hearing scheduled.")
    elif action == "outcome":
        form = OutcomeForm(P, prefix="outcome")

        def call(d: dict[str, Any]) -> Any:
            return services.matter_outcome(actor=u, matter=matter, **d)
        done = _("Outcome recorded.")
    else:
        raise Http404
    if not form.is_valid():
        return _render(request, matter, {action: form}, status=400)
    try:
        call(dict(form.cleaned_data))
    except NotFound as exc:
        raise as_http(exc) from exc
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _render(request, matter, {action: form}, status=error_status(exc))
    messages.success(request, done)
    return redirect("legal:detail", matter.pk)


@login_required
@require_POST
def item_action(request: HttpRequest, pk: int, kind: str, item_id: int) -> HttpResponse:
    """End a helper's help or cancel a hearing (a reason is required)."""
    matter = _get(request, pk)
    form = ReasonForm(request.POST)
    item = (matter.helpers.filter(pk=item_id).first() if kind == "helper" else
            matter.hearings.filter(pk=item_id).first() if kind == "hearing" else None)
    if item is None:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("legal:detail", matter.pk)
    try:
        if kind == "helper":
            services.helper_end(actor=request.user, helper=item, reason=form.cleaned_data["reason"])
        else:
            services.hearing_cancel(actor=request.user, hearing=item, reason=form.cleaned_data["reason"])
    except NotFound as exc:
        raise as_http(exc) from exc
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Saved."))
    return redirect("legal:detail", matter.pk)
