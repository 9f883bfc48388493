"""Forms of the security pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from emerald.accounts.models import Role
from emerald.core.views import EmeraldForm


class CodeForm(EmeraldForm):
    code = forms.CharField(label=pgettext_lazy("one-time password", "Code"), max_length=32, strip=True,
                           help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                                         "autocapitalize": "none", "spellcheck": "false"}))


class TotpCodeForm(EmeraldForm):
    code = forms.CharField(label=pgettext_lazy("one-time password", "Code"), max_length=32, strip=True,
                           help_text=_("The 6-digit code your authenticator app shows now (not a recovery code)."),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autocapitalize": "none", "spellcheck": "false"}))


class ReasonForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class TokenForm(EmeraldForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. the "
                                                                         "program that uses it."))
    scopes = forms.CharField(label=_("Scopes"), max_length=1000, initial="*:read",
                             help_text=_("Separated by spaces: *, *:read, or AREA:read / AREA:write "
                                         "(e.g. people:read housing:write)."))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)


class RoleForm(EmeraldForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    reason = forms.CharField(label=_("Reason"), max_length=200)
