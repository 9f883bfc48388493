"""The dashboard, and the small helpers every area's views share.

Views are thin: they call selectors to read and services to write, and turn
service errors into form messages (or a 403/404 page). None of them touches a
model's ``save``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from emerald.accounts.permissions import allowed
from emerald.audit import services as audit
from emerald.core.access import forbid
from emerald.core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from emerald.facilities.selectors import unit_list


class EmeraldForm(forms.Form):
    """Base form: marks required labels, so the "(required)" cue is not colour alone."""

    required_css_class = "required"
    error_css_class = "has-error"

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def set_choices(self, name: str, choices: list[Any]) -> None:
        """Give the choice field ``name`` its choices, known only when the form is made (units, staff, ...)."""
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField), f"{name} is not a choice field"
        field.choices = choices


def deny(request: HttpRequest, action: str, object_type: str = "", object_id: Any = "") -> PermissionDenied:
    """Audit a refused page or action and return the 403 to raise."""
    error = forbid(object_type, object_id)
    audit.record_refusal(actor=request.user, action=action, error=error)
    return PermissionDenied(error.detail)


def require_allowed(request: HttpRequest, action: str, object_type: str = "", object_id: Any = "") -> None:
    if not allowed(request.user, action):
        raise deny(request, action, object_type, object_id)


def as_http(exc: ServiceError) -> Exception:
    """A read refused by a selector, as the matching Django exception (404 page or 403 page)."""
    if isinstance(exc, NotFound):
        return Http404(exc.detail)
    if isinstance(exc, Forbidden):
        return PermissionDenied(exc.detail)
    return exc


def apply_service_error(
    form: forms.Form, exc: ServiceError, field_map: Mapping[str, str] | None = None
) -> None:
    """Show a service refusal on the form: field messages next to their fields, the rest at the top.

    ``field_map`` renames the service's argument names to the form's field names
    (``cell_id`` → ``cell``). A 404 from a service is not a form message: the
    caller must not learn more than "not found", so it becomes the 404 page.
    """
    if isinstance(exc, NotFound):
        raise Http404(exc.detail)
    field_map = field_map or {}
    placed = False
    if isinstance(exc, Invalid) and exc.fields:
        for name, messages in exc.fields.items():
            target = field_map.get(name, name)
            for message in messages:
                if target in form.fields:
                    form.add_error(target, message)
                else:
                    form.add_error(None, message)
                placed = True
    if not placed:
        form.add_error(None, exc.detail)


def is_keep_apart_refusal(exc: ServiceError) -> bool:
    return isinstance(exc, Conflict) and exc.code == "keep_apart"


def error_status(exc: ServiceError | None) -> int:
    """The status of a page re-shown with refused input: 400 for bad input, 403/409 for a refusal."""
    if exc is None:
        return 400
    return exc.status if exc.status in (400, 403, 409) else 400


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The roll of every unit, grouped by facility, with totals."""
    groups: list[dict[str, Any]] = []
    by_facility: dict[int, dict[str, Any]] = {}
    totals = {"capacity": 0, "occupied": 0, "free": 0, "over_certified": 0}
    for unit in unit_list(actor=request.user):
        group = by_facility.get(unit.facility_id)
        if group is None:
            group = {"facility": unit.facility, "units": [],
                     "totals": {"capacity": 0, "occupied": 0, "free": 0, "over_certified": 0}}
            by_facility[unit.facility_id] = group
            groups.append(group)
        group["units"].append(unit)
        for key in totals:
            value = getattr(unit, key)
            group["totals"][key] += value
            totals[key] += value
    return render(request, "core/dashboard.html", {
        "groups": groups, "totals": totals, "title": _("Roll"), "nav": "dashboard",
    })
