"""API: the audit trail — filters, pagination, and who may read it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emerald.audit.models import AuditEntry, Outcome
from emerald.core import clock
from emerald.core.tests.api_helpers import api_factory, assert_error, fast_password_hashing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    fast_password_hashing(settings)


@pytest.fixture
def api_as(users):
    return api_factory(users)


def test_audit_newest_first_and_filters(api_as, person_factory, frozen_now):
    p = person_factory("Beecher", number="ZZ1001")
    api = api_as("auditor")
    with clock.frozen_at(frozen_now + timedelta(hours=1)):
        api_as("officer").get("/people/ZZ1001")
    body = api.get("/audit").json()
    assert body["count"] == AuditEntry.objects.count()
    seqs = [e["seq"] for e in body["items"]]
    assert seqs == sorted(seqs, reverse=True)
    views = api.get("/audit", {"object_type": "person", "object_id": "ZZ1001", "action": "person.view"}).json()
    assert views["count"] == 1
    entry = views["items"][0]
    assert entry["actor"] == "officer" and entry["outcome"] == "success"
    assert entry["summary"] == "viewed the record of ZZ1001" and entry["changes"] == {"channel": "api"}
    assert entry["at"].startswith("2026-03-02T15:00")
    by_actor = api.get("/audit", {"actor": "officer"}).json()
    assert by_actor["count"] >= 1 and all(e["actor"] == "officer" for e in by_actor["items"])
    since = api.get("/audit", {"since": "2026-03-02T14:30:00Z"}).json()
    assert {e["action"] for e in since["items"]} == {"person.view", "token.issue"}
    until = api.get("/audit", {"until": "2026-03-02T14:30:00Z", "object_id": "ZZ1001"}).json()
    assert [e["action"] for e in until["items"]] == ["person.create"]
    assert p.inmate_number in until["items"][0]["summary"]
    page = api.get("/audit", {"limit": 1}).json()
    assert len(page["items"]) == 1 and page["items"][0]["seq"] == seqs[0]


@pytest.mark.parametrize("role", ["warden", "unit_manager", "officer", "medical", "educator", "investigator"])
def test_only_auditors_and_administrators_read_the_trail(api_as, role):
    assert_error(api_as(role).get("/audit"), 403, "forbidden")
    assert AuditEntry.objects.filter(actor_username=role.replace("_", ""), action="audit.view",
                                     outcome=Outcome.DENIED).exists()


@pytest.mark.parametrize("params", [{"since": "yesterday"}, {"until": "2026-03-02T14:30:00"}, {"limit": 1000}])
def test_audit_bad_query(api_as, params):
    body = assert_error(api_as("administrator").get("/audit", params), 400, "invalid")
    assert set(body["fields"]) == set(params)


def test_audit_fields_are_clipped_to_their_columns(db):
    from emerald.audit.services import record

    record(actor=None, action="a" * 200, object_type="t" * 200, object_id="i\x00" * 100, summary="long")
    entry = AuditEntry.objects.latest("seq")
    assert len(entry.action) == 80 and len(entry.object_type) == 60 and len(entry.object_id) == 80
    assert "\x00" not in entry.object_id
    from emerald.audit.verify import verify_chain

    assert verify_chain().ok


def test_sealed_people_are_not_named_to_auditors(api_as, person_factory, users, client):
    """Auditors read the whole trail, but a sealed record is known only to administrators, wardens and
    investigators: every entry that mentions it is redacted for them (no number, no name, no date of birth,
    no changes), and asking for it finds nothing. Regression: the number was replaced but the name was not."""
    from emerald.audit.selectors import REDACTED, as_seen_by
    from emerald.people.models import Person

    person_factory("Sealed", number="ZZ7/1.A")
    person_factory("Open", number="ZZ7")
    Person.objects.filter(inmate_number="ZZ7/1.A").update(sealed=True)
    api_as("warden").get("/people/ZZ7/1.A")
    api_as("warden").get("/people/ZZ7")

    auditor = api_as("auditor").get("/audit").json()
    text = str(auditor)
    assert "ZZ7/1.A" not in text and "Sealed" not in text and REDACTED in text and "ZZ7" in text
    redacted = [e for e in auditor["items"] if e["redacted"]]
    assert redacted and all(e["changes"] == {} and e["object_id"] == "" for e in redacted)
    assert api_as("auditor").get("/audit", {"object_id": "ZZ7/1.A"}).json()["count"] == 0
    admin = str(api_as("administrator").get("/audit").json())
    assert "ZZ7/1.A" in admin

    client.force_login(users["auditor"])
    page = client.get("/audit/").content.decode()
    assert "ZZ7/1.A" not in page and "Sealed" not in page and "Restricted: about a record you may not see." in page
    # Only the shown copies change: the stored entries still verify.
    entries = as_seen_by(actor=users["auditor"], entries=list(AuditEntry.objects.all()))
    assert any(getattr(e, "redacted", False) for e in entries)
    assert AuditEntry.objects.filter(object_id="ZZ7/1.A").exists()
