"""The audit browser: who may read it, filters, paging and the chain check."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_person
from emerald.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["auditor", "administrator"])
def test_auditors_and_admins_read_the_trail(client, users, role):
    make_person(users["administrator"], "Alvarez", "Miguel")
    client.force_login(users[role])
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "created the record of" in html
    assert "Verify chain" in html
    seqs = [e.seq for e in response.context["page"].object_list]
    assert seqs == sorted(seqs, reverse=True)


@pytest.mark.parametrize("role", ["warden", "officer", "unit_manager", "medical", "educator", "investigator"])
def test_others_get_403_and_the_attempt_is_audited(client, users, role):
    client.force_login(users[role])
    response = client.get(reverse("audit:list"))
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    assert AuditEntry.objects.filter(actor=users[role], action="audit.view", outcome="denied").exists()
    assert client.post(reverse("audit:verify")).status_code == 403


def test_filters(client, users):
    admin = users["administrator"]
    person = make_person(admin, "Hill", "Augustus")
    make_person(admin, "Said", "Kareem")
    client.force_login(users["auditor"])
    response = client.get(reverse("audit:list"), {"object_type": "person", "object_id": person.inmate_number})
    entries = list(response.context["page"].object_list)
    assert entries and all(e.object_id == person.inmate_number for e in entries)
    response = client.get(reverse("audit:list"), {"actor": "administrator", "action": "person.create"})
    assert response.context["page"].paginator.count == 2
    response = client.get(reverse("audit:list"), {"outcome": "denied"})
    assert response.context["page"].paginator.count == 0
    response = client.get(reverse("audit:list"), {"since": "2999-01-01T00:00"})
    assert response.context["page"].paginator.count == 0


def test_bad_filter_input_is_a_form_error(client, users):
    client.force_login(users["auditor"])
    response = client.get(reverse("audit:list"), {"since": "yesterday-ish"})
    assert response.status_code == 400
    assert 'id="id_since_error"' in response.content.decode()
    response = client.get(reverse("audit:list"), {"since": "2026-03-02T10:00", "until": "2026-03-01T10:00"})
    assert response.status_code == 400


def test_pagination(client, users):
    admin = users["administrator"]
    for i in range(60):
        make_person(admin, f"Page{i}")
    client.force_login(users["auditor"])
    response = client.get(reverse("audit:list"), {"action": "person.create"})
    assert len(response.context["page"].object_list) == 50
    assert "page=2" in response.content.decode()
    response = client.get(reverse("audit:list"), {"action": "person.create", "page": 2})
    assert len(response.context["page"].object_list) == 10


def test_verify_chain_button(client, users):
    make_person(users["administrator"], "Hill", "Augustus")
    client.force_login(users["auditor"])
    response = client.post(reverse("audit:verify"), follow=True)
    assert response.status_code == 200
    assert "The audit chain is intact" in response.content.decode()
    assert AuditEntry.objects.filter(action="audit.verify", actor=users["auditor"]).exists()
