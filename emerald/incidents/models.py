"""Incident reports: what happened, where, to whom, and what Emerald proposed because of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from emerald.facilities.models import Cell, Unit
from emerald.housing.models import NonAssociation, Scope
from emerald.people.models import Person
from emerald.people.visibility import display_label

#: How long a sexual-abuse report must be kept after the report date (PREA §115.89: at least 10 years).
RESTRICTED_RETENTION_YEARS = 10


class IncidentType(models.TextChoices):
    RIOT_DISORDER = "riot_disorder", _("riot or disorder")
    ASSAULT = "assault", _("assault")
    HOMICIDE = "homicide", _("homicide")
    SEXUAL_ASSAULT = "sexual_assault", _("sexual assault")
    POISONING = "poisoning", _("poisoning")
    ESCAPE_ATTEMPT = "escape_attempt", _("escape attempt")
    CONTRABAND = "contraband", _("contraband")
    SELF_HARM = "self_harm", _("self-harm")
    DEATH_IN_CUSTODY = "death_in_custody", _("death in custody")
    FIRE = "fire", _("fire")
    OTHER = "other", _("other")


#: Types whose reports only the sexual-abuse response team may know exist.
RESTRICTED_TYPES = frozenset({IncidentType.SEXUAL_ASSAULT.value})


class Severity(models.TextChoices):
    LOW = "low", _("low")
    MODERATE = "moderate", _("moderate")
    HIGH = "high", _("high")
    CRITICAL = "critical", _("critical")


class IncidentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    UNDER_REVIEW = "under_review", _("under review")
    CLOSED = "closed", _("closed")


class Incident(models.Model):
    """One reported incident. Editable only as a draft; after submission it is corrected by addenda.

    ``retain_until`` is set for sexual-abuse reports (report date + 10 years) and
    states how long the record must be kept. The edit history of drafts (a
    report sent back and corrected) is kept by ``history``.
    """

    type = models.CharField(_("type"), max_length=20, choices=IncidentType.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=14, choices=IncidentStatus.choices, default=IncidentStatus.DRAFT)
    occurred_at = models.DateTimeField(_("occurred at"))
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    cell = models.ForeignKey(Cell, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("cell"))
    location_text = models.CharField(_("location"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    review_started_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    retain_until = models.DateField(_("retain until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.CheckConstraint(condition=Q(type__in=IncidentType.values), name="incident_type_valid"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="incident_severity_valid"),
            models.CheckConstraint(condition=Q(status__in=IncidentStatus.values), name="incident_status_valid"),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(cell__isnull=False) | ~Q(location_text=""),
                name="incident_has_location",
            ),
            models.CheckConstraint(condition=~Q(description=""), name="incident_has_description"),
            models.CheckConstraint(
                condition=~Q(type=IncidentType.SEXUAL_ASSAULT) | Q(retain_until__isnull=False),
                name="incident_restricted_has_retention",
            ),
            models.CheckConstraint(
                condition=Q(status=IncidentStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="incident_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=IncidentStatus.CLOSED) | (Q(closed_at__isnull=False) & Q(closed_by__isnull=False)),
                name="incident_closed_with_who_and_when",
            ),
        ]
        indexes = [models.Index(fields=["type", "status"], name="incident_type_status_idx")]

    def __str__(self) -> str:
        return f"incident #{self.pk}"

    @property
    def restricted(self) -> bool:
        return self.type in RESTRICTED_TYPES

    @property
    def heading(self) -> str:
        return self.title or str(self.get_type_display())

    @property
    def editable(self) -> bool:
        return self.status == IncidentStatus.DRAFT

    @property
    def location_display(self) -> str:
        parts = []
        if self.cell_id:
            parts.append(self.cell.code)
        elif self.unit_id:
            parts.append(self.unit.code)
        if self.location_text:
            parts.append(self.location_text)
        return ", ".join(parts)


class PartyKind(models.TextChoices):
    """Who a person named in a record is: in custody, staff, someone from outside, or not known."""

    IN_CUSTODY = "in_custody", _("person in custody")
    STAFF = "staff", _("staff")
    OUTSIDE = "outside", _("outside person")
    UNKNOWN = "unknown", _("unknown person")


class InvolvementRole(models.TextChoices):
    PARTICIPANT = "participant", _("participant")
    ASSAILANT = "assailant", _("assailant")
    SUSPECT = "suspect", _("suspect")
    VICTIM = "victim", _("victim")
    WITNESS = "witness", _("witness")
    RESPONDING_STAFF = "responding_staff", _("responding staff")


class InjurySeverity(models.TextChoices):
    NONE = "none", _("none")
    MINOR = "minor", _("minor")
    MODERATE = "moderate", _("moderate")
    SERIOUS = "serious", _("serious")
    CRITICAL = "critical", _("critical")
    FATAL = "fatal", _("fatal")


def party_constraints(prefix: str) -> list[models.CheckConstraint]:
    """The identity rules shared by incident involvements and people of interest of an investigation."""
    return [
        models.CheckConstraint(condition=Q(kind__in=PartyKind.values), name=f"{prefix}_kind_valid"),
        models.CheckConstraint(
            condition=(Q(kind=PartyKind.IN_CUSTODY) & Q(person__isnull=False) & Q(staff_user__isnull=True))
            | (Q(kind=PartyKind.STAFF) & Q(person__isnull=True) & (Q(staff_user__isnull=False) | ~Q(name="")))
            | (Q(kind=PartyKind.OUTSIDE) & Q(person__isnull=True) & Q(staff_user__isnull=True) & ~Q(name=""))
            | (Q(kind=PartyKind.UNKNOWN) & Q(person__isnull=True) & Q(staff_user__isnull=True) & Q(name="")),
            name=f"{prefix}_identity_matches_kind",
        ),
    ]


class Party(models.Model):
    """A person named in a record: in custody (``person``), staff (a user, or a name and position for staff
    who have no account, e.g. officers killed), an outside person (name and description), or unknown."""

    kind = models.CharField(_("kind"), max_length=12, choices=PartyKind.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person in custody"))
    staff_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=pgettext_lazy("incident involvement", "staff member"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    description = models.CharField(_("position or description"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def display_name(self) -> str:
        if self.kind == PartyKind.IN_CUSTODY and self.person_id:
            # As the reader of the request may see them (emerald/people/visibility.py).
            return display_label(self.person)
        if self.kind == PartyKind.STAFF and self.staff_user_id:
            return self.staff_user.display_name
        if self.kind == PartyKind.UNKNOWN:
            return str(_("unknown"))
        return self.name

    @property
    def reference(self) -> str:
        """How audit summaries name the party: inmate number, username, or a neutral label."""
        if self.kind == PartyKind.IN_CUSTODY and self.person_id:
            return self.person.inmate_number
        if self.kind == PartyKind.STAFF and self.staff_user_id:
            return f"staff {self.staff_user.username}"
        if self.kind == PartyKind.STAFF:
            return "staff without account"
        if self.kind == PartyKind.OUTSIDE:
            return "an outside person"
        return "an unknown person"


class Involvement(Party):
    """A person involved in an incident, in one role, with their injuries and whether they died.

    A death in custody is applied to the person's record (deceased, placement
    closed) through the housing release service; ``death_recorded_at`` says
    when. A staff or outside person's death is recorded here only.
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="involvements")
    role = models.CharField(_("role"), max_length=20, choices=InvolvementRole.choices)
    injury = models.TextField(_("injuries"), blank=True)
    injury_severity = models.CharField(_("injury severity"), max_length=10, choices=InjurySeverity.choices,
                                       default=InjurySeverity.NONE)
    died = models.BooleanField(_("died"), default=False)
    death_recorded_at = models.DateTimeField(null=True, blank=True)
    death_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            *party_constraints("involvement"),
            models.CheckConstraint(condition=Q(role__in=InvolvementRole.values), name="involvement_role_valid"),
            models.CheckConstraint(condition=Q(injury_severity__in=InjurySeverity.values),
                                   name="involvement_injury_valid"),
            models.UniqueConstraint(fields=["incident", "person", "role"], condition=Q(person__isnull=False),
                                    name="involvement_person_role_once"),
            models.CheckConstraint(condition=Q(death_recorded_at__isnull=True) | Q(died=True),
                                   name="involvement_death_recorded_only_if_died"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.role}) in incident #{self.incident_id}"

    @property
    def death_pending(self) -> bool:
        """A death in custody reported on the incident but not yet applied to the person's record."""
        return self.died and self.kind == PartyKind.IN_CUSTODY and self.death_recorded_at is None


class Addendum(models.Model):
    """A correction or addition to a submitted report: a new row, the report itself is never edited."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(_("text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="addendum_has_text")]

    def __str__(self) -> str:
        return f"addendum #{self.pk} to incident #{self.incident_id}"


class ReturnRequest(models.Model):
    """A reviewer sent the report back to its author as a draft, asking for something."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="return_requests")
    request = models.TextField(_("request"))
    from_status = models.CharField(max_length=14, choices=IncidentStatus.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(request=""), name="return_request_has_text")]

    def __str__(self) -> str:
        return f"return request #{self.pk} of incident #{self.incident_id}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


class KeepApartProposal(models.Model):
    """A keep-apart order Emerald proposes from an incident (a victim and an assailant or suspect).

    Accepting creates (or keeps) a housing order, linked in ``order``; rejecting
    needs a reason. For sexual-abuse reports the order is made at once on
    submission and the proposal is recorded as already accepted.
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="proposals")
    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    suggested_scope = models.CharField(_("suggested scope"), max_length=10, choices=Scope.choices)
    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.PROPOSED)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    order = models.ForeignKey(NonAssociation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"),
            models.CheckConstraint(condition=Q(suggested_scope__in=Scope.values), name="proposal_scope_valid"),
            models.CheckConstraint(condition=~Q(victim=models.F("other")), name="proposal_two_people"),
            models.UniqueConstraint(fields=["incident", "victim", "other"], name="proposal_once_per_pair"),
            models.CheckConstraint(
                condition=(Q(status=ProposalStatus.PROPOSED) & Q(decided_at__isnull=True))
                | (Q(status=ProposalStatus.ACCEPTED) & Q(decided_at__isnull=False) & Q(order__isnull=False))
                | (Q(status=ProposalStatus.REJECTED) & Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="proposal_decision_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"keep-apart proposal #{self.pk} of incident #{self.incident_id}"
