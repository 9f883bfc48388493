"""Investigations: restricted cases with their members, people of interest, statements, evidence and intelligence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from emerald.incidents.models import Incident, Party, party_constraints
from emerald.people.models import Person


class InvestigationKind(models.TextChoices):
    CRIMINAL = "criminal", _("criminal")
    ADMINISTRATIVE = "administrative", _("administrative")
    STAFF_MISCONDUCT = "staff_misconduct", _("staff misconduct")
    OFFICIAL_MISCONDUCT = "official_misconduct", _("official misconduct")


class InvestigationStatus(models.TextChoices):
    OPEN = "open", _("open")
    SUSPENDED = "suspended", pgettext_lazy("investigation", "suspended")
    CLOSED = "closed", _("closed")


class Investigation(models.Model):
    """A case. Only its lead and members may know it exists (a warden too, unless the case names the warden);
    a staff member named as a person of interest never sees it, even as a member."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=InvestigationKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=InvestigationStatus.choices,
                              default=InvestigationStatus.OPEN)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("lead investigator"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)
    incidents = models.ManyToManyField(Incident, through="LinkedIncident", related_name="+")

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("investigation")
        verbose_name_plural = _("investigations")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InvestigationKind.values), name="investigation_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=InvestigationStatus.values),
                                   name="investigation_status_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="investigation_has_title"),
        ]

    def __str__(self) -> str:
        return f"investigation #{self.pk}"


class Membership(models.Model):
    """A member of a case's team from ``added_at`` until ``removed_at``."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["investigation", "user"], condition=Q(removed_at__isnull=True),
                                    name="one_open_membership"),
            models.CheckConstraint(condition=Q(removed_at__isnull=True) | Q(removed_at__gte=F("added_at")),
                                   name="membership_removed_after_added"),
        ]

    def __str__(self) -> str:
        return f"member {self.user_id} of investigation #{self.investigation_id}"


class LinkedIncident(models.Model):
    """An incident the case looks into."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="incident_links")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["investigation", "incident"], name="incident_linked_once")]

    def __str__(self) -> str:
        return f"incident #{self.incident_id} in investigation #{self.investigation_id}"


class InterestRole(models.TextChoices):
    SUBJECT = "subject", _("subject")
    SUSPECT = "suspect", _("suspect")
    WITNESS = "witness", _("witness")
    VICTIM = "victim", _("victim")
    INFORMANT = "informant", _("informant")
    OTHER = "other", _("other")


class PersonOfInterest(Party):
    """Someone the case names: in custody, staff (a user, or a name), an outside person, or unknown."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="people")
    role = models.CharField(_("role"), max_length=12, choices=InterestRole.choices)
    notes = models.TextField(_("notes"), blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("person of interest")
        verbose_name_plural = _("people of interest")
        constraints = [
            *party_constraints("interest"),
            models.CheckConstraint(condition=Q(role__in=InterestRole.values), name="interest_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.role}) in investigation #{self.investigation_id}"


class StatementStatus(models.TextChoices):
    GIVEN = "given", _("statement given")
    DECLINED = "declined", _("declined to give a statement")
    KNOWS_BUT_WILL_NOT_SAY = "knows_but_will_not_say", _("knows but will not say")


class Statement(models.Model):
    """What a person of interest said, or that they declined, or that they know but will not say."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="statements")
    person_of_interest = models.ForeignKey(PersonOfInterest, on_delete=models.PROTECT, related_name="statements")
    status = models.CharField(_("status"), max_length=24, choices=StatementStatus.choices)
    content = models.TextField(_("content"), blank=True)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("taken by"))
    taken_at = models.DateTimeField(_("taken at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["taken_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=StatementStatus.values), name="statement_status_valid"),
            models.CheckConstraint(condition=~Q(status=StatementStatus.GIVEN) | ~Q(content=""),
                                   name="statement_given_has_content"),
        ]

    def __str__(self) -> str:
        return f"statement #{self.pk} ({self.status})"


class EvidenceItem(models.Model):
    """A physical or digital item kept as evidence; who held it when is its chain of custody."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="evidence")
    reference = models.CharField(_("reference"), max_length=40)
    description = models.TextField(_("description"))
    found_where = models.CharField(_("found where"), max_length=200, blank=True)
    collected_at = models.DateTimeField(_("collected at"))
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("collected by"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["reference", "id"]
        constraints = [
            models.UniqueConstraint(fields=["investigation", "reference"], name="evidence_reference_unique"),
            models.CheckConstraint(condition=~Q(description=""), name="evidence_has_description"),
        ]

    def __str__(self) -> str:
        return f"evidence {self.reference}"


class CustodyHolding(models.Model):
    """One link of an item's chain of custody: ``holder`` had it from ``from_at`` until ``to_at`` (open: now)."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="holdings")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("holder"))
    storage = models.CharField(_("storage location"), max_length=200, blank=True)
    reason = models.TextField(_("reason"))
    from_at = models.DateTimeField()
    to_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["from_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item"], condition=Q(to_at__isnull=True), name="one_current_holding"),
            models.CheckConstraint(condition=Q(to_at__isnull=True) | Q(to_at__gte=F("from_at")),
                                   name="holding_ends_after_start"),
            models.CheckConstraint(condition=~Q(reason=""), name="holding_has_reason"),
        ]

    def __str__(self) -> str:
        return f"holding #{self.pk} of evidence #{self.item_id}"


class SourceReliability(models.TextChoices):
    """Admiralty grading of the source."""

    A = "A", _("A – completely reliable")
    B = "B", _("B – usually reliable")
    C = "C", _("C – fairly reliable")
    D = "D", _("D – not usually reliable")
    E = "E", _("E – unreliable")
    F = "F", _("F – reliability cannot be judged")


class InformationCredibility(models.TextChoices):
    """Admiralty grading of the information itself."""

    C1 = "1", _("1 – confirmed by other sources")
    C2 = "2", _("2 – probably true")
    C3 = "3", _("3 – possibly true")
    C4 = "4", _("4 – doubtful")
    C5 = "5", _("5 – improbable")
    C6 = "6", _("6 – truth cannot be judged")


class IntelligenceNote(models.Model):
    """A piece of intelligence, graded (source A–F, information 1–6).

    Only the case's members read notes; the informant's identity (``informant_*``)
    only the case lead. Everyone else sees "protected source".
    """

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="intelligence")
    text = models.TextField(_("information"))
    source_reliability = models.CharField(_("source reliability"), max_length=1, choices=SourceReliability.choices)
    information_credibility = models.CharField(_("information credibility"), max_length=1,
                                               choices=InformationCredibility.choices)
    informant_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("informant (person in custody)"))
    informant_name = models.CharField(_("informant"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(source_reliability__in=SourceReliability.values),
                                   name="intel_reliability_valid"),
            models.CheckConstraint(condition=Q(information_credibility__in=InformationCredibility.values),
                                   name="intel_credibility_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="intel_has_text"),
        ]

    def __str__(self) -> str:
        return f"intelligence #{self.pk} ({self.grading})"

    @property
    def grading(self) -> str:
        return f"{self.source_reliability}{self.information_credibility}"

    @property
    def has_informant(self) -> bool:
        return bool(self.informant_person_id or self.informant_name)
