"""Permission-filtered reads of disciplinary charges and sanctions.

A charge laid from an incident the reader may not know exists (a sexual-abuse report, outside the response
team) is absent for them everywhere, like the incident itself; so is a charge of a sealed person's record.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from emerald.accounts.permissions import allowed
from emerald.core import clock
from emerald.core.access import deny_read, require_list
from emerald.discipline.models import Charge, ChargeStatus, Sanction, SanctionKind, SanctionStatus
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to

OPEN_STATUSES = (ChargeStatus.CHARGED, ChargeStatus.HEARING_SCHEDULED)


def charges_visible_to(actor: Any) -> QuerySet[Charge]:
    """Every charge the actor may know exists."""
    if not allowed(actor, "discipline.view"):
        return Charge.objects.none()
    from emerald.incidents.selectors import incidents_visible_to

    return Charge.objects.filter(
        Q(incident__isnull=True) | Q(incident__in=incidents_visible_to(actor).values("pk")),
        person__in=people_visible_to(actor).values("pk"))


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def charge_get(*, actor: Any, charge_id: Any) -> Charge:
    """One charge, or an audited 404."""
    pk = _pk(charge_id)
    charge = (charges_visible_to(actor).select_related("person", "incident", "unit", "charged_by", "finding_by")
              .filter(pk=pk).first() if pk is not None else None)
    if charge is None:
        raise deny_read(actor, "discipline.view", "discipline_charge", charge_id)
    return charge


def charge_search(*, actor: Any, status: str = "", person: Person | None = None, overdue: bool = False,
                  q: str = "") -> QuerySet[Charge]:
    """Charges newest first; ``overdue``: no finding yet and the hearing deadline passed."""
    require_list(actor, "discipline.view", "discipline_charge")
    qs = charges_visible_to(actor).select_related("person", "incident", "unit")
    if status:
        qs = qs.filter(status=status)
    if person is not None:
        qs = qs.filter(person=person)
    if overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, hearing_due_at__lt=clock.now())
    text = (q or "").strip()
    if text:
        qs = qs.filter(Q(offence__icontains=text) | Q(particulars__icontains=text)
                       | Q(person__inmate_number__iexact=text))
    return qs.order_by("-charged_at", "-id")


def charge_stats(*, actor: Any) -> dict[str, Any]:
    require_list(actor, "discipline.view", "discipline_charge")
    qs = charges_visible_to(actor)
    return {
        "total": qs.count(),
        "overdue": qs.filter(status__in=OPEN_STATUSES, hearing_due_at__lt=clock.now()).count(),
        "by_status": [{"status": r["status"], "count": r["n"]}
                      for r in qs.values("status").annotate(n=Count("id")).order_by("status")],
    }


def is_overdue(charge: Charge) -> bool:
    return charge.status in OPEN_STATUSES and charge.hearing_due_at < clock.now()


def open_hearing(charge: Charge) -> Any:
    return charge.hearings.filter(cancelled_at__isnull=True).select_related("adjudicator").first()


def sanctions_visible_to(actor: Any) -> QuerySet[Sanction]:
    return Sanction.objects.filter(charge__in=charges_visible_to(actor).values("pk"))


def sanction_get(*, actor: Any, sanction_id: Any) -> Sanction:
    pk = _pk(sanction_id)
    sanction = (sanctions_visible_to(actor).select_related("charge", "person", "placement", "from_placement")
                .filter(pk=pk).first() if pk is not None else None)
    if sanction is None:
        raise deny_read(actor, "discipline.view", "discipline_sanction", sanction_id)
    return sanction


def sanction_search(*, actor: Any, kind: str = "", active: bool | None = None, due: bool = False,
                    person: Person | None = None) -> QuerySet[Sanction]:
    """Sanctions soonest end first. ``due``: active and past their scheduled end (returns to make)."""
    require_list(actor, "discipline.view", "discipline_sanction")
    qs = sanctions_visible_to(actor).select_related("person", "charge", "placement__cell", "from_placement__cell")
    if kind:
        qs = qs.filter(kind=kind)
    if active is True:
        qs = qs.filter(status=SanctionStatus.ACTIVE)
    elif active is False:
        qs = qs.exclude(status=SanctionStatus.ACTIVE)
    if due:
        qs = qs.filter(status=SanctionStatus.ACTIVE, ends_at__lte=clock.now())
    if person is not None:
        qs = qs.filter(person=person)
    return qs.order_by("ends_at", "id")


def segregated_now(*, actor: Any) -> QuerySet[Sanction]:
    return sanction_search(actor=actor, kind=SanctionKind.SEGREGATION, active=True).filter(
        placement__end_at__isnull=True, placement__isnull=False)


def charges_for_person(*, actor: Any, person: Person) -> QuerySet[Charge]:
    if not allowed(actor, "discipline.view"):
        return Charge.objects.none()
    return charges_visible_to(actor).filter(person=person).order_by("-charged_at", "-id")
