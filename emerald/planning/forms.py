"""Forms of the housing-plan pages: a new plan, and the decision on its proposed moves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from emerald.core.views import EmeraldForm
from emerald.planning.engine.instance import Weights
from emerald.planning.services import MAX_WEIGHT

#: The soft criteria a plan weighs, in the order the form shows them.
WEIGHT_LABELS = {
    "move": _("Each person who changes cell"),
    "distance": _("Each step away from the current unit"),
    "course": _("Each step between a student's unit and their course"),
    "rival_cell": _("Each pair of rival group members sharing a cell"),
    "vulnerable_violent": _("A vulnerable person celled with a violent one"),
    "rival_unit": _("Each pair of rival group members in one unit"),
    "group_balance": _("Each pair of members of one group in one unit"),
    "unplaced": _("Each person who cannot be housed"),
}

THINKING_TIMES = (2, 5, 10, 30)


class PlanForm(EmeraldForm):
    """What to plan: the facility, the units whose people are re-housed, arrivals, and the weights."""

    facility = forms.TypedChoiceField(label=_("Facility"), coerce=int)
    units = forms.TypedMultipleChoiceField(
        label=_("Units to re-house"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("The people of these units are planned; everyone else stays where they are."))
    empty = forms.BooleanField(
        label=_("Empty these units"), required=False,
        help_text=_("Everyone in them goes elsewhere in the facility, for example before the units are closed."))
    arrivals = forms.CharField(
        label=_("People to house"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional. Inmate numbers of people not in custody, separated by spaces or commas."))
    time_limit = forms.TypedChoiceField(
        label=_("Thinking time"), coerce=int, initial=5,
        help_text=_("The optimiser improves the plan until then; most plans are ready sooner."))

    def __init__(self, *args: Any, facilities: list, units: list, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_choices("time_limit", [
            (n, ngettext("%(n)d second", "%(n)d seconds", n) % {"n": n}) for n in THINKING_TIMES])
        self.set_choices("facility", [(f.pk, f"{f.code} – {f.name}") for f in facilities])
        if len(facilities) == 1:
            self.fields["facility"].initial = facilities[0].pk
        several = len(facilities) > 1
        self.set_choices("units", [
            (u.pk, f"{u.code} – {u.name}" + (f" ({u.facility.code})" if several else "")
             + ("" if u.status == "open" else f" ({u.get_status_display()})"))
            for u in units
        ])
        defaults = Weights().as_dict()
        for name, label in WEIGHT_LABELS.items():
            self.fields[f"weight_{name}"] = forms.IntegerField(
                label=label, min_value=0, max_value=MAX_WEIGHT, initial=defaults[name], required=False)

    def weight_fields(self) -> list[Any]:
        return [self[f"weight_{name}"] for name in WEIGHT_LABELS]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        numbers = (n.strip().upper() for n in (data.get("arrivals") or "").replace(",", " ").split())
        data["arrival_numbers"] = list(dict.fromkeys(n for n in numbers if n))  # each person once, in order
        if not data.get("units") and not data["arrival_numbers"] and "units" not in self.errors:
            self.add_error("units", _("Choose at least one unit to re-house or list people to house."))
        defaults = Weights().as_dict()
        data["weights"] = {name: data[f"weight_{name}"] for name in WEIGHT_LABELS
                           if data.get(f"weight_{name}") is not None and data[f"weight_{name}"] != defaults[name]}
        return data


ACTIONS = ("accept_selected", "accept_all", "reject_selected", "reject_all")


class DecideForm(EmeraldForm):
    """Accept or reject proposed moves: the chosen ones, or all that are still proposed."""

    items = forms.TypedMultipleChoiceField(label=_("Moves"), coerce=int, required=False)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to reject. When accepting, it is added to the reason of each move."))
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS],
                               error_messages={"required": _("Choose what to do with the moves."),
                                               "invalid_choice": _("Choose what to do with the moves.")})

    def __init__(self, *args: Any, item_ids: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Every item of the plan is a valid choice: one decided meanwhile is the service's 409, not bad input.
        self.set_choices("items", [(i, str(i)) for i in item_ids])

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if "action" in self.errors:
            # The buttons set it; there is no field to show the message next to.
            self.errors.pop("action")
            self.add_error(None, _("Choose what to do with the moves."))
            return data
        action = data.get("action", "")
        if action.endswith("_selected") and not data.get("items") and "items" not in self.errors:
            self.add_error("items", _("Choose at least one move."))
        if action.startswith("reject") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the moves are rejected."))
        return data
