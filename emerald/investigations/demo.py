"""Demo data for investigations: the riot case naming Governor Devlin (chapter 1), the unknown attacker with
Alvarez's silence (chapter 3), the poisoning (chapter 5) and the escape plot Said refused (chapter 6).

Run each after the matching ``emerald.incidents.demo`` chapter (the cases link those incidents).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.incidents import demo as incident_demo
from emerald.incidents import services as inc
from emerald.incidents.models import Incident
from emerald.investigations import services as svc
from emerald.investigations.models import Investigation

LOCAL = ZoneInfo("America/New_York")


def _at(y: int, m: int, d: int, h: int, mi: int = 0):
    return clock.frozen_at(datetime(y, m, d, h, mi, tzinfo=LOCAL))


def load_chapter_1(ctx: Any) -> Investigation:
    """2025-07-16: the special unit opens "Emerald City riot", which names Governor James Devlin."""
    people, staff = ctx.people, ctx.staff
    lead = staff["investigator"]
    riot = incident_demo.riot_incident()
    with _at(2025, 7, 16, 9, 0):
        if riot is not None and riot.status == "submitted":
            inc.incident_start_review(actor=staff["glynn"], incident=riot)
        case = svc.investigation_create(
            actor=lead, title="Emerald City riot", kind="official_misconduct", lead=lead.username,
            description=("Causes of the riot of 14 July 2025 in Emerald City, and whether the governor's office "
                         "interfered with the response."))
    with _at(2025, 7, 16, 9, 30):
        if riot is not None:
            svc.incident_link(actor=lead, investigation=case, incident_id=riot.pk)
        svc.person_add(actor=lead, investigation=case, kind="outside", role="subject",
                       name="Governor James Devlin", description="state governor",
                       notes="Alleged to have delayed the tactical team's entry for political reasons.")
        svc.person_add(actor=lead, investigation=case, kind="in_custody", role="suspect",
                       person=people["adebisi"].inmate_number)
        svc.person_add(actor=lead, investigation=case, kind="in_custody", role="suspect",
                       person=people["schillinger"].inmate_number)
        said = svc.person_add(actor=lead, investigation=case, kind="in_custody", role="witness",
                              person=people["said"].inmate_number)
        svc.person_add(actor=lead, investigation=case, kind="staff", role="witness",
                       staff_user=staff["mcmanus"].username)
    with _at(2025, 7, 16, 14, 0):
        svc.statement_record(actor=lead, investigation=case, person_of_interest_id=said.pk, status="given",
                             content=("I spoke for the men because somebody had to. The unit was told help would "
                                      "come at eleven; it came at one."))
        item = svc.evidence_add(actor=lead, investigation=case, reference="ECR-1",
                                description="Control-room video recording, 14 July 2025, 21:30-02:00",
                                found_where="Emerald City control station", storage="evidence locker 2")
    with _at(2025, 7, 17, 10, 0):
        svc.evidence_transfer(actor=lead, item=item, holder=staff["admin"].username,
                              reason="copy for the state police", storage="IT room safe")
    with _at(2025, 7, 17, 16, 0):
        svc.evidence_transfer(actor=lead, item=item, holder=lead.username, reason="copy made; returned",
                              storage="evidence locker 2")
        svc.intelligence_add(actor=lead, investigation=case, source_reliability="C", information_credibility="3",
                             text=("A caller from the governor's office asked the warden to hold the tactical "
                                   "team until after the evening news."),
                             informant_name="a member of the governor's staff")
    return case


def load_chapter_3(ctx: Any) -> Investigation:
    """The unknown attacker: an unknown suspect, Alvarez knows but will not say, graded intelligence."""
    people, staff = ctx.people, ctx.staff
    lead = staff["investigator"]
    report = Incident.objects.filter(type="sexual_assault", occurred_at=incident_demo.DAUGHTER_AT).first()
    with _at(2026, 6, 15, 10, 0):
        case = svc.investigation_create(actor=lead, title="Attack on the warden's daughter", kind="criminal",
                                        lead=lead.username)
        if report is not None:
            svc.incident_link(actor=lead, investigation=case, incident_id=report.pk)
        svc.person_add(actor=lead, investigation=case, kind="outside", role="victim", name="Beth Glynn",
                       description="daughter of the warden")
        svc.person_add(actor=lead, investigation=case, kind="unknown", role="suspect",
                       description="male, not identified")
        alvarez = svc.person_add(actor=lead, investigation=case, kind="in_custody", role="witness",
                                 person=people["alvarez"].inmate_number)
    with _at(2026, 6, 18, 14, 0):
        svc.statement_record(actor=lead, investigation=case, person_of_interest_id=alvarez.pk,
                             status="knows_but_will_not_say",
                             content="Said he knows who did it and will never tell; asked to go back to his cell.")
        svc.intelligence_add(actor=lead, investigation=case, source_reliability="B", information_credibility="3",
                             text="A Latino inmate in Emerald City bragged about the attack in the yard.",
                             informant_person=people["ryan"].inmate_number)
    return case


def load_chapter_5(ctx: Any) -> Investigation:
    """The poisoning of Schibetta: victim, suspect and the incident in one case."""
    people, staff = ctx.people, ctx.staff
    lead = staff["investigator"]
    report = Incident.objects.filter(type="poisoning", occurred_at=incident_demo.POISONING_AT).first()
    with _at(2026, 8, 21, 10, 0):
        case = svc.investigation_create(actor=lead, title="Poisoning of Peter Schibetta", kind="criminal",
                                        lead=lead.username, members=[staff["nathan"].username],
                                        description="Ground glass and a toxic substance in the victim's food.")
        if report is not None:
            svc.incident_link(actor=lead, investigation=case, incident_id=report.pk)
        svc.person_add(actor=lead, investigation=case, kind="in_custody", role="victim",
                       person=people["schibetta"].inmate_number)
        svc.person_add(actor=lead, investigation=case, kind="in_custody", role="suspect",
                       person=people["adebisi"].inmate_number)
        svc.evidence_add(actor=lead, investigation=case, reference="POI-1", description="Lunch tray and food remains",
                         found_where="Emerald City day room", holder=staff["nathan"].username,
                         storage="infirmary refrigerator")
    return case


def load_chapter_6(ctx: Any) -> Investigation:
    """Said is pressed to help Schillinger escape, and refuses: intelligence on a possible escape plot;
    the sexual-abuse report of the same night is linked to the poisoning case."""
    people, staff = ctx.people, ctx.staff
    lead = staff["investigator"]
    with _at(2026, 9, 10, 11, 0):
        case = svc.investigation_create(actor=lead, title="Possible escape plot (Schillinger)", kind="criminal",
                                        lead=lead.username)
        svc.person_add(actor=lead, investigation=case, kind="in_custody", role="suspect",
                       person=people["schillinger"].inmate_number)
        said = svc.person_add(actor=lead, investigation=case, kind="in_custody", role="witness",
                              person=people["said"].inmate_number)
        svc.intelligence_add(actor=lead, investigation=case, source_reliability="B", information_credibility="2",
                             text=("Schillinger's people pressed Said to use his legal work to get papers for "
                                   "Schillinger out of Oz. Said refused."),
                             informant_person=people["said"].inmate_number)
        svc.statement_record(actor=lead, investigation=case, person_of_interest_id=said.pk, status="declined",
                             content="")
    report = Incident.objects.filter(type="sexual_assault", occurred_at=incident_demo.ASSAULT_AT).first()
    poisoning = Investigation.objects.filter(title="Poisoning of Peter Schibetta").first()
    if report is not None and poisoning is not None:
        with _at(2026, 9, 16, 9, 0):
            svc.incident_link(actor=lead, investigation=poisoning, incident_id=report.pk)
    return case
