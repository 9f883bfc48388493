"""Forms of the discipline pages. They shape input only; every rule is the services' (errors come back as form
messages)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.core.views import EmeraldForm
from emerald.discipline.models import AppealOutcome, Finding, ReviewDecision, SanctionKind

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _when(label):
    return forms.DateTimeField(label=label, input_formats=DATETIME_FORMATS,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))


def _text(label, required=True, rows=3):
    return forms.CharField(label=label, required=required, max_length=5000, widget=forms.Textarea(attrs={"rows": rows}))


class ChargeForm(EmeraldForm):
    person = forms.CharField(label=_("Inmate number"), max_length=32)
    offence = forms.CharField(label=_("Offence"), max_length=200)
    particulars = _text(_("Particulars"), rows=5)
    incident_id = forms.IntegerField(label=_("Incident number"), required=False, min_value=1,
                                     help_text=_("The incident report naming the person, if the charge comes from one."))


class HearingForm(EmeraldForm):
    scheduled_at = _when(_("Hearing at"))
    adjudicator = forms.CharField(label=_("Adjudicator (username)"), max_length=150, required=False,
                                  help_text=_("Empty: you."))
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason for rescheduling"), max_length=2000, required=False)


class FindingForm(EmeraldForm):
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices)
    reason = _text(_("Reasons"))


class SanctionForm(EmeraldForm):
    kind = forms.ChoiceField(label=_("Sanction"), choices=SanctionKind.choices)
    days = forms.IntegerField(label=_("Days"), required=False, min_value=0, max_value=1000)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
    cell_id = forms.IntegerField(label=_("Segregation cell (id)"), required=False, min_value=1,
                                 help_text=_("Empty: the first free segregation cell every housing rule accepts."))
    override_reason = forms.CharField(label=_("Override a keep-apart order because"), max_length=2000, required=False)


class ReasonForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class AppealForm(EmeraldForm):
    grounds = _text(_("Grounds of appeal"))


class DecisionForm(EmeraldForm):
    outcome = forms.ChoiceField(label=_("Decision"), choices=AppealOutcome.choices)
    reason = _text(_("Reasons"))


class CompleteForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason (required before the scheduled end)"), max_length=2000, required=False)
    cell_id = forms.IntegerField(label=_("Return to cell (id)"), required=False, min_value=1,
                                 help_text=_("Empty: the previous cell, or another cell of that unit."))


class ReviewForm(EmeraldForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=ReviewDecision.choices)
    note = forms.CharField(label=_("Note"), max_length=2000)
