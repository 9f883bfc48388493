"""Races on PostgreSQL: real threads, each with its own database connection, released at the same moment.

SQLite serialises every writer (IMMEDIATE transactions), so these only make sense on PostgreSQL, where
the row locks taken by the services are what keeps two staff members from filling the same bed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from conftest import admit
from emerald.core.errors import ServiceError
from emerald.facilities import services as fs
from emerald.housing.models import Placement
from emerald.housing.services import non_association_create, person_admit, person_release, placement_move

ITERATIONS = 10

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def race(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run each call in its own thread (own connection), all released together by a barrier.

    Returns ``("ok", result)`` or ``(error code, error)`` per call, in order.
    """
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("missing", None)] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()  # connect before the barrier, so the calls really collide
            barrier.wait(timeout=30)
            results[i] = ("ok", call())
        except ServiceError as exc:
            results[i] = (exc.code, exc)
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not swallowed
            results[i] = ("crash", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def outcomes(results: list[tuple[str, Any]]) -> list[str]:
    crashes = [r for code, r in results if code == "crash"]
    assert not crashes, crashes
    return sorted(code for code, _ in results)


def open_count(cell) -> int:
    return Placement.objects.filter(cell=cell, end_at__isnull=True).count()


def test_last_bed_admissions(pg_flush_through_audit_triggers, users, place, person_factory):
    admin, officer, warden = users["administrator"], users["officer"], users["warden"]
    cell = place.cell("B-1-01")
    admit(admin, person_factory("Resident"), cell)  # one of two beds taken
    for i in range(ITERATIONS):
        x, y = person_factory(f"X{i}"), person_factory(f"Y{i}")
        results = race(
            lambda x=x: person_admit(actor=officer, person=x, cell_id=cell.pk, reason="intake"),
            lambda y=y: person_admit(actor=warden, person=y, cell_id=cell.pk, reason="intake"),
        )
        assert outcomes(results) == ["cell_full", "ok"], i
        assert open_count(cell) == 2
        winner = next(r for code, r in results if code == "ok")
        person_release(actor=admin, person=winner.person, reason="next round")


def test_last_bed_moves(pg_flush_through_audit_triggers, users, place, person_factory):
    admin, officer, manager = users["administrator"], users["officer"], users["unit_manager"]
    cell = place.cell("EC-1-01")
    admit(admin, person_factory("Resident"), cell)
    x, y = person_factory("X"), person_factory("Y")
    admit(admin, x, place.cell("SOL-01"))
    admit(admin, y, place.cell("SOL-02"))
    home = {x.pk: place.cell("SOL-01"), y.pk: place.cell("SOL-02")}
    for i in range(ITERATIONS):
        results = race(
            lambda: placement_move(actor=officer, person=x, cell_id=cell.pk, reason="bed space"),
            lambda: placement_move(actor=manager, person=y, cell_id=cell.pk, reason="bed space"),
        )
        assert outcomes(results) == ["cell_full", "ok"], i
        assert open_count(cell) == 2
        winner = next(r for code, r in results if code == "ok")
        loser = y if winner.person_id == x.pk else x
        assert Placement.objects.get(person=loser, end_at__isnull=True).cell == home[loser.pk]
        placement_move(actor=admin, person=winner.person, cell_id=home[winner.person_id].pk, reason="back")


def test_same_person_moved_to_two_cells_at_once(pg_flush_through_audit_triggers, users, place, person_factory):
    admin, officer, warden = users["administrator"], users["officer"], users["warden"]
    p = person_factory("Contested")
    admit(admin, p, place.cell("SOL-01"))
    targets = (place.cell("B-1-02"), place.cell("EC-1-02"))
    for i in range(ITERATIONS):
        results = race(
            lambda: placement_move(actor=officer, person=p, cell_id=targets[0].pk, reason="order A"),
            lambda: placement_move(actor=warden, person=p, cell_id=targets[1].pk, reason="order B"),
        )
        # The person lock serialises them: the second moves the person on from where the first put them
        # (or, if the first took them to the second's target, is told they are already there).
        assert all(code in ("ok", "invalid") for code, _ in results), results
        assert Placement.objects.filter(person=p, end_at__isnull=True).count() == 1
        placement_move(actor=admin, person=p, cell_id=place.cell("SOL-01").pk, reason=f"reset {i}")
    # The history is one unbroken line: each placement ends exactly when the next begins.
    history = list(Placement.objects.filter(person=p).order_by("start_at", "id"))
    for before, after in zip(history, history[1:], strict=False):
        assert before.end_at == after.start_at
    assert history[-1].end_at is None


@pytest.mark.parametrize("scope,cells", [("unit", ("B-1-01", "B-1-02")), ("facility", ("EC-1-01", "B-1-03"))])
def test_keep_apart_race(pg_flush_through_audit_triggers, users, place, person_factory, scope, cells):
    """Two people who must be kept apart, admitted at the same moment into different cells that would put them
    together: the unit/facility row lock makes the second see the first."""
    admin, officer, warden = users["administrator"], users["officer"], users["warden"]
    for i in range(ITERATIONS // 2):
        a, b = person_factory(f"A{i}"), person_factory(f"B{i}")
        non_association_create(actor=admin, person_a=a, person_b=b, scope=scope, reason="threat")
        results = race(
            lambda a=a: person_admit(actor=officer, person=a, cell_id=place.cell(cells[0]).pk, reason="x"),
            lambda b=b: person_admit(actor=warden, person=b, cell_id=place.cell(cells[1]).pk, reason="x"),
        )
        assert outcomes(results) == ["keep_apart", "ok"], (i, results)
        winner = next(r for code, r in results if code == "ok")
        person_release(actor=admin, person=winner.person, reason="next round")


def test_closing_a_unit_while_someone_is_admitted_into_it(pg_flush_through_audit_triggers, users, place,
                                                          person_factory):
    admin, warden = users["administrator"], users["warden"]
    for i in range(ITERATIONS):
        p = person_factory(f"P{i}")
        results = race(
            lambda: fs.unit_close(actor=warden, unit=place.b, reason="inspection"),
            lambda p=p: person_admit(actor=admin, person=p, cell_id=place.cell("B-1-01").pk, reason="x"),
        )
        close, admission = results[0][0], results[1][0]
        assert (close, admission) in {("ok", "cell_unavailable"), ("unit_occupied", "ok")}, (i, results)
        place.b.refresh_from_db()
        occupied = Placement.objects.filter(unit=place.b, end_at__isnull=True).exists()
        assert not (place.b.status == "closed" and occupied)
        if admission == "ok":
            person_release(actor=admin, person=p, reason="next round")
        else:
            fs.unit_reopen(actor=admin, unit=place.b, reason="next round")
