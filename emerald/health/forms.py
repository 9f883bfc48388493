"""Forms of the health pages. They shape input only; every rule is the services' (errors come back as form
messages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.accounts.models import Role, User
from emerald.core.views import EmeraldForm
from emerald.health.models import EncounterKind, NoteKind

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _text(label: Any, rows: int = 3, required: bool = True, max_length: int = 20000) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}))


def _date(label: Any, required: bool = False, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class EncounterForm(EmeraldForm):
    person = forms.CharField(label=_("Inmate number"), max_length=32)
    kind = forms.ChoiceField(label=_("Kind"), choices=EncounterKind.choices)
    occurred_at = forms.DateTimeField(
        label=_("Date and time"), input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    clinician = forms.ChoiceField(label=_("Clinician"))
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    notes = _text(_("Notes"), rows=6)
    diagnoses = _text(_("Diagnoses"), required=False)
    procedures = _text(_("Procedures"), required=False)
    medications = _text(_("Medications"), required=False)
    incident_ids = forms.CharField(label=_("Incident numbers"), max_length=200, required=False,
                                   help_text=_("The incident reports of the injury or poisoning treated, "
                                               "separated by commas."))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_choices("clinician", [
            (u.username, u.display_name) for u in User.objects.filter(role=Role.MEDICAL, is_active=True)
            .order_by("last_name", "first_name", "username")])

    def clean_incident_ids(self) -> list[str]:
        raw = self.cleaned_data.get("incident_ids") or ""
        return [part.strip().lstrip("#") for part in raw.replace(";", ",").split(",") if part.strip()]


class AddendumForm(EmeraldForm):
    text = _text(_("Addendum"), rows=4)


class LinkForm(EmeraldForm):
    incident_id = forms.IntegerField(label=_("Incident number"), min_value=1)


class CustodyNoteForm(EmeraldForm):
    person = forms.CharField(label=_("Inmate number"), max_length=32)
    text = forms.CharField(
        label=_("What custody staff must know"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("No diagnosis: officers read this. E.g. \"post-operative: no lifting, bottom bunk\"."))
    kinds = forms.MultipleChoiceField(label=_("Kinds"), choices=NoteKind.choices,
                                      widget=forms.CheckboxSelectMultiple)
    valid_from = _date(_("Valid from"), help_text=_("Empty: today."))
    valid_until = _date(_("Valid until"), help_text=_("The last day it applies. Empty: until closed."))


class CloseForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class BreakGlassForm(EmeraldForm):
    reason = _text(_("Why you must read this medical record now"), rows=3, max_length=2000)
