"""Forms of the housing pages: move, admit, release, keep-apart orders."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.core.views import EmeraldForm
from emerald.housing.models import KeepApartReason, Scope
from emerald.people.models import ReleaseKind


def _reason_field(label=None) -> forms.CharField:
    return forms.CharField(label=label or _("Reason"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class PlacementForm(EmeraldForm):
    """Choose a unit, then one of its cells; the cell list comes from ``housing.selectors.move_options``.

    ``override_reason`` exists only when the user may override a keep-apart
    order and a move was refused for one, so officers never see it.
    """

    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    cell = forms.TypedChoiceField(label=_("Cell"), coerce=int,
                                  error_messages={"invalid_choice": _("Choose one of the listed cells.")})
    reason = _reason_field()

    def __init__(self, *args: Any, units: list, options: list[dict[str, Any]], show_override: bool = False,
                 show_emergency: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.options = options
        self.set_choices("unit", [("", _("Choose a unit"))] + [
            (u.pk, f"{u.code} – {u.name}" + ("" if u.status == "open" else f" ({u.get_status_display()})"))
            for u in units
        ])
        self.set_choices("cell", [("", _("Choose a cell"))] + [(o["cell"].pk, o["cell"].code) for o in options])
        if show_override:
            self.fields["override_reason"] = forms.CharField(
                label=_("Override reason"), max_length=2000, required=False,
                help_text=_("Only to break a keep-apart order on purpose: say why it is safe. Recorded in the audit trail."),
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        if show_emergency:
            # Only while a lockdown is in force, and only for roles that may move people across it.
            self.fields["emergency"] = forms.BooleanField(
                label=_("Emergency move across the lockdown"), required=False,
                help_text=_("The move is flagged for review by the warden."))
            self.fields["emergency_reason"] = forms.CharField(
                label=_("Emergency reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReleaseForm(EmeraldForm):
    kind = forms.ChoiceField(label=_("Kind of release"), choices=ReleaseKind.choices, initial=ReleaseKind.RELEASED)
    reason = _reason_field()


class NonAssociationForm(EmeraldForm):
    other = forms.CharField(
        label=_("Other person"), max_length=200,
        help_text=_("Inmate number or name. If several people match, enter the inmate number."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "other-suggestions"}),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices, initial=Scope.CELL,
                              help_text=_("Never in the same cell, unit or facility."))
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", _("Choose a reason"))] + list(KeepApartReason.choices))
    comment = forms.CharField(label=_("Comment"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    expires_at = forms.DateTimeField(
        label=_("Expires"), required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("Optional. Local time. Leave empty for an order without expiry."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class CloseOrderForm(EmeraldForm):
    reason = _reason_field(_("Why is the order closed?"))
