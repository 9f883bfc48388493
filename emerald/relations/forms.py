"""Forms of the relationship and group pages. They shape input only; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.core.views import EmeraldForm
from emerald.housing.models import KeepApartReason, Scope
from emerald.relations.models import (
    Group,
    InformationCredibility,
    MembershipRole,
    RelationshipKind,
    SourceReliability,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RelationshipForm(EmeraldForm):
    other = forms.CharField(label=_("Other person (inmate number)"), max_length=32)
    kind = forms.ChoiceField(label=_("Relationship"), choices=RelationshipKind.choices)
    detail = forms.CharField(label=_("Detail"), max_length=200, required=False,
                             help_text=_('e.g. "brother", "same robbery in 2024"'))
    source = forms.CharField(label=_("Source"), max_length=300,
                             help_text=_("How staff know: self-reported, court records, intelligence..."))
    known_since = forms.DateField(label=_("Known since"), required=False, widget=DateInput())


class ReasonForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class KeepApartForm(EmeraldForm):
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices, initial=Scope.UNIT)
    reason = forms.ChoiceField(label=_("Reason"), choices=KeepApartReason.choices, initial=KeepApartReason.THREAT)
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False)


class GradingFields(EmeraldForm):
    source = forms.CharField(label=_("Source"), max_length=300)
    source_reliability = forms.ChoiceField(label=_("Source reliability"), choices=SourceReliability.choices,
                                           initial="C")
    information_credibility = forms.ChoiceField(label=_("Information credibility"),
                                                choices=InformationCredibility.choices, initial="3")


class MembershipForm(GradingFields):
    person = forms.CharField(label=_("Person (inmate number)"), max_length=32)
    group = forms.ModelChoiceField(label=_("Group"), queryset=Group.objects.order_by("name"))
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER)
    since = forms.DateField(label=_("Since"), required=False, widget=DateInput())

    field_order = ["person", "group", "role", "since", "source", "source_reliability", "information_credibility"]


class LeaderForm(GradingFields):
    person = forms.CharField(label=_("New leader (inmate number)"), max_length=32)
    effective_on = forms.DateField(label=_("Effective on"), required=False, widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["person", "effective_on", "reason", "source", "source_reliability", "information_credibility"]


class GroupForm(EmeraldForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class RivalryForm(EmeraldForm):
    other = forms.ModelChoiceField(label=_("Rival group"), queryset=Group.objects.order_by("name"))
    source = forms.CharField(label=_("Source"), max_length=300)
    since = forms.DateField(label=_("Since"), required=False, widget=DateInput())
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False)
