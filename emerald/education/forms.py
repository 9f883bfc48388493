"""Forms of the education pages. They shape input only; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from emerald.accounts.models import Role, User
from emerald.core.views import EmeraldForm
from emerald.education.models import AttendanceStatus, CourseKind
from emerald.facilities.models import Unit

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CourseForm(EmeraldForm):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    teacher = forms.ModelChoiceField(label=_("Teacher"), queryset=User.objects.none())
    schedule = forms.CharField(label=_("Schedule"), max_length=200, help_text=_("e.g. Mon/Wed/Fri 09:00–11:00"))
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=500)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())
    unit = forms.ModelChoiceField(label=_("Held in unit"), queryset=Unit.objects.order_by("code"), required=False)
    credential = forms.CharField(label=_("Credential on completion"), max_length=100, required=False,
                                 help_text=_('e.g. "GED"'))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        teacher = self.fields["teacher"]
        assert isinstance(teacher, forms.ModelChoiceField)
        teacher.queryset = User.objects.filter(role=Role.EDUCATOR, is_active=True).order_by(
            "last_name", "username")


class RequestForm(EmeraldForm):
    person = forms.CharField(label=_("Person (inmate number)"), max_length=32)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ReasonForm(EmeraldForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class SessionForm(EmeraldForm):
    starts_at = forms.DateTimeField(label=_("Starts at"), input_formats=DATETIME_FORMATS,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                               format="%Y-%m-%dT%H:%M"))
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)


class AssessmentForm(EmeraldForm):
    taken_on = forms.DateField(label=_("Taken on"), widget=DateInput())
    title = forms.CharField(label=_("Title"), max_length=200)
    score = forms.DecimalField(label=_("Score"), min_value=0, max_digits=6, decimal_places=1)
    max_score = forms.DecimalField(label=_("Out of"), min_value=1, max_digits=6, decimal_places=1, initial=100)


class AttendanceForm(EmeraldForm):
    """One radio group per enrolled student (``status-<enrolment id>``)."""

    def __init__(self, *args: Any, enrolments: list[Any], current: dict[int, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.enrolments = enrolments
        for e in enrolments:
            existing = current.get(e.pk)
            self.fields[f"status-{e.pk}"] = forms.ChoiceField(
                label=f"{e.person.full_name} ({e.person.inmate_number})", choices=AttendanceStatus.choices,
                widget=forms.RadioSelect, initial=existing.status if existing else AttendanceStatus.PRESENT)

    def records(self) -> list[dict[str, Any]]:
        return [{"enrolment_id": e.pk, "status": self.cleaned_data[f"status-{e.pk}"]} for e in self.enrolments]
