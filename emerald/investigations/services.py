"""Writes on investigations. Every one first checks that the actor may know the case exists (else 404),
then that they are its lead or a member (or, for status and membership, a warden who sees it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from emerald.accounts.models import Role, User
from emerald.accounts.permissions import allowed, role_of
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, hidden, require
from emerald.core.errors import Conflict, Invalid, field_error
from emerald.core.services import require_text, service
from emerald.incidents.models import Incident, PartyKind
from emerald.incidents.parties import clean_party, resolve_person, resolve_user
from emerald.incidents.selectors import may_see_incident
from emerald.investigations.models import (
    CustodyHolding,
    EvidenceItem,
    InformationCredibility,
    IntelligenceNote,
    InterestRole,
    Investigation,
    InvestigationKind,
    InvestigationStatus,
    LinkedIncident,
    Membership,
    PersonOfInterest,
    SourceReliability,
    Statement,
    StatementStatus,
)
from emerald.investigations.selectors import is_lead, is_member, may_see

TRANSITIONS = {
    InvestigationStatus.OPEN: {InvestigationStatus.SUSPENDED, InvestigationStatus.CLOSED},
    InvestigationStatus.SUSPENDED: {InvestigationStatus.OPEN, InvestigationStatus.CLOSED},
    InvestigationStatus.CLOSED: {InvestigationStatus.OPEN},
}


def _see(actor: Any, case: Investigation) -> None:
    if not may_see(actor, case):
        raise hidden("investigation", case.pk)


def _require_member(actor: Any, case: Investigation) -> None:
    _see(actor, case)
    require(actor, "investigation.work", "investigation", case.pk)
    if not is_member(actor, case):
        raise forbid("investigation", case.pk, _("Only the case's lead and members may add to it."))


def may_manage(actor: Any, case: Investigation) -> bool:
    return allowed(actor, "investigation.manage") and may_see(actor, case) and (
        is_lead(actor, case) or role_of(actor) == Role.WARDEN)


def _require_manager(actor: Any, case: Investigation) -> None:
    _see(actor, case)
    require(actor, "investigation.manage", "investigation", case.pk)
    if not may_manage(actor, case):
        raise forbid("investigation", case.pk, _("Only the case lead or the warden may do this."))


def _lock(case: Investigation) -> Investigation:
    return Investigation.objects.select_for_update().get(pk=case.pk)


def _user_field(value: Any, field: str, errors: dict[str, list[str]], *, required: bool = True) -> User | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("This field is required."))
        return None
    user = resolve_user(value)
    if user is None or not user.is_active:
        errors.setdefault(field, []).append(_("No active staff member with this username."))
        return None
    return user


def _aware(value: Any, field: str, errors: dict[str, list[str]], *, required: bool = False) -> datetime | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("This field is required."))
        return None
    if not isinstance(value, datetime):
        errors.setdefault(field, []).append(_("Give a date and time."))
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > clock.now():
        errors.setdefault(field, []).append(_("The time cannot be in the future."))
    return value


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)


@service("investigation.create")
def investigation_create(
    *, actor: Any, title: str, kind: str, lead: Any, description: str = "", members: list[Any] | None = None,
) -> Investigation:
    """Open a case with its lead investigator (and any first members)."""
    require(actor, "investigation.create", "investigation", "")
    errors: dict[str, list[str]] = {}
    title = " ".join(str(title or "").split())
    if not title:
        errors["title"] = [_("Give the case a title.")]
    elif len(title) > 200:
        errors["title"] = [_("At most 200 characters.")]
    if kind not in InvestigationKind.values:
        errors["kind"] = [_("Choose criminal, administrative, staff misconduct or official misconduct.")]
    lead_user = _user_field(lead, "lead", errors)
    if lead_user is not None and lead_user.role != Role.INVESTIGATOR:
        errors.setdefault("lead", []).append(_("The lead must be an investigator."))
    member_users = []
    for i, raw in enumerate(members or []):
        user = _user_field(raw, f"members.{i}", errors)
        if user is not None:
            if not allowed(user, "investigation.view"):
                errors.setdefault(f"members.{i}", []).append(_("This staff member's role cannot join a case."))
            elif user != lead_user and user not in member_users:
                member_users.append(user)
    _raise(errors)
    assert lead_user is not None  # _raise: a required field left empty is an error
    now = clock.now()
    case = Investigation.objects.create(title=title, kind=kind, lead=lead_user, description=(description or "").strip(),
                                        opened_by=actor, opened_at=now)
    for user in member_users:
        Membership.objects.create(investigation=case, user=user, added_by=actor, added_at=now)
    audit.record(actor=actor, action="investigation.create", object_type="investigation", object_id=case.pk,
                 changes={"kind": kind, "lead": lead_user.username, "members": [u.username for u in member_users]},
                 summary=f"opened investigation #{case.pk} ({kind}), lead {lead_user.username}")
    return case


@service("investigation.status")
def investigation_set_status(*, actor: Any, investigation: Investigation, status: str, reason: str) -> Investigation:
    """Suspend, close or reopen a case, with a reason."""
    _require_manager(actor, investigation)
    case = _lock(investigation)
    reason = require_text(reason, "reason", _("A reason"))
    if status not in InvestigationStatus.values:
        raise field_error("status", _("Choose open, suspended or closed."))
    if status not in TRANSITIONS[InvestigationStatus(case.status)]:
        raise Conflict(_("The case is %(status)s; it cannot become %(to)s.") % {
            "status": case.get_status_display(), "to": InvestigationStatus(status).label},
            code="invalid_transition", extra={"status": case.status})
    before = case.status
    case.status, case.status_reason, case.status_changed_at = status, reason, clock.now()
    case.save(update_fields=["status", "status_reason", "status_changed_at"])
    audit.record(actor=actor, action="investigation.status", object_type="investigation", object_id=case.pk,
                 changes={"status": [before, status], "reason": reason},
                 summary=f"changed investigation #{case.pk} from {before} to {status}")
    return case


@service("investigation.member_add")
def member_add(*, actor: Any, investigation: Investigation, user: Any) -> Membership:
    """Add a staff member to the case's team."""
    _require_manager(actor, investigation)
    case = _lock(investigation)
    errors: dict[str, list[str]] = {}
    member = _user_field(user, "user", errors)
    if member is not None and not allowed(member, "investigation.view"):
        errors["user"] = [_("This staff member's role cannot join a case.")]
    _raise(errors)
    assert member is not None  # _raise: a required field left empty is an error
    if member.pk == case.lead_id or case.memberships.filter(user=member, removed_at__isnull=True).exists():
        raise Conflict(_("%(user)s is already on the case.") % {"user": member.display_name}, code="already_member")
    membership = Membership.objects.create(investigation=case, user=member, added_by=actor, added_at=clock.now())
    audit.record(actor=actor, action="investigation.member_add", object_type="investigation", object_id=case.pk,
                 changes={"user": member.username},
                 summary=f"added {member.username} to investigation #{case.pk}")
    return membership


@service("investigation.member_remove")
def member_remove(*, actor: Any, membership: Membership) -> Membership:
    """Take a member off the case (the membership is closed, not deleted)."""
    case = membership.investigation
    _require_manager(actor, case)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.removed_at is not None:
        raise Conflict(_("This member was already removed."), code="already_removed")
    membership.removed_at, membership.removed_by = clock.now(), actor
    membership.save(update_fields=["removed_at", "removed_by"])
    audit.record(actor=actor, action="investigation.member_remove", object_type="investigation", object_id=case.pk,
                 changes={"user": membership.user.username},
                 summary=f"removed {membership.user.username} from investigation #{case.pk}")
    return membership


@service("investigation.link_incident")
def incident_link(*, actor: Any, investigation: Investigation, incident_id: Any) -> LinkedIncident:
    """Link an incident the actor may see to the case."""
    _require_member(actor, investigation)
    try:
        incident = Incident.objects.get(pk=int(incident_id))
    except (Incident.DoesNotExist, TypeError, ValueError):
        incident = None
    if incident is None or not may_see_incident(actor, incident):
        raise field_error("incident_id", _("No such incident."))
    if LinkedIncident.objects.filter(investigation=investigation, incident=incident).exists():
        raise Conflict(_("This incident is already linked."), code="already_linked")
    link = LinkedIncident.objects.create(investigation=investigation, incident=incident, linked_by=actor,
                                         linked_at=clock.now())
    audit.record(actor=actor, action="investigation.link_incident", object_type="investigation",
                 object_id=investigation.pk, changes={"incident": incident.pk},
                 summary=f"linked incident #{incident.pk} to investigation #{investigation.pk}")
    return link


@service("investigation.person_add")
def person_add(*, actor: Any, investigation: Investigation, role: str, notes: str = "", **party: Any) -> PersonOfInterest:
    """Name a person of interest: in custody, staff, an outside person, or unknown (e.g. "suspect unknown").

    Naming a staff member hides the case from them from now on, even if they are a member.
    """
    _require_member(actor, investigation)
    errors: dict[str, list[str]] = {}
    values = clean_party(party, errors)
    if role not in InterestRole.values:
        errors["role"] = [_("Choose one of the listed roles.")]
    _raise(errors)
    poi = PersonOfInterest.objects.create(investigation=investigation, role=role, notes=(notes or "").strip(),
                                          added_by=actor, added_at=clock.now(), **values)
    audit.record(actor=actor, action="investigation.person_add", object_type="investigation",
                 object_id=investigation.pk, changes={"person_of_interest": poi.pk, "kind": poi.kind, "role": role},
                 summary=f"named {poi.reference} as {role} in investigation #{investigation.pk}")
    return poi


@service("investigation.statement")
def statement_record(
    *, actor: Any, investigation: Investigation, person_of_interest_id: Any, status: str, content: str = "",
    taken_by: Any = None, taken_at: datetime | None = None,
) -> Statement:
    """Record a statement, or that the person declined, or that they know but will not say."""
    _require_member(actor, investigation)
    errors: dict[str, list[str]] = {}
    try:
        poi = investigation.people.get(pk=int(person_of_interest_id))
    except (PersonOfInterest.DoesNotExist, TypeError, ValueError):
        poi = None
        errors["person_of_interest_id"] = [_("Choose a person of interest of this case.")]
    if poi is not None and poi.kind == PartyKind.UNKNOWN:
        errors["person_of_interest_id"] = [_("An unknown person cannot give a statement.")]
    if status not in StatementStatus.values:
        errors["status"] = [_("Choose given, declined, or knows but will not say.")]
    content = (content or "").strip()
    if status == StatementStatus.GIVEN and not content:
        errors["content"] = [_("Write down the statement.")]
    taker = _user_field(taken_by, "taken_by", errors, required=False) or actor
    when = _aware(taken_at, "taken_at", errors) or clock.now()
    _raise(errors)
    assert poi is not None  # _raise: no person of interest is an error
    statement = Statement.objects.create(investigation=investigation, person_of_interest=poi, status=status,
                                         content=content, taken_by=taker, taken_at=when, recorded_by=actor,
                                         recorded_at=clock.now())
    audit.record(actor=actor, action="investigation.statement", object_type="investigation",
                 object_id=investigation.pk, changes={"statement": statement.pk, "status": status},
                 summary=f"recorded a statement ({status}) of {poi.reference} in investigation #{investigation.pk}")
    return statement


@service("investigation.evidence_add")
def evidence_add(
    *, actor: Any, investigation: Investigation, reference: str, description: str, found_where: str = "",
    collected_at: datetime | None = None, collected_by: Any = None, holder: Any = None, storage: str = "",
) -> EvidenceItem:
    """Log an evidence item; its chain of custody starts with its first holder (the collector by default)."""
    _require_member(actor, investigation)
    errors: dict[str, list[str]] = {}
    reference = " ".join(str(reference or "").split())
    if not reference:
        errors["reference"] = [_("Give the item a reference.")]
    elif len(reference) > 40:
        errors["reference"] = [_("At most 40 characters.")]
    elif investigation.evidence.filter(reference=reference).exists():
        errors["reference"] = [_("This reference is already used in this case.")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Describe the item.")]
    collector = _user_field(collected_by, "collected_by", errors, required=False) or actor
    first_holder = _user_field(holder, "holder", errors, required=False) or collector
    when = _aware(collected_at, "collected_at", errors) or clock.now()
    _raise(errors)
    item = EvidenceItem.objects.create(investigation=investigation, reference=reference, description=description,
                                       found_where=" ".join(str(found_where or "").split())[:200],
                                       collected_at=when, collected_by=collector, recorded_by=actor)
    CustodyHolding.objects.create(item=item, holder=first_holder, storage=(storage or "").strip()[:200],
                                  reason="collected", from_at=when, recorded_by=actor)
    audit.record(actor=actor, action="investigation.evidence_add", object_type="investigation",
                 object_id=investigation.pk, changes={"evidence": item.pk, "reference": reference,
                                                     "holder": first_holder.username},
                 summary=f"logged evidence {reference} in investigation #{investigation.pk}, held by "
                 f"{first_holder.username}")
    return item


@service("investigation.evidence_transfer")
def evidence_transfer(*, actor: Any, item: EvidenceItem, holder: Any, reason: str, storage: str = "") -> CustodyHolding:
    """Hand an item to its next holder: closes the current link of the chain and opens the next, at once."""
    case = item.investigation
    _require_member(actor, case)
    errors: dict[str, list[str]] = {}
    new_holder = _user_field(holder, "holder", errors)
    if not (reason or "").strip():
        errors["reason"] = [_("A reason is required.")]
    _raise(errors)
    assert new_holder is not None  # _raise: a required field left empty is an error
    item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    current = item.holdings.filter(to_at__isnull=True).select_related("holder").first()
    if current is not None and current.holder_id == new_holder.pk and current.storage == (storage or "").strip():
        raise field_error("holder", _("%(user)s already holds this item.") % {"user": new_holder.display_name})
    now = clock.now()
    if current is not None:
        CustodyHolding.objects.filter(pk=current.pk).update(to_at=now)
    holding = CustodyHolding.objects.create(item=item, holder=new_holder, storage=(storage or "").strip()[:200],
                                            reason=reason.strip(), from_at=now, recorded_by=actor)
    audit.record(actor=actor, action="investigation.evidence_transfer", object_type="investigation",
                 object_id=case.pk, changes={"evidence": item.pk, "holder": [
                     current.holder.username if current else None, new_holder.username]},
                 summary=f"handed evidence {item.reference} of investigation #{case.pk} from "
                 f"{current.holder.username if current else 'nobody'} to {new_holder.username}")
    return holding


@service("investigation.intelligence_add")
def intelligence_add(
    *, actor: Any, investigation: Investigation, text: str, source_reliability: str, information_credibility: str,
    informant_person: Any = None, informant_name: str = "",
) -> IntelligenceNote:
    """Record graded intelligence (source A–F, information 1–6), with the informant's identity if known:
    only the case lead will see who it is. Investigators on the case only (``intelligence.add``)."""
    _require_member(actor, investigation)
    require(actor, "intelligence.add", "investigation", investigation.pk)
    errors: dict[str, list[str]] = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Write down the information.")]
    if source_reliability not in SourceReliability.values:
        errors["source_reliability"] = [_("Grade the source A to F.")]
    credibility = str(information_credibility or "")
    if credibility not in InformationCredibility.values:
        errors["information_credibility"] = [_("Grade the information 1 to 6.")]
    person = None
    if informant_person not in (None, ""):
        person = resolve_person(informant_person)
        if person is None:
            errors["informant_person"] = [_("No person with this inmate number.")]
    name = " ".join(str(informant_name or "").split())
    if len(name) > 200:
        errors["informant_name"] = [_("At most 200 characters.")]
    _raise(errors)
    note = IntelligenceNote.objects.create(investigation=investigation, text=text,
                                           source_reliability=source_reliability,
                                           information_credibility=credibility, informant_person=person,
                                           informant_name=name, recorded_by=actor, recorded_at=clock.now())
    # The informant is never named in the trail: the auditor is not the case lead.
    audit.record(actor=actor, action="investigation.intelligence_add", object_type="investigation",
                 object_id=investigation.pk, changes={"note": note.pk, "grading": note.grading,
                                                      "protected_source": note.has_informant},
                 summary=f"recorded intelligence ({note.grading}) in investigation #{investigation.pk}")
    return note
