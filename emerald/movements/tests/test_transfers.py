"""Transfers: who ordered, who approved and why; the unit manager's queue, contest and decision; emergencies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid
from emerald.housing.models import NonAssociation, Placement
from emerald.housing.services import non_association_create
from emerald.movements import selectors
from emerald.movements.models import ManagerReview, Transfer
from emerald.movements.services import (
    transfer_acknowledge,
    transfer_approve,
    transfer_cancel,
    transfer_contest,
    transfer_decide,
    transfer_emergency,
    transfer_execute,
    transfer_reject,
    transfer_request,
    transfer_review_emergency,
)

pytestmark = pytest.mark.django_db


def cell_of(person) -> str:
    return Placement.objects.select_related("cell").get(person=person, end_at__isnull=True).cell.code


def request(w, person=None, actor=None, **kw):
    kw.setdefault("to_unit", w.place.b)
    return transfer_request(actor=actor or w.officer, person=person or w.people.cid, reason="disrespect", **kw)


class TestRequestApproveExecute:
    def test_officer_requests_warden_approves_it_lands_in_the_managers_queue(self, world):
        """Chapter 8: Metzger's say-so, Glynn's approval without McManus."""
        w = world
        t = request(w)
        assert (t.status, t.ordered_by, t.from_cell.code, t.to_unit.code) == ("requested", w.officer, "EC-1-02", "B")
        with pytest.raises(Conflict) as exc:
            transfer_execute(actor=w.officer, transfer=t)
        assert exc.value.code == "not_approved"
        t = transfer_approve(actor=w.warden, transfer=t, note="ok")
        assert (t.status, t.approved_by, t.manager_review) == ("approved", w.warden, ManagerReview.PENDING)
        assert list(selectors.manager_queue(actor=w.manager)) == [t]
        t = transfer_execute(actor=w.officer, transfer=t)
        assert t.status == "executed" and cell_of(w.people.cid) == "B-1-01"
        assert t.placement.reason == f"transfer #{t.pk}: disrespect"
        assert list(selectors.manager_queue(actor=w.manager)) == [t]

    def test_approved_by_the_unit_manager_needs_no_review(self, world):
        w = world
        t = transfer_approve(actor=w.manager, transfer=request(w))
        assert t.manager_review == ManagerReview.NOT_NEEDED
        assert not selectors.manager_queue(actor=w.manager).exists()

    def test_unit_manager_approves_only_out_of_own_units(self, world):
        w = world
        t = request(w, person=w.people.dan, to_unit=w.place.ec)  # out of B, which mcmanus does not manage
        with pytest.raises(Forbidden):
            transfer_approve(actor=w.manager, transfer=t)
        with pytest.raises(Forbidden):
            transfer_approve(actor=w.officer, transfer=t)
        # Out of a unit with no manager: nobody's queue.
        assert transfer_approve(actor=w.warden, transfer=t).manager_review == ManagerReview.NOT_NEEDED

    def test_to_a_cell_with_keep_apart_is_refused_at_execution(self, world):
        w = world
        non_association_create(actor=w.admin, person_a=w.people.cid, person_b=w.people.dan, scope="cell",
                               reason="threat")
        t = transfer_approve(actor=w.warden, transfer=request(w, to_unit=None, to_cell_id=w.place.cell("B-1-01").pk))
        with pytest.raises(Conflict) as exc:
            transfer_execute(actor=w.officer, transfer=t)
        assert exc.value.code == "keep_apart"
        t.refresh_from_db()
        assert t.status == "approved" and cell_of(w.people.cid) == "EC-1-02"
        # To the unit: the first cell the rules accept.
        assert NonAssociation.objects.count() == 1

    def test_unit_target_skips_cells_the_rules_refuse(self, world):
        w = world
        non_association_create(actor=w.admin, person_a=w.people.cid, person_b=w.people.dan, scope="cell",
                               reason="threat")
        t = transfer_execute(actor=w.officer, transfer=transfer_approve(actor=w.warden, transfer=request(w)))
        assert t.placement.cell.code == "B-1-02"

    def test_bad_requests(self, world):
        w = world
        with pytest.raises(Invalid):
            transfer_request(actor=w.officer, person=w.people.cid, reason=" ", to_unit=w.place.b)
        with pytest.raises(Invalid) as exc:
            request(w, to_unit=w.place.ec)  # already there
        assert "to_unit_id" in exc.value.fields
        with pytest.raises(Invalid) as exc:
            request(w, to_unit=None)
        assert "to_unit_id" in exc.value.fields
        with pytest.raises(Invalid) as exc:
            request(w, to_unit=w.place.b, to_cell_id=w.place.cell("SOL-01").pk)
        assert "to_cell_id" in exc.value.fields
        request(w)
        with pytest.raises(Conflict) as exc:
            request(w)
        assert exc.value.code == "transfer_pending"

    def test_database_one_pending_transfer_and_executed_needs_approval(self, world):
        w = world
        t = request(w)
        with pytest.raises(IntegrityError), transaction.atomic():
            Transfer.objects.create(person=t.person, from_placement=t.from_placement, from_unit=t.from_unit,
                                    from_cell=t.from_cell, to_unit=w.place.sol, reason="x", ordered_by=w.officer,
                                    requested_at=w.now)
        with pytest.raises(IntegrityError), transaction.atomic():
            Transfer.objects.filter(pk=t.pk).update(status="executed", executed_by=w.officer, executed_at=w.now,
                                                    placement=t.from_placement)

    def test_reject_and_cancel(self, world):
        w = world
        t = transfer_reject(actor=w.manager, transfer=request(w), reason="no grounds")
        assert (t.status, t.rejected_by, t.reject_reason) == ("rejected", w.manager, "no grounds")
        t2 = request(w)
        with pytest.raises(Forbidden):  # another officer may not withdraw it... unless they may approve
            transfer_cancel(actor=w.users["medical"], transfer=t2, reason="x")
        t2 = transfer_cancel(actor=w.officer, transfer=t2, reason="changed my mind")
        assert t2.status == "cancelled"
        with pytest.raises(Conflict):
            transfer_approve(actor=w.warden, transfer=t2)

    def test_moved_since_request_is_stale(self, world):
        from emerald.housing.services import placement_move

        w = world
        t = transfer_approve(actor=w.warden, transfer=request(w))
        placement_move(actor=w.admin, person=w.people.cid, cell_id=w.place.cell("EC-1-03").pk, reason="swap")
        with pytest.raises(Conflict) as exc:
            transfer_execute(actor=w.officer, transfer=t)
        assert exc.value.code == "stale"


class TestQueueContestDecide:
    def _executed(self, w):
        return transfer_execute(actor=w.officer, transfer=transfer_approve(actor=w.warden, transfer=request(w)))

    def test_contest_then_upheld(self, world):
        w = world
        t = self._executed(w)
        with pytest.raises(Forbidden):
            transfer_contest(actor=w.officer, transfer=t, reason="x")
        t = transfer_contest(actor=w.manager, transfer=t, reason="not my officer's call")
        assert (t.manager_review, t.contested_by) == (ManagerReview.CONTESTED, w.manager)
        assert not selectors.manager_queue(actor=w.manager).exists()
        assert list(selectors.contested_list(actor=w.warden)) == [t]
        with pytest.raises(Forbidden):
            transfer_decide(actor=w.manager, transfer=t, decision="reversed", reason="x")
        t = transfer_decide(actor=w.warden, transfer=t, decision="upheld", reason="security of the unit")
        assert (t.manager_review, t.decided_by, t.decision_reason) == ("upheld", w.warden, "security of the unit")
        assert cell_of(w.people.cid) == "B-1-01"
        with pytest.raises(Conflict) as exc:
            transfer_decide(actor=w.warden, transfer=t, decision="reversed", reason="again")
        assert exc.value.code == "not_contested"

    def test_reversed_moves_the_person_back(self, world):
        w = world
        t = self._executed(w)
        transfer_contest(actor=w.manager, transfer=t, reason="no")
        with clock.frozen_at(w.now + timedelta(hours=1)):
            t = transfer_decide(actor=w.warden, transfer=t, decision="reversed", reason="procedure not followed")
        assert cell_of(w.people.cid) == "EC-1-02"
        assert t.reversal_placement.reason.startswith(f"transfer #{t.pk} reversed")

    def test_reversal_that_cannot_move_back_keeps_the_problem(self, world, person_factory):
        from conftest import admit

        w = world
        t = self._executed(w)
        transfer_contest(actor=w.manager, transfer=t, reason="no")
        # Fill every free EC bed.
        for code in ("EC-1-02", "EC-1-02", "EC-1-03", "EC-1-03", "EC-1-04", "EC-1-04"):
            admit(w.admin, person_factory("Filler"), w.place.cell(code))
        t = transfer_decide(actor=w.warden, transfer=t, decision="reversed", reason="x")
        assert t.reversal_placement is None and t.reversal_problem
        assert cell_of(w.people.cid) == "B-1-01"

    def test_acknowledge_clears_the_queue(self, world):
        w = world
        t = transfer_acknowledge(actor=w.manager, transfer=self._executed(w))
        assert t.manager_review == ManagerReview.ACKNOWLEDGED
        with pytest.raises(Conflict) as exc:
            transfer_contest(actor=w.manager, transfer=t, reason="too late")
        assert exc.value.code == "not_in_queue"

    def test_contest_before_execution_reversed_cancels(self, world):
        w = world
        t = transfer_approve(actor=w.warden, transfer=request(w))
        transfer_contest(actor=w.manager, transfer=t, reason="no")
        t = transfer_decide(actor=w.warden, transfer=t, decision="reversed", reason="agreed")
        assert t.status == "cancelled" and cell_of(w.people.cid) == "EC-1-02"

    def test_audit_trail_tells_the_story(self, world):
        w = world
        t = self._executed(w)
        transfer_contest(actor=w.manager, transfer=t, reason="no")
        transfer_decide(actor=w.warden, transfer=t, decision="upheld", reason="yes")
        actions = list(AuditEntry.objects.filter(object_type="transfer", object_id=str(t.pk))
                       .order_by("seq").values_list("action", "actor_username"))
        assert actions == [("transfer.request", "officer"), ("transfer.approve", "warden"),
                           ("transfer.execute", "officer"), ("transfer.contest", "unitmanager"),
                           ("transfer.decide", "warden")]


class TestEmergency:
    def test_emergency_skips_approval_and_is_flagged(self, world):
        w = world
        t = transfer_emergency(actor=w.warden, person=w.people.cid, to_unit=w.place.sol, reason="fight",
                               emergency_reason="threat to life")
        assert (t.status, t.emergency, t.approved_by, t.manager_review) == ("executed", True, None, "pending")
        assert cell_of(w.people.cid) == "SOL-02"
        assert list(selectors.emergency_unreviewed(actor=w.warden)) == [t]
        transfer_review_emergency(actor=w.warden, transfer=t, note="justified")
        assert not selectors.emergency_unreviewed(actor=w.warden).exists()
        with pytest.raises(Conflict):
            transfer_review_emergency(actor=w.warden, transfer=t, note="again")

    def test_officers_cannot_make_emergency_transfers(self, world):
        w = world
        with pytest.raises(Forbidden):
            transfer_emergency(actor=w.officer, person=w.people.cid, to_unit=w.place.sol, reason="x",
                               emergency_reason="y")
        assert AuditEntry.objects.filter(action="transfer.emergency", outcome="denied").exists()

    def test_emergency_needs_a_reason_and_supersedes_a_pending_request(self, world):
        w = world
        with pytest.raises(Invalid):
            transfer_emergency(actor=w.manager, person=w.people.cid, to_unit=w.place.sol, reason="x",
                               emergency_reason="")
        pending = request(w)
        t = transfer_emergency(actor=w.manager, person=w.people.cid, to_unit=w.place.sol, reason="x",
                               emergency_reason="y")
        pending.refresh_from_db()
        assert pending.status == "cancelled"
        assert t.manager_review == ManagerReview.NOT_NEEDED  # the unit's own manager made it

    def test_unit_manager_emergency_only_for_own_units(self, world):
        w = world
        with pytest.raises(Forbidden):
            transfer_emergency(actor=w.manager, person=w.people.dan, to_unit=w.place.sol, reason="x",
                               emergency_reason="y")

    def test_during_a_lockdown_emergency_transfer_crosses_it_flagged(self, world):
        from emerald.lockdowns.models import EmergencyMove
        from emerald.lockdowns.services import lockdown_order

        w = world
        lockdown_order(actor=w.warden, facility=w.place.facility, reason="search")
        t = transfer_approve(actor=w.warden, transfer=request(w))
        with pytest.raises(Conflict) as exc:
            transfer_execute(actor=w.officer, transfer=t)
        assert exc.value.code == "locked_down"
        transfer_cancel(actor=w.warden, transfer=t, reason="lockdown")
        t = transfer_emergency(actor=w.warden, person=w.people.cid, to_unit=w.place.sol, reason="x",
                               emergency_reason="medical isolation")
        assert EmergencyMove.objects.filter(placement=t.placement).exists()
