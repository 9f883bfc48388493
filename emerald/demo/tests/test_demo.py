"""The Oz baseline (1 June 2025, before chapter 1) loads through the services into the shape the story
and the browser tests rely on. The chapters that follow are tested in test_story.py."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from emerald.audit.verify import verify_chain
from emerald.core import clock
from emerald.demo import oz

# Every test reads the demo loaded once by the module fixture; each runs in a savepoint inside it.
pytestmark = pytest.mark.django_db
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for the module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        with transaction.atomic():
            result = oz.load(story=False)
            yield result
            transaction.set_rollback(True)


def open_placements():
    from emerald.housing.models import Placement

    return Placement.objects.filter(end_at__isnull=True).select_related("cell", "unit", "person")


def cell_of(number: str):
    return open_placements().get(person__inmate_number=number).cell


def test_loads_and_leaves_the_clock_running(demo):
    assert demo.loaded, demo.message
    assert demo.people > 190
    assert clock._frozen.get() is None


def test_units_are_realistically_full(demo):
    counts = Counter(p.unit.code for p in open_placements())
    assert 51 <= counts["EC"] <= 57  # about 85 % of 64
    assert 140 <= counts["B"] <= 148  # about 90 % of 160
    assert counts["GYM"] == 0
    assert counts["SOL"] == 3 and counts["INF"] == 2 and counts["R&D"] == 3


def test_units_and_cells_match_the_scenario(demo):
    from emerald.facilities.models import Bed, Cell, Unit

    units = {u.code: u for u in Unit.objects.filter(facility__code="OZ")}
    assert set(units) == {"EC", "B", "SOL", "INF", "GYM", "R&D"}
    assert units["GYM"].status == "closed" and units["EC"].status == "open"
    assert {u.security_level for u in units.values()} == {"maximum"}
    assert [m.username for m in units["EC"].managers.all()] == ["mcmanus"]
    beds = Counter(Bed.objects.values_list("cell__unit__code", flat=True))
    assert beds == {"EC": 64, "B": 160, "SOL": 20, "INF": 12, "GYM": 120, "R&D": 16}
    assert Cell.objects.filter(unit__code="EC", code__in=["EC-1-01", "EC-2-16"]).count() == 2
    assert Cell.objects.filter(unit__code="B", code__in=["B-1-01", "B-2-40"]).count() == 2
    accessible = Counter(Cell.objects.filter(accessible=True).values_list("unit__code", flat=True))
    assert accessible == {"EC": 2, "B": 2}
    assert set(Bed.objects.filter(cell__unit__code="INF").values_list("bunk", flat=True)) == {"single"}


def test_some_cells_hold_one_person_and_some_stand_empty(demo):
    per_cell = Counter(p.cell.code for p in open_placements() if p.unit.code in ("EC", "B"))
    assert sum(1 for n in per_cell.values() if n == 1) >= 4
    for code in oz.EC_EMPTY + oz.B_EMPTY:
        assert per_cell[code] == 0


def test_the_named_people(demo):
    from emerald.people.models import Person

    adebisi, wangler = cell_of("97A0001"), cell_of("97A0002")
    assert adebisi == wangler and adebisi.unit.code == "EC"
    hill = cell_of("97A0006")
    assert hill.accessible and hill.unit.code == "EC"
    # The cells documented in emerald/demo/oz.py, which browser tests and later chapters rely on.
    documented = {"97A0001": "EC-1-05", "97A0003": "EC-2-07", "97A0004": "EC-2-14", "97A0005": "EC-1-08",
                  "97A0006": "EC-1-01", "97A0007": "EC-2-03", "97A0008": "EC-2-10", "97A0009": "B-1-12"}
    assert {n: cell_of(n).code for n in documented} == documented
    assert open_placements().filter(cell__code="EC-1-01").count() == 1
    rd = Counter(p.cell.code for p in open_placements() if p.unit.code == "R&D")
    assert rd == {"R&D-01": 2, "R&D-02": 1}
    assert Counter(p.cell.code for p in open_placements() if p.unit.code == "SOL") == {
        "SOL-01": 1, "SOL-02": 1, "SOL-03": 1}
    ryan = Person.objects.get(inmate_number="97A0007")
    assert (ryan.first_name, ryan.last_name) == ("Ryan", "O'Reily")
    assert set(ryan.aliases.values_list("name", flat=True)) == {"O'Reilly", "O’Reily"}
    assert Person.objects.filter(aliases__name="El Cid").count() == 1
    assert not Person.objects.filter(first_name="Cyril").exists()  # he arrives in chapter 7


def test_keep_apart_orders_exist_and_none_is_violated(demo):
    from emerald.housing.models import NonAssociation
    from emerald.housing.rules import open_orders_q
    from emerald.housing.services import currently_together

    order = NonAssociation.objects.get(person_a__inmate_number="97A0001", person_b__inmate_number="97A0003")
    assert (order.scope, order.reason, order.closed_at) == ("cell", "gang_rivalry", None)
    in_force = list(NonAssociation.objects.filter(open_orders_q()))
    assert len(in_force) >= 5
    assert NonAssociation.objects.filter(closed_at__isnull=False).count() == 1
    for o in in_force:
        assert currently_together(o.person_a, o.person_b, o.scope) == ""


def test_schibetta_can_be_moved_without_conflict(demo):
    from emerald.facilities.models import Cell
    from emerald.housing.rules import check_cell
    from emerald.people.models import Person

    schibetta = Person.objects.get(inmate_number="97A0003")
    for code in ("EC-2-16", "B-2-40"):
        assert check_cell(schibetta, Cell.objects.get(code=code)).ok
    assert check_cell(schibetta, cell_of("97A0001")).full  # Adebisi's cell is full anyway


def test_history_exists(demo):
    from emerald.audit.models import AuditEntry
    from emerald.housing.models import Placement

    moves = Placement.objects.filter(kind="move").count()
    assert moves >= 200  # everyone classified out of Reception, a few moved again
    first = AuditEntry.objects.filter(action="person.admit").order_by("seq").first()
    last = AuditEntry.objects.filter(action="person.admit").order_by("seq").last()
    assert first.at.year == 2024 and last.at.year == 2025 and last.at.month == 5
    ats = list(AuditEntry.objects.order_by("seq").values_list("at", flat=True))
    assert ats == sorted(ats)


def test_staff_logins(demo):
    from emerald.accounts.models import User

    assert User.objects.filter(username__in=[s[0] for s in oz.STAFF]).count() == len(oz.STAFF)
    assert {u.role for u in User.objects.all()} >= {
        "administrator", "warden", "unit_manager", "officer", "medical", "educator", "investigator", "auditor"}
    assert User.objects.get(username="glynn").check_password(oz.DEMO_PASSWORD)
    assert not User.objects.get(username="metzger").check_password("wrong-password")


def test_demo_password_lives_only_in_the_demo_module(demo):
    assert oz.DEMO_PASSWORD not in Path(settings.BASE_DIR, "settings.py").read_text()


def test_audit_chain_verifies_after_load(demo):
    result = verify_chain()
    assert result.ok, result.problem
    assert result.checked >= demo.audit_entries > 700


def test_loading_twice_does_nothing(demo, capsys):
    from emerald.audit.models import AuditEntry
    from emerald.people.models import Person

    people, entries = Person.objects.count(), AuditEntry.objects.count()
    again = oz.load()
    assert not again.loaded
    call_command("demo", "load")
    call_command("demo", "load", "--force")
    assert "already loaded" in capsys.readouterr().out
    assert (Person.objects.count(), AuditEntry.objects.count()) == (people, entries)


def test_roster_is_deterministic():
    first, second = oz.roster(), oz.roster()
    assert [(r.number, r.first, r.last, r.cell) for r in first] == [(r.number, r.first, r.last, r.cell) for r in second]
    assert len({r.number for r in first}) == len(first)
