"""The movements actions in the one policy table, the German pages, and refusals audited."""

from __future__ import annotations

import pytest
from django.test import Client

from emerald.accounts.models import Role
from emerald.accounts.permissions import POLICY

A, W, M, O, MED, E, I, AU = (  # noqa: E741
    Role.ADMINISTRATOR, Role.WARDEN, Role.UNIT_MANAGER, Role.OFFICER, Role.MEDICAL,
    Role.EDUCATOR, Role.INVESTIGATOR, Role.AUDITOR)

EXPECTED = {
    "absence.view": {A, W, M, O, MED, I, AU},
    "absence.manage": {A, W, M, O},
    "transfer.view": {A, W, M, O, I, AU},
    "transfer.request": {A, W, M, O},
    "transfer.approve": {A, W, M},
    "transfer.execute": {A, W, M, O},
    "transfer.emergency": {A, W, M},
    "transfer.contest": {M},
    "transfer.decide": {A, W},
    "transfer.review_emergency": {A, W},
    "count.view": {A, W, M, O, I, AU},
    "count.start": {A, W, M, O},
    "count.enter": {A, W, M, O},
    "count.reconcile": {A, W, M},
    "count.schedule": {A, W},
    "count.escalate": {A, W},
    "count.alerts": {A, W, M, O},
    "escape.view": {A, W, M, O, I, AU},
    "escape.record": {A, W, M},
    "escape.recapture": {A, W, M},
    "escape.attempt": {A, W, M, O},
    "roll.verify": {A, AU},
}


def test_policy_table():
    for action, roles in EXPECTED.items():
        assert POLICY[action] == frozenset(roles), action


@pytest.mark.django_db
def test_count_screen_in_german(world):
    from emerald.movements.services import count_start

    count = count_start(actor=world.officer, facility=world.place.facility, kind="emergency", reason="drill")
    sheet = count.sheets.get(unit__code="EC")
    c = Client()
    c.force_login(world.officer)
    c.cookies["django_language"] = "de"
    page = c.get(f"/movements/counts/sheets/{sheet.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Anwesend" in page and "Fehlt" in page and "Anderswo" in page and "0 von 3 gezählt" in page


@pytest.mark.django_db
def test_refused_reads_and_writes_are_audited(world):
    from emerald.audit.models import AuditEntry
    from emerald.core.errors import Forbidden
    from emerald.movements.selectors import transfer_get, transfer_list

    with pytest.raises(Exception):  # noqa: B017 - the audited 404 of a record the educator may not know
        transfer_get(actor=world.users["educator"], transfer_id=1)
    with pytest.raises(Forbidden):
        transfer_list(actor=world.users["educator"])
    assert AuditEntry.objects.filter(action="transfer.view", outcome="denied").count() == 2
