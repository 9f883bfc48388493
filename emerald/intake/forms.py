"""Forms of the intake wizard. They shape input only; the rules are the services' (see emerald.intake.scoring)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from emerald.core.views import EmeraldForm
from emerald.facilities.models import SecurityLevel
from emerald.intake import scoring
from emerald.intake.models import Build
from emerald.people.models import Sex


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class IdentityForm(EmeraldForm):
    """Who has arrived: enough to find them if Emerald knows them, and to create the record if not."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    aliases = forms.CharField(label=_("Also known as"), max_length=500, required=False,
                              help_text=_("Other names, separated by semicolons."))
    inmate_number = forms.CharField(label=_("Inmate number"), max_length=32, required=False,
                                    help_text=_("If the person brings one (a returning person); empty for a new "
                                                "record: Emerald gives the next number."))
    gender_identity = forms.CharField(label=_("Gender identity"), max_length=60, required=False,
                                      help_text=_("Only if the person chose to tell."))

    def alias_list(self) -> list[str]:
        raw = self.cleaned_data.get("aliases") or ""
        return [a.strip() for a in raw.split(";") if a.strip()]


def _points(points: int) -> str:
    return ngettext("%(n)d point", "%(n)d points", points) % {"n": points}


class ClassificationForm(EmeraldForm):
    """One question per factor of the scale; every answer shows its points."""

    override_level = forms.ChoiceField(label=_("Override the level to"), required=False,
                                       choices=[("", "–"), *SecurityLevel.choices])
    override_reason = forms.CharField(label=_("Reason for the override"), required=False, max_length=2000,
                                      widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, may_override: bool = False, age_known: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = {}
        for key, (label, options) in scoring.FACTORS.items():
            if key == "age" and age_known:
                continue  # the date of birth decides it
            fields[key] = forms.ChoiceField(
                label=label, widget=forms.RadioSelect,
                choices=[(k, f"{lbl} — {_points(p)}") for k, lbl, p in options])
        if may_override:
            fields["override_level"] = self.fields["override_level"]
            fields["override_reason"] = self.fields["override_reason"]
        self.fields = fields

    def answers(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if k in scoring.FACTORS and v}


class ScreeningForm(EmeraldForm):
    """The vulnerability screening. The answers are restricted (see docs/intake.md)."""

    first_time = forms.BooleanField(label=_("First time in custody"), required=False)
    build = forms.ChoiceField(label=_("Build"), choices=Build.choices, widget=forms.RadioSelect)
    prior_victimisation = forms.BooleanField(
        label=_("Prior victimisation (sexual or physical), in or out of custody"), required=False)
    lgbti_disclosed = forms.BooleanField(
        label=_("The person disclosed a sexual orientation or gender identity that may put them at risk"),
        required=False, help_text=_("Only what the person chose to tell. Never ask anyone to prove it."))
    mental_health = forms.BooleanField(label=_("Mental-health concern"), required=False)
    staff_concern = forms.CharField(label=_("Staff concern"), required=False, max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("Anything else that makes you think the person is at risk."))


class AdmitForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             help_text=_("Optional: recorded with the admission."))
    override_reason = forms.CharField(label=_("Override reason (keep-apart)"), required=False, max_length=2000)
    confirm_warnings = forms.BooleanField(label=_("I have read the group warnings for this cell"), required=False)


class CancelForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReassessmentForm(ClassificationForm):
    """A reassessment: the classification questions and the screening's, with notes."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        screening = ScreeningForm()
        for name in ("build", "prior_victimisation", "lgbti_disclosed", "mental_health", "staff_concern"):
            self.fields[name] = screening.fields[name]
        self.fields["notes"] = forms.CharField(label=_("Notes"), required=False, max_length=5000,
                                               widget=forms.Textarea(attrs={"rows": 3}))
