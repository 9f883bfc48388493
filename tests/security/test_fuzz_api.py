"""Fuzzing the JSON API with schemathesis, in-process (WSGI, no network), with a token of every role.

For every operation of /api/v1/openapi.json (whatever areas exist when the test runs), generated
requests must never get a 5xx, a stack trace, or an answer that breaks the documented schema. And
one restricted record of each kind (a medical encounter, an investigation, a sexual-abuse report, a
sealed person) is seeded with a marker string: no answer to a role that may not see that kind may
contain its marker, neither in fuzzed answers nor in a pass that names the seeded records directly.

Bounded for CI: ``FUZZ_EXAMPLES`` examples per operation and role (default 6; the environment
variable EMERALD_FUZZ_EXAMPLES raises it for a deeper local run).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

import pytest
from django.core.wsgi import get_wsgi_application

from emerald.accounts.services import token_issue

pytestmark = pytest.mark.django_db
FUZZ_EXAMPLES = int(os.environ.get("EMERALD_FUZZ_EXAMPLES", "6"))
ROLES = ["administrator", "warden", "unit_manager", "officer", "medical", "educator", "investigator", "auditor"]
AUDIT_READERS = {"administrator", "auditor"}
TRACE = re.compile(r"Traceback \(most recent call last\)|File \"/[^\"]+\.py\", line \d+")


@dataclass
class Secret:
    kind: str
    marker: str
    may_see: set[str]
    ids: dict[str, str] = field(default_factory=dict)


def seed_restricted(users, place, person_factory) -> list[Secret]:
    """One restricted record per kind that exists in this build, each carrying a unique marker."""
    from conftest import admit
    from emerald.core import clock

    secrets: list[Secret] = []
    admin = users["administrator"]
    patient = person_factory("Patient")
    admit(admin, patient, place.cell("B-1-01"))
    now = clock.now()
    sealed = person_factory("Sealedsurname", first="ZQXSEAL4471")
    admit(admin, sealed, place.cell("B-1-02"))
    type(sealed).objects.filter(pk=sealed.pk).update(sealed=True)  # as a court order or a census import marks it
    secrets.append(Secret("sealed person", "ZQXSEAL4471", {"administrator", "warden", "investigator"},
                          {"inmate_number": sealed.inmate_number, "id": str(sealed.pk)}))
    try:
        from emerald.health.services import encounter_create
    except ImportError:
        encounter_create = None
    if encounter_create is not None:
        enc = encounter_create(actor=users["medical"], person=patient, kind="sick_call", occurred_at=now,
                               notes="ZQXMED4472 diagnosis notes")
        secrets.append(Secret("medical encounter", "ZQXMED4472", {"medical"}, {"id": str(enc.pk)}))
    try:
        from emerald.investigations.services import investigation_create
    except ImportError:
        investigation_create = None
    if investigation_create is not None:
        case = investigation_create(actor=users["investigator"], title="Case under seal", kind="criminal",
                                    lead=users["investigator"], description="ZQXINV4473 confidential lead")
        secrets.append(Secret("investigation", "ZQXINV4473", {"investigator", "warden"}, {"id": str(case.pk)}))
    try:
        from emerald.incidents.services import incident_create
    except ImportError:
        incident_create = None
    if incident_create is not None:
        report = incident_create(actor=users["investigator"], type="sexual_assault", severity="high",
                                 occurred_at=now, title="Restricted report",
                                 description="ZQXSAV4474 victim statement", location_text="shower block")
        secrets.append(Secret("sexual-abuse report", "ZQXSAV4474", {"warden", "medical", "investigator"},
                              {"id": str(report.pk)}))
    return secrets


COLLISIONS: set[str] = set()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """schemathesis calls the WSGI app directly, so Django's end-of-request handler would close the test's
    (in-transaction) database connection on PostgreSQL. Django's own test client switches it off the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    import schemathesis

    COLLISIONS.update(colliding_schema_names())
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


def _checks():
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

    return [response_schema_conformance, content_type_conformance]


def _text(response) -> str:
    content = getattr(response, "content", b"") or b""
    return content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)


def colliding_schema_names() -> set[str]:
    """Output schemas that two areas define under one name: the OpenAPI document keeps only one of them.

    Answers of those operations cannot be checked against the document (it describes the other
    area's schema); ``test_schema_names_are_unique`` reports them.
    """
    from collections import defaultdict

    from ninja import Schema

    import emerald.api  # noqa: F401 - every area's schemas are imported by mounting the routers

    where: dict[str, set[str]] = defaultdict(set)
    todo = list(Schema.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("emerald.") and cls.__module__.endswith(".api"):
            where[cls.__name__].add(cls.__module__)
    return {name for name, modules in where.items() if len(modules) > 1}


def _documented_with_collision(case, collisions: set[str]) -> bool:
    raw = case.operation.schema.raw_schema["paths"][case.operation.path][case.method.lower()]
    text = json.dumps(raw)
    return any(f'#/components/schemas/{name}"' in text for name in collisions)


def call(case, headers: dict[str, str] | None = None):
    """Send the case to the app, then roll its writes back: each example starts from the seeded state, and on
    PostgreSQL a failed statement cannot poison the rest of the test's transaction (a 500 still counts)."""
    from django.db import transaction

    savepoint = transaction.savepoint()
    try:
        return case.call(headers=headers)
    finally:
        transaction.savepoint_rollback(savepoint)


def _assert_safe(case, response, role: str, secrets: list[Secret], failures: list[str]) -> None:
    where = f"{role} {case.method} {case.formatted_path} query={case.query} body={str(case.body)[:200]}"
    if response.status_code >= 500:
        failures.append(f"{where}: {response.status_code} {_text(response)[:300]}")
        return
    body = _text(response)
    if TRACE.search(body):
        failures.append(f"{where}: stack trace in the answer")
    # The audit trail is evidence shown whole to the roles that may read it (administrators, auditors):
    # its entries about restricted records are the point of it (docs/security.md). Everywhere else, and
    # for every other role, a marker is a leak.
    evidence = case.operation.path.startswith("/api/v1/audit") and role in AUDIT_READERS
    for secret in secrets:
        if role not in secret.may_see and secret.marker in body and not evidence:
            failures.append(f"{where}: the {secret.kind} reached {role}")
    try:
        case.validate_response(response, checks=_checks())
    except BaseException as exc:  # noqa: BLE001 - schemathesis raises (base) exception groups of check failures
        if not _documented_with_collision(case, COLLISIONS):
            failures.append(f"{where}: breaks the schema: {str(exc)[:400]}")


@pytest.mark.parametrize("role", ROLES)
def test_fuzz_every_operation_as_every_role(schema, role, users, place, person_factory, frozen_now):
    from hypothesis import HealthCheck, Phase, given, settings

    secrets = seed_restricted(users, place, person_factory)
    token, _ = token_issue(actor=users[role])
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:
        if operation.path.endswith("/auth/token"):
            continue  # anonymous, and django-axes would lock the accounts the other tests use

        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        @given(case=operation.as_strategy())
        def fuzz(case):
            _assert_safe(case, call(case, headers), role, secrets, failures)

        fuzz()

    # Name each seeded record directly in every GET with one path parameter.
    for operation in operations:
        names = re.findall(r"{([^}]+)}", operation.path)
        if operation.method.upper() != "GET" or len(names) != 1:
            continue
        for secret in secrets:
            value = secret.ids.get("inmate_number") if "number" in names[0] else secret.ids.get("id")
            if value is None:
                continue
            case = operation.Case(path_parameters={names[0]: value})
            _assert_safe(case, call(case, headers), role, secrets, failures)
    # Lists without filters show everything the role may see: nothing restricted beyond that.
    for operation in operations:
        if operation.method.upper() == "GET" and "{" not in operation.path:
            case = operation.Case()
            _assert_safe(case, call(case, headers), role, secrets, failures)
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} problems)"


def test_fuzz_anonymous_gets_401_everywhere(schema, db):
    """Every operation but the token exchange refuses a call without a token, in the documented shape."""
    from django.test import Client

    client = Client()
    problems = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/auth/token"):
            continue
        path = re.sub(r"{[^}]+}", "1", operation.path)
        response = client.generic(operation.method.upper(), path, data="{}", content_type="application/json")
        if response.status_code != 401 or json.loads(response.content).get("error") != "not_authenticated":
            problems.append(f"{operation.method} {operation.path}: {response.status_code}")
    assert not problems, problems


def test_schema_names_are_unique():
    """Two areas' schemas under one name collapse into one OpenAPI component, so clients would get a wrong
    schema: each area prefixes names that another area also uses (IncidentsStatsOut, HealthStatsOut)."""
    assert colliding_schema_names() == set()
