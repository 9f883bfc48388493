"""Forms of the movements pages. Dates and times are entered in local time (the server's time zone)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.core.views import EmeraldForm
from emerald.movements.models import AbsenceKind, CountKind


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _when(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=LocalDateTimeInput(),
                               input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


def _text(label: Any, rows: int = 2, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, max_length=2000, required=required, widget=forms.Textarea(attrs={"rows": rows}))


def _number(label: Any = None) -> forms.CharField:
    return forms.CharField(label=label or _("Inmate number"), max_length=32,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))


class AbsenceForm(EmeraldForm):
    inmate_number = _number()
    kind = forms.ChoiceField(label=_("Kind"), choices=AbsenceKind.choices)
    destination = forms.CharField(label=_("Where to"), max_length=200)
    reason = _text(_("Reason"))
    planned_out_at = _when(_("Planned departure (leave empty: leaving now)"), required=False)
    expected_back_at = _when(_("Expected back"))


class ReasonForm(EmeraldForm):
    reason = _text(_("Reason"))


class NoteForm(EmeraldForm):
    note = _text(_("Note"), required=False)


class RequiredNoteForm(EmeraldForm):
    note = _text(_("Note"))


class TransferForm(EmeraldForm):
    inmate_number = _number()
    to_unit = forms.ChoiceField(label=_("To unit"))
    to_cell = forms.CharField(label=_("To cell (optional: code of a cell in that unit)"), max_length=30,
                              required=False)
    reason = _text(_("Why (the reason is kept with the transfer)"))
    emergency = forms.BooleanField(label=_("Emergency: move now without approval"), required=False)
    emergency_reason = _text(_("Emergency reason"), required=False)

    def __init__(self, *args: Any, units: list, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_choices("to_unit", [("", _("Choose a unit"))] + [
            (str(u.pk), f"{u.facility.code} {u.code} – {u.name}") for u in units])


class ExecuteForm(EmeraldForm):
    override_reason = _text(_("Keep-apart override reason (only if you may override)"), required=False)


class DecideForm(EmeraldForm):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("upheld", _("Upheld: the transfer stands")), ("reversed", _("Reversed: move the person back"))])
    reason = _text(_("Reason"))


class CountStartForm(EmeraldForm):
    facility = forms.ChoiceField(label=_("Facility"))
    kind = forms.ChoiceField(label=_("Kind"), choices=CountKind.choices, widget=forms.RadioSelect,
                             initial=CountKind.SCHEDULED)
    reason = _text(_("Reason (required for an emergency count)"), required=False)

    def __init__(self, *args: Any, facilities: list, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_choices("facility", [(f.code, f"{f.code} – {f.name}") for f in facilities])


class TotalForm(EmeraldForm):
    total = forms.IntegerField(label=_("Unit total (head count)"), min_value=0, max_value=100000, required=False,
                               widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class CrosscheckForm(EmeraldForm):
    total = forms.IntegerField(label=_("Your total (second officer)"), min_value=0, max_value=100000,
                               widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class ScheduleForm(EmeraldForm):
    times = forms.CharField(label=_("Count times (local, comma-separated, e.g. 06:00, 12:00, 18:00, 22:00)"),
                            max_length=200, required=False)


class EscapeForm(EmeraldForm):
    inmate_number = _number()
    last_seen_at = _when(_("Last seen"))
    circumstances = _text(_("Circumstances"), rows=3)


class AttemptForm(EmeraldForm):
    inmate_numbers = forms.CharField(label=_("Inmate numbers (comma-separated)"), max_length=500)
    at = _when(_("When"))
    circumstances = _text(_("Circumstances"), rows=3)


class RecaptureForm(EmeraldForm):
    cell = forms.CharField(label=_("Cell code to re-admit into"), max_length=30)
    at = _when(_("Recaptured at"))
    circumstances = _text(_("Circumstances"), rows=3)
