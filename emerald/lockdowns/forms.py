"""Forms of the lockdown pages and the re-housing wizard."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.core.views import EmeraldForm
from emerald.lockdowns.models import ReviewOutcome


def _reason(label: Any = None, rows: int = 2) -> forms.CharField:
    return forms.CharField(label=label or _("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": rows}))


class LockdownForm(EmeraldForm):
    """Choose the whole facility or one unit (``area`` values ``facility:<id>`` / ``unit:<id>``)."""

    area = forms.ChoiceField(label=_("What to lock down"))
    reason = _reason()

    def __init__(self, *args: Any, facilities: list, units: list, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_choices("area", [("", _("Choose the facility or a unit"))] + [
            (f"facility:{f.pk}", _("Whole facility %(code)s") % {"code": f.code}) for f in facilities
        ] + [(f"unit:{u.pk}", f"{u.code} – {u.name}") for u in units])


class LiftForm(EmeraldForm):
    reason = _reason(_("Why is the lockdown lifted?"))


class ReviewForm(EmeraldForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReviewOutcome.choices, widget=forms.RadioSelect)
    note = _reason(_("Note"))


class RehousingForm(EmeraldForm):
    """Step 1 of the wizard: who moves (a unit, or a list of inmate numbers) and the targets, in order."""

    source_unit = forms.TypedChoiceField(label=_("Empty this unit"), coerce=int, required=False, empty_value=None)
    people = forms.CharField(
        label=_("Or move these people"), required=False, max_length=20000,
        help_text=_("Inmate numbers, separated by commas, spaces or new lines."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    target_1 = forms.TypedChoiceField(label=_("First target unit"), coerce=int)
    target_2 = forms.TypedChoiceField(label=_("Second target unit"), coerce=int, required=False, empty_value=None)
    target_3 = forms.TypedChoiceField(label=_("Third target unit"), coerce=int, required=False, empty_value=None)
    reason = _reason()

    def __init__(self, *args: Any, units: list, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [(u.pk, f"{u.code} – {u.name}" + ("" if u.status == "open" else f" ({u.get_status_display()})"))
                   for u in units]
        self.set_choices("source_unit", [("", _("No unit: use the list below")), *choices])
        for name in ("target_1", "target_2", "target_3"):
            self.set_choices(name, [("", _("None")), *choices])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # a form's clean() gives its cleaned_data
        numbers = [n for n in (data.get("people") or "").replace(",", " ").split() if n]
        data["people_numbers"] = numbers
        if bool(data.get("source_unit")) == bool(numbers):
            self.add_error("source_unit", _("Choose a unit to empty or list people, not both."))
        return data

    def target_ids(self) -> list[int]:
        ids = [self.cleaned_data.get(n) for n in ("target_1", "target_2", "target_3")]
        return [i for i in ids if i]


class ReopenForm(EmeraldForm):
    unit = forms.TypedChoiceField(label=_("Closed unit"), coerce=int)
    reason = _reason(_("Why is it reopened?"))

    def __init__(self, *args: Any, units: list, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_choices("unit", [("", _("Choose a unit"))] + [(u.pk, f"{u.code} – {u.name}") for u in units])


class CancelForm(EmeraldForm):
    reason = _reason(_("Why is the run cancelled?"))


class CloseUnitForm(EmeraldForm):
    reason = _reason(_("Why is the unit closed?"))
