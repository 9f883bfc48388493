"""The audit browser's filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.audit.models import Outcome
from emerald.core.views import EmeraldForm


class AuditFilterForm(EmeraldForm):
    actor = forms.CharField(label=_("Staff member (username)"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=80,
                             help_text=_("For example placement.move or person.view."))
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=60,
                                  help_text=_("For example person, unit or non_association."))
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=80,
                                help_text=_("For a person: the inmate number."))
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", _("Any"))] + list(Outcome.choices))
    since = forms.DateTimeField(
        label=_("From"), required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Local time."))
    until = forms.DateTimeField(
        label=_("Until"), required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Local time; entries before this moment."))

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until <= since:
            self.add_error("until", _("The end must be after the start."))
        return cleaned
