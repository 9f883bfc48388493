"""Finding a person and reading their record."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from emerald.accounts.permissions import allowed
from emerald.core.errors import ServiceError
from emerald.core.views import as_http
from emerald.housing import selectors as housing
from emerald.housing.models import Placement
from emerald.people import selectors
from emerald.people.models import PersonStatus

PAGE_SIZE = 50


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """People by number, name or alias; accents and apostrophes do not matter (O’Reily finds O'Reilly)."""
    q = request.GET.get("q", "").strip()[:200]
    see_cells = allowed(request.user, "placement.view")
    results = selectors.person_search(actor=request.user, q=q).prefetch_related("aliases")
    if see_cells:
        results = results.prefetch_related(Prefetch(
            "placements", queryset=Placement.objects.filter(end_at__isnull=True).select_related("cell", "unit"),
            to_attr="open_placements"))
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/search.html", {
        "q": q, "page": page, "see_cells": see_cells, "title": _("Search people"),
    })


@login_required
def detail(request: HttpRequest, inmate_number: str) -> HttpResponse:
    """A person's record: identity, where they are, their housing history and keep-apart orders."""
    user = request.user
    try:
        person = selectors.person_open_record(actor=user, inmate_number=inmate_number)
    except ServiceError as exc:
        raise as_http(exc) from exc
    see_placements = allowed(user, "placement.view")
    see_orders = allowed(user, "non_association.view")
    history = (list(housing.placement_history(actor=user, person=person).select_related("bed"))
               if see_placements else [])
    # The open placement is in the history already: no second query for it.
    current = next((p for p in history if p.end_at is None), None)
    orders = list(housing.non_association_list(actor=user, person=person)) if see_orders else []
    for order in orders:
        order.other_person = order.other(person.pk)  # type: ignore[attr-defined]
    in_custody = person.status == PersonStatus.IN_CUSTODY
    return render(request, "people/detail.html", {
        "person": person, "aliases": list(person.aliases.all()), "current": current, "history": history,
        "orders": orders, "see_placements": see_placements, "see_orders": see_orders,
        "in_custody": in_custody,
        "may_move": in_custody and allowed(user, "placement.move"),
        "may_release": in_custody and allowed(user, "person.release"),
        "may_admit": person.status not in (PersonStatus.IN_CUSTODY, PersonStatus.DECEASED)
        and allowed(user, "person.admit"),
        "may_add_order": allowed(user, "non_association.create"),
        "may_close_order": allowed(user, "non_association.close"),
        "title": f"{person.full_name} ({person.inmate_number})",
    })
