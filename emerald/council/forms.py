"""Forms of the council page. They shape input only; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.core.views import EmeraldForm
from emerald.council.models import CouncilRole

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AppointForm(EmeraldForm):
    person = forms.CharField(label=_("Person (inmate number)"), max_length=32)
    role = forms.ChoiceField(label=_("Role"), choices=CouncilRole.choices, initial=CouncilRole.MEMBER)
    term_start = forms.DateField(label=_("Term starts"), required=False, widget=DateInput())
    term_end = forms.DateField(label=_("Term ends"), widget=DateInput())


class EndForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class MeetingForm(EmeraldForm):
    held_at = forms.DateTimeField(label=_("Held at"), input_formats=DATETIME_FORMATS,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                             format="%Y-%m-%dT%H:%M"))
    attendees = forms.CharField(label=_("Attendees (inmate numbers)"), max_length=2000,
                                help_text=_("Separated by commas or spaces."))
    staff_present = forms.CharField(label=_("Staff present"), max_length=300, required=False)
    minutes = forms.CharField(label=_("Minutes"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))
    decisions = forms.CharField(label=_("Decisions"), max_length=10000, required=False,
                                widget=forms.Textarea(attrs={"rows": 4}), help_text=_("One per line."))


class RulesForm(EmeraldForm):
    text = forms.CharField(label=_("Rules"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10}))
    summary = forms.CharField(label=_("What changed"), max_length=300, required=False)
    effective_from = forms.DateField(label=_("In effect from"), required=False, widget=DateInput())
