"""Pages of relationships and security threat groups: the group list and group page (members per unit,
rivalries, leadership history), and the forms that record and end relationships and memberships."""

from __future__ import annotations

from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from emerald.accounts.permissions import allowed
from emerald.core.errors import ServiceError
from emerald.core.views import apply_service_error, as_http, error_status, require_allowed
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to, person_get
from emerald.relations import selectors, services
from emerald.relations.forms import (
    GroupForm,
    KeepApartForm,
    LeaderForm,
    MembershipForm,
    ReasonForm,
    RelationshipForm,
    RivalryForm,
)
from emerald.relations.models import Group


def _call(fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except ServiceError as exc:
        raise as_http(exc) from exc


def _person(request: HttpRequest, number: str) -> Person:
    return _call(person_get, actor=request.user, inmate_number=number)


def _other(request: HttpRequest, form: djforms.Form, field: str) -> Person | None:
    number = (form.cleaned_data.get(field) or "").strip().upper()
    person = people_visible_to(request.user).filter(inmate_number=number).first()
    if person is None:
        form.add_error(field, _("No person with inmate number %(n)s.") % {"n": number})
    return person


@login_required
def groups(request: HttpRequest) -> HttpResponse:
    """Every group with its leader and members in custody, and the rivalries."""
    rows = []
    for g in _call(selectors.group_list, actor=request.user):
        members = selectors.group_members(g, actor=request.user)
        rows.append({"group": g, "members": len(members),
                     "leader": next((m for m in members if m.role == "leader"), None),
                     "rivals": [r.other_group for r in selectors.group_rivalries(g)]})  # type: ignore[attr-defined]
    may_manage = allowed(request.user, "group.manage")
    form = GroupForm(request.POST or None) if may_manage else None
    status = 200
    if request.method == "POST":
        require_allowed(request, "group.manage", "group")
        assert form is not None
        if form.is_valid():
            try:
                g = services.group_create(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Group %(name)s recorded.") % {"name": g.name})
                return redirect("relations:group", g.pk)
        else:
            status = 400
    return render(request, "relations/groups.html", {
        "rows": rows, "form": form, "title": _("Security threat groups"), "nav": "groups",
    }, status=status)


def _group_page(request: HttpRequest, group: Group, forms: dict[str, Any] | None = None,
                status: int = 200) -> HttpResponse:
    user = request.user
    forms = forms or {}
    member_form = forms.get("member") or MembershipForm(initial={"group": group.pk})
    member_form.fields["group"].widget = djforms.HiddenInput()
    return render(request, "relations/group.html", {
        "group": group, "by_unit": selectors.members_by_unit(group, actor=user),
        "rivalries": selectors.group_rivalries(group, include_ended=True),
        "history": list(selectors.leadership_history(group)),
        "past": [m for m in selectors.group_members(group, include_ended=True, actor=user) if m.ended_at is not None],
        "may_record": allowed(user, "membership.record"), "may_end": allowed(user, "membership.end"),
        "may_lead": allowed(user, "group.leadership_change"), "may_manage": allowed(user, "group.manage"),
        "member_form": member_form, "leader_form": forms.get("leader") or LeaderForm(),
        "rivalry_form": forms.get("rivalry") or RivalryForm(),
        "title": group.name, "nav": "groups",
    }, status=status)


@login_required
def group(request: HttpRequest, pk: int) -> HttpResponse:
    return _group_page(request, _call(selectors.group_get, actor=request.user, group_id=pk))


@login_required
@require_POST
def group_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Record a member (``member``), a leadership change (``leader``) or a rivalry (``rivalry``)."""
    g = _call(selectors.group_get, actor=request.user, group_id=pk)
    user = request.user
    if action == "member":
        form: Any = MembershipForm(request.POST)
        if form.is_valid() and (person := _other(request, form, "person")) is not None:
            d = form.cleaned_data
            try:
                services.membership_create(actor=user, person=person, group=g, role=d["role"], source=d["source"],
                                           source_reliability=d["source_reliability"],
                                           information_credibility=d["information_credibility"], since=d["since"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                return _group_page(request, g, {"member": form}, error_status(exc))
            messages.success(request, _("Membership recorded."))
            return redirect("relations:group", g.pk)
        return _group_page(request, g, {"member": form}, 400)
    if action == "leader":
        form = LeaderForm(request.POST)
        if form.is_valid() and (person := _other(request, form, "person")) is not None:
            d = form.cleaned_data
            try:
                services.leadership_change(actor=user, group=g, new_leader=person, reason=d["reason"],
                                           source=d["source"], source_reliability=d["source_reliability"],
                                           information_credibility=d["information_credibility"],
                                           effective_on=d["effective_on"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                return _group_page(request, g, {"leader": form}, error_status(exc))
            messages.success(request, _("Leadership change recorded."))
            return redirect("relations:group", g.pk)
        return _group_page(request, g, {"leader": form}, 400)
    if action == "rivalry":
        form = RivalryForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.rivalry_create(actor=user, group_a=g, group_b=d["other"], source=d["source"],
                                        since=d["since"], comment=d["comment"])
            except ServiceError as exc:
                apply_service_error(form, exc, {"group_b": "other"})
                return _group_page(request, g, {"rivalry": form}, error_status(exc))
            messages.success(request, _("Rivalry recorded."))
            return redirect("relations:group", g.pk)
        return _group_page(request, g, {"rivalry": form}, 400)
    raise Http404(_("Not found."))


def _next(request: HttpRequest, default: str) -> str:
    target = request.GET.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return target if target and ok else default


def _reason_page(request: HttpRequest, *, title: str, what: str, back: str, run: Any, done: str) -> HttpResponse:
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                run(form.cleaned_data["reason"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, done)
                return redirect(back)
        else:
            status = 400
    return render(request, "relations/reason.html", {"form": form, "title": title, "what": what, "back": back,
                                                     "nav": "groups"}, status=status)


@login_required
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    m = _call(selectors.membership_get, actor=request.user, membership_id=pk)
    require_allowed(request, "membership.end", "membership", m.pk)
    return _reason_page(
        request, title=_("End a membership"), back=_next(request, reverse("relations:group", args=[m.group_id])),
        what=_("%(name)s, %(role)s of %(group)s") % {"name": m.person.full_name, "role": m.get_role_display(),
                                                      "group": m.group.name},
        run=lambda reason: services.membership_end(actor=request.user, membership=m, reason=reason),
        done=_("Membership ended."))


@login_required
def rivalry_end(request: HttpRequest, pk: int) -> HttpResponse:
    r = _call(selectors.rivalry_get, actor=request.user, rivalry_id=pk)
    require_allowed(request, "group.manage", "rivalry", r.pk)
    return _reason_page(
        request, title=_("End a rivalry"), back=reverse("relations:group", args=[r.group_a_id]),
        what=f"{r.group_a.name} – {r.group_b.name}",
        run=lambda reason: services.rivalry_end(actor=request.user, rivalry=r, reason=reason),
        done=_("Rivalry ended."))


@login_required
def relationship_new(request: HttpRequest, number: str) -> HttpResponse:
    person = _person(request, number)
    require_allowed(request, "relationship.create", "relationship")
    form = RelationshipForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and (other := _other(request, form, "other")) is not None:
            d = form.cleaned_data
            try:
                services.relationship_create(actor=request.user, person_a=person, person_b=other, kind=d["kind"],
                                             source=d["source"], known_since=d["known_since"], detail=d["detail"])
            except ServiceError as exc:
                apply_service_error(form, exc, {"person_b": "other"})
                status = error_status(exc)
            else:
                messages.success(request, _("Relationship recorded."))
                return redirect("people:detail", person.inmate_number)
        else:
            status = 400
    return render(request, "relations/form.html", {
        "form": form, "person": person, "title": _("Record a relationship of %(name)s") % {"name": person.full_name},
        "submit": _("Record relationship"), "nav": "groups",
    }, status=status)


@login_required
def membership_new(request: HttpRequest, number: str) -> HttpResponse:
    person = _person(request, number)
    require_allowed(request, "membership.record", "membership")
    form = MembershipForm(request.POST or None, initial={"person": person.inmate_number})
    form.fields["person"].widget = djforms.HiddenInput()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.membership_create(actor=request.user, person=person, group=d["group"], role=d["role"],
                                           source=d["source"], source_reliability=d["source_reliability"],
                                           information_credibility=d["information_credibility"], since=d["since"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Membership recorded."))
                return redirect("people:detail", person.inmate_number)
        else:
            status = 400
    return render(request, "relations/form.html", {
        "form": form, "person": person, "title": _("Record a group membership of %(name)s") % {
            "name": person.full_name}, "submit": _("Record membership"), "nav": "groups",
    }, status=status)


@login_required
def relationship_end(request: HttpRequest, pk: int) -> HttpResponse:
    rel = _call(selectors.relationship_get, actor=request.user, relationship_id=pk)
    require_allowed(request, "relationship.end", "relationship", rel.pk)
    return _reason_page(
        request, title=_("End a relationship"),
        back=_next(request, reverse("people:detail", args=[rel.person_a.inmate_number])),
        what=f"{rel.person_a.full_name} – {rel.person_b.full_name} ({rel.get_kind_display()})",
        run=lambda reason: services.relationship_end(actor=request.user, relationship=rel, reason=reason),
        done=_("Relationship ended."))


@login_required
def relationship_keep_apart(request: HttpRequest, pk: int) -> HttpResponse:
    """One step from an enemy relationship to a keep-apart order."""
    rel = _call(selectors.relationship_get, actor=request.user, relationship_id=pk)
    require_allowed(request, "non_association.create", "non_association")
    form = KeepApartForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                order = services.relationship_keep_apart(actor=request.user, relationship=rel, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Keep-apart order #%(id)d made.") % {"id": order.pk})
                where = getattr(order, "currently_violated_where", "")
                if where:
                    messages.warning(request, _("They are together now in %(where)s: move one of them.")
                                     % {"where": where})
                return redirect("people:detail", rel.person_a.inmate_number)
        else:
            status = 400
    return render(request, "relations/keep_apart.html", {
        "form": form, "rel": rel, "title": _("Keep enemies apart"), "nav": "groups",
    }, status=status)
