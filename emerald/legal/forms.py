"""Forms of the legal pages. They shape input only; every rule is the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.core.views import EmeraldForm
from emerald.legal.models import HelperKind, MatterKind, Outcome

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class MatterForm(EmeraldForm):
    person = forms.CharField(label=_("Inmate number"), max_length=32)
    kind = forms.ChoiceField(label=_("Kind"), choices=MatterKind.choices)
    court = forms.CharField(label=_("Court"), max_length=200)
    case_number = forms.CharField(label=_("Case number"), max_length=100, required=False)
    counsel = forms.CharField(label=_("Counsel"), max_length=200, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes (privileged)"), required=False, max_length=20000,
                            widget=forms.Textarea(attrs={"rows": 4}))


class HelperForm(EmeraldForm):
    kind = forms.ChoiceField(label=_("Kind of helper"), choices=HelperKind.choices)
    person = forms.CharField(label=_("Inmate number"), max_length=32, required=False,
                             help_text=_("For a person in custody."))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.CharField(label=_("What they do"), max_length=300, required=False)


class HearingForm(EmeraldForm):
    at = forms.DateTimeField(label=_("Date and time"), input_formats=DATETIME_FORMATS,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    court = forms.CharField(label=_("Court"), max_length=200, required=False, help_text=_("Empty: the matter's court."))
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)


class OutcomeForm(EmeraldForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    decided_on = forms.DateField(label=_("Decided on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ReasonForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000)
