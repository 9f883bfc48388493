"""Forms of the investigation workspace (input shape only; the rules are the services')."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.core.views import EmeraldForm
from emerald.incidents.forms import datetime_field
from emerald.incidents.models import PartyKind
from emerald.investigations.models import (
    InformationCredibility,
    InterestRole,
    InvestigationKind,
    InvestigationStatus,
    SourceReliability,
    StatementStatus,
)


class InvestigationForm(EmeraldForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=InvestigationKind.choices)
    lead = forms.CharField(label=_("Lead investigator (username)"), max_length=150)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class StatusForm(EmeraldForm):
    status = forms.ChoiceField(label=_("New status"), choices=InvestigationStatus.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class MemberForm(EmeraldForm):
    user = forms.CharField(label=_("Staff username"), max_length=150)


class LinkForm(EmeraldForm):
    incident_id = forms.IntegerField(label=_("Incident number"), min_value=1)


class PersonForm(EmeraldForm):
    kind = forms.ChoiceField(label=_("Kind of person"), choices=PartyKind.choices)
    role = forms.ChoiceField(label=_("Role"), choices=InterestRole.choices)
    person = forms.CharField(label=_("Inmate number"), max_length=32, required=False)
    staff_user = forms.CharField(label=_("Staff username"), max_length=150, required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    description = forms.CharField(label=_("Position or description"), max_length=300, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StatementForm(EmeraldForm):
    person_of_interest_id = forms.TypedChoiceField(label=_("Person"), coerce=int)
    status = forms.ChoiceField(label=_("Outcome"), choices=StatementStatus.choices)
    content = forms.CharField(label=_("Statement"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    taken_at = datetime_field(_("Taken at"), required=False)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person_of_interest_id"].choices = [(p.pk, f"{p.display_name} ({p.get_role_display()})")
                                                        for p in people if p.kind != PartyKind.UNKNOWN]


class EvidenceForm(EmeraldForm):
    reference = forms.CharField(label=_("Reference"), max_length=40)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}))
    found_where = forms.CharField(label=_("Found where"), max_length=200, required=False)
    storage = forms.CharField(label=_("Storage location"), max_length=200, required=False)


class TransferForm(EmeraldForm):
    holder = forms.CharField(label=_("New holder (username)"), max_length=150)
    storage = forms.CharField(label=_("Storage location"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class IntelligenceForm(EmeraldForm):
    text = forms.CharField(label=_("Information"), widget=forms.Textarea(attrs={"rows": 4}))
    source_reliability = forms.ChoiceField(label=_("Source reliability"), choices=SourceReliability.choices)
    information_credibility = forms.ChoiceField(label=_("Information credibility"),
                                                choices=InformationCredibility.choices)
    informant_person = forms.CharField(label=_("Informant's inmate number"), max_length=32, required=False,
                                       help_text=_("Only the case lead will see who the informant is."))
    informant_name = forms.CharField(label=_("Informant's name"), max_length=200, required=False,
                                     help_text=_("Only the case lead will see who the informant is."))
