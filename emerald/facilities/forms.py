"""Forms of the unit board: closing and reopening a unit, taking a cell out of service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.core.views import EmeraldForm


class ReasonForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if prefix_id:
            # Several of these forms sit on one board: each needs its own ids.
            self.auto_id = f"id_{prefix_id}_%s"


class UnitStatusForm(ReasonForm):
    action = forms.ChoiceField(choices=[("close", "close"), ("reopen", "reopen")], widget=forms.HiddenInput)


class CellServiceForm(ReasonForm):
    in_service = forms.ChoiceField(choices=[("0", "0"), ("1", "1")], widget=forms.HiddenInput)
