"""Forms of the incident pages. They shape input only; every rule is the services' (errors come back as
form messages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from emerald.core.views import EmeraldForm
from emerald.facilities.models import Cell, Unit
from emerald.housing.models import Scope
from emerald.incidents.models import IncidentType, InjurySeverity, InvolvementRole, PartyKind, Severity

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def datetime_field(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))


def _text(label: Any, rows: int = 3, required: bool = True, max_length: int = 5000) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}))


class IncidentForm(EmeraldForm):
    type = forms.ChoiceField(label=_("Type"), choices=IncidentType.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    occurred_at = datetime_field(_("When it happened"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    unit_id = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False, empty_value=None)
    cell_id = forms.TypedChoiceField(label=_("Cell"), coerce=int, required=False, empty_value=None)
    location_text = forms.CharField(label=_("Place"), max_length=200, required=False,
                                    help_text=_("Where, if not a unit or cell (or to be more precise)."))
    description = _text(_("What happened"), rows=8)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_choices("unit_id", [("", "–")] + [
            (u.pk, f"{u.code} – {u.name}") for u in Unit.objects.order_by("code")])
        self.set_choices("cell_id", [("", "–")] + [(c.pk, c.code) for c in Cell.objects.order_by("code")])
        self.fields["type"].help_text = _("Sexual-assault reports are visible only to the response team.")


class InvolvementForm(EmeraldForm):
    kind = forms.ChoiceField(label=_("Kind of person"), choices=PartyKind.choices)
    role = forms.ChoiceField(label=_("Role"), choices=InvolvementRole.choices)
    person = forms.CharField(label=_("Inmate number"), max_length=32, required=False,
                             help_text=_("For a person in custody."))
    staff_user = forms.CharField(label=_("Staff username"), max_length=150, required=False,
                                 help_text=_("For staff with an account."))
    name = forms.CharField(label=_("Name"), max_length=200, required=False,
                           help_text=_("For staff without an account, or an outside person."))
    description = forms.CharField(label=_("Position or description"), max_length=300, required=False)
    injury = forms.CharField(label=_("Injuries"), max_length=2000, required=False)
    injury_severity = forms.ChoiceField(label=_("Injury severity"), choices=InjurySeverity.choices,
                                        initial=InjurySeverity.NONE)
    died = forms.BooleanField(label=_("Died"), required=False)


class ReturnForm(EmeraldForm):
    request = _text(_("Request to the author"))


class CloseForm(EmeraldForm):
    outcome = _text(_("Outcome"), required=False)


class AddendumForm(EmeraldForm):
    text = _text(_("Addendum"), rows=4)


class AcceptForm(EmeraldForm):
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices)
    reason = forms.CharField(label=pgettext_lazy("incident review", "Comment"), max_length=2000, required=False)


class RejectForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason for rejecting"), max_length=2000)


class RescopeForm(EmeraldForm):
    scope = forms.ChoiceField(label=_("New scope"), choices=Scope.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000)
