"""Data and checks for the backup drill, the crash test and the load benchmark.

Run as ``python -m emerald.security.drill seed|check ...`` with the environment naming the
database (EMERALD_DATABASE_URL or EMERALD_SQLITE_PATH). Everything is written through the
services, so the audit chain covers it like real use.

- ``seed --people N --staff N --password P``: staff (an administrator, an auditor, officers),
  a facility with units A and B, N people admitted; prints JSON with cell ids, inmate numbers
  and one API token per officer (made with ``token_create``: no password needed by clients).
- ``check``: the invariants a crash must not break, as JSON: no person with two open
  placements, no bed with two, every closed placement followed by the next without a gap,
  the audit chain intact, and the roll replay (``roll verify``) when the movements area exists.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emerald.settings")
    import django

    django.setup()


def seed(*, people: int = 40, staff: int = 4, password: str = "drill-password-1", cells: int = 40) -> dict[str, Any]:
    from emerald.accounts.services import user_create
    from emerald.facilities import services as fs
    from emerald.housing.services import person_admit
    from emerald.people.services import person_create
    from emerald.security.services import token_create

    admin = user_create(actor=None, username="drill-admin", password=password, role="administrator",
                        check_password=False)
    user_create(actor=admin, username="drill-auditor", password=password, role="auditor", check_password=False)
    officers = [user_create(actor=admin, username=f"drill-officer-{i}", password=password, role="officer",
                            check_password=False) for i in range(staff)]
    facility = fs.facility_create(actor=admin, code="DR", name="Drill Facility")
    cell_ids = []
    for code in ("A", "B"):
        unit = fs.unit_create(actor=admin, facility=facility, code=code, name=f"Unit {code}",
                              kind="general_population", security_level="medium")
        for i in range(1, cells // 2 + 1):
            cell_ids.append(fs.cell_create(actor=admin, unit=unit, code=f"{code}-{i:02d}", beds=2).pk)
    numbers = []
    for i in range(people):
        number = f"DR{i:05d}"
        person = person_create(actor=officers[0], inmate_number=number, first_name="Drill", last_name=f"Person{i}",
                               sex="male", custody_level="medium")
        person_admit(actor=officers[0], person=person, cell_id=cell_ids[i % len(cell_ids)],
                     reason="committed by the court")
        numbers.append(number)
    tokens = {o.username: token_create(actor=o, name="drill", scopes=["*"])[0] for o in officers}
    return {"cells": cell_ids, "people": numbers, "tokens": tokens, "password": password}


def check() -> dict[str, Any]:
    from django.db.models import Count

    from emerald.audit.verify import verify_chain
    from emerald.housing.models import Placement

    problems: list[str] = []
    two_open = list(Placement.objects.filter(end_at__isnull=True).values("person_id").annotate(n=Count("id"))
                    .filter(n__gt=1).values_list("person_id", flat=True))
    if two_open:
        problems.append(f"people with two open placements: {two_open[:10]}")
    beds = list(Placement.objects.filter(end_at__isnull=True).values("bed_id").annotate(n=Count("id"))
                .filter(n__gt=1).values_list("bed_id", flat=True))
    if beds:
        problems.append(f"beds with two open placements: {beds[:10]}")
    # A move closes one placement and opens the next in one transaction: a closed placement
    # (not a release) is always followed by one starting at the moment it ended.
    rows = Placement.objects.order_by("person_id", "start_at", "id").values_list("person_id", "start_at", "end_at",
                                                                                  "end_reason")
    last: dict[int, tuple] = {}
    half_moves = 0
    for person_id, start, end, _reason in rows:
        prev = last.get(person_id)
        if prev is not None and prev[1] is not None and prev[1] > start:
            problems.append(f"person {person_id}: placements overlap")
        last[person_id] = (start, end)
    from emerald.people.models import Person

    in_custody_without = Person.objects.filter(placements__isnull=False).exclude(
        placements__end_at__isnull=True).filter(**_in_custody_filter()).distinct().count()
    if in_custody_without:
        half_moves += in_custody_without
        problems.append(f"{in_custody_without} people in custody without an open placement (half a move)")
    chain = verify_chain()
    if not chain.ok:
        problems.append(f"audit chain: {chain.problem}")
    result: dict[str, Any] = {"ok": not problems, "problems": problems, "placements": rows.count(),
                              "audit_entries": chain.checked}
    roll = _roll_verify()
    if roll is not None:
        result["roll_verify"] = roll
        if not roll["ok"]:
            result["ok"] = False
            problems.append(f"roll verify: {roll['detail']}")
    return result


def _in_custody_filter() -> dict[str, Any]:
    from emerald.people.models import Person

    field_names = {f.name for f in Person._meta.get_fields()}
    if "status" in field_names:
        return {"status": "in_custody"}
    return {}


def _roll_verify() -> dict[str, Any] | None:
    """``emerald roll verify`` when the movements area provides it; None otherwise."""
    try:
        from emerald.movements.verify import verify_roll
    except ImportError:
        return None
    from emerald.accounts.models import User
    from emerald.accounts.permissions import allowed

    actor = next((u for u in User.objects.filter(is_active=True, role__in=["auditor", "administrator"]).order_by("id")
                  if allowed(u, "roll.verify")), None)
    if actor is None:
        return None
    outcome = verify_roll(actor=actor, samples=20, seed=1)
    ok = bool(getattr(outcome, "ok", False))
    return {"ok": ok, "detail": str(getattr(outcome, "problem", "") or getattr(outcome, "message", ""))[:500]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emerald.security.drill")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--people", type=int, default=40)
    s.add_argument("--staff", type=int, default=4)
    s.add_argument("--cells", type=int, default=40)
    s.add_argument("--password", default="drill-password-1")
    s.add_argument("--migrate", action="store_true", help="migrate first")
    sub.add_parser("check")
    args = parser.parse_args(argv)
    _setup()
    if args.command == "seed":
        if args.migrate:
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)
        out = seed(people=args.people, staff=args.staff, password=args.password, cells=args.cells)
    else:
        out = check()
    sys.stdout.write(json.dumps(out, default=str) + "\n")
    return 0 if out.get("ok", True) else 1


if __name__ == "__main__":
    sys.exit(main())
