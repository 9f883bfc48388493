"""The canary crawl: restricted facts, seeded through the real doors, never reach a reader who may not know them.

On the whole Oz story, canaries are planted the way staff and imports would plant them:

- a **sealed person**, imported by the census importer (SEALED=Y), named later by an administrator, moved
  to Emerald City and linked to an incident, a keep-apart order, a group (as its leader), the council, a
  custody note and a relationship;
- the **victim and suspect of a sexual-abuse report** (two fresh people named in nothing else);
- a **restricted case** with a suspect in custody, a unit manager as member, and an **intelligence note**
  with a named informant;
- a **medical record** (an encounter).

Then, as each demo login, the crawl requests **every GET operation of the published OpenAPI document**
(path parameters filled in from the lists the role can read, and with the canaries' own ids), **every
staff page URL pattern** (parameters filled in the same way) and every page, partial (``hx-get``) and
export reachable from the navigation and from links. A canary string in any answer to a role that may not
know it is a leak. So is a hidden victim or suspect shown beside anything that ties them to the report.

It finds routes by itself: a new API route or page is requested the day it is added, and the test fails
if a URL pattern or operation could not be requested at all (give the crawl a way to reach it). See
docs/security.md ("The canary crawl").
"""

from __future__ import annotations

import gzip
import os
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ROLES = ["admin", "glynn", "mcmanus", "metzger", "nathan", "teacher", "investigator", "auditor"]
# The sexual-abuse response team (and the report's author, the investigator).
PREA_TEAM = {"glynn", "nathan", "investigator"}
PAGE_BUDGET = 450
# How close to a hidden victim's or suspect's name a tie to the report must be to count (characters).
NEAR = 400
PER_SHAPE = 4
# Pages a crawl must not follow: they end the session, switch the language, or are the API (crawled apart).
SKIP = re.compile(r"^/(api/|static/|i18n/|accounts/logout|admin/)")


@dataclass
class Canary:
    kind: str
    strings: list[str]
    may_see: set[str]


@dataclass
class World:
    canaries: list[Canary]
    # Values a path parameter may take, by the route prefix or key they belong to.
    seeded_ids: dict[str, list[str]]
    seeded_numbers: list[str]
    seeded_pages: list[str]
    # For the inference checks: people who must never be shown with what ties them to a restricted record.
    linked: list[tuple[str, list[str], list[str], set[str]]] = field(default_factory=list)


# --------------------------------------------------------------------------- seeding through the real doors


def _census_file(folder: Path, day: str, number: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"DOC_Inmates_InCustody_Daily_{day}.csv.gz"
    rows = ("inmateid,admitted_dt,custody_level,bradh,race,gender,age,inmate_status_code,sealed,srg_flg,"
            "top_charge,infraction\n"
            f"{number},2026-11-30T10:00:00.000,MAX,N,O,M,31.0,DE,Y,N,155.30,N\n")
    with gzip.open(path, "wt") as handle:
        handle.write(rows)
    return path


def seed(tmp: Path) -> World:
    from emerald.accounts.models import User
    from emerald.census.importer import run_import
    from emerald.core import clock
    from emerald.council import services as council
    from emerald.facilities.models import Cell, Unit
    from emerald.health import services as health
    from emerald.housing import services as housing
    from emerald.housing.models import Placement
    from emerald.incidents import services as incidents
    from emerald.investigations import services as cases
    from emerald.people.models import Person
    from emerald.people.services import person_create, person_update
    from emerald.relations import services as relations

    staff = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    admin, glynn, nathan, inv, mcmanus = (staff[k] for k in ("admin", "glynn", "nathan", "investigator", "mcmanus"))
    ec = Unit.objects.get(facility__code="OZ", code="EC")
    b = Unit.objects.get(facility__code="OZ", code="B")

    def free_cell(unit: Unit, beds: int = 2) -> Cell:
        taken = Placement.objects.filter(end_at__isnull=True, unit=unit).values("cell_id")
        cell = (Cell.objects.filter(unit=unit, in_service=True).exclude(pk__in=taken)
                .filter(beds__number__gte=1).distinct().order_by("code").first())
        assert cell is not None, f"no empty cell in {unit.code}"
        return cell

    now = clock.now()
    # 1. The sealed person: a census row with SEALED=Y, imported into Oz (the importer adds a dormitory in B).
    report = run_import(actor=admin, paths=[_census_file(tmp / "census", "20261201", "7730001")],
                        facility_code="OZ", id_prefix="ZQS", housing_map={"MAX": "B"})
    assert not report.problems, report
    sealed = Person.objects.get(inmate_number="ZQS7730001")
    assert sealed.sealed
    sealed = person_update(actor=admin, person=sealed, changes={
        "first_name": "Zqxsealfirst", "last_name": "Zqxseallast", "aliases": ["Zqxsealalias"]})
    housing.placement_move(actor=glynn, person=sealed, cell_id=free_cell(ec).pk, reason="classified to EC")
    neighbour = Placement.objects.filter(end_at__isnull=True, unit=ec).exclude(person=sealed).first().person
    housing.non_association_create(actor=glynn, person_a=sealed, person_b=neighbour, scope="unit",
                                   reason="threat", comment="canary order")
    incident = incidents.incident_create(
        actor=glynn, type="contraband", severity="low", occurred_at=now - timedelta(hours=2),
        title="Contraband in a cell", unit_id=ec.pk, description="Phone found during a search.",
        involvements=[{"kind": "in_custody", "role": "witness", "person": sealed.inmate_number},
                      {"kind": "in_custody", "role": "participant", "person": neighbour.inmate_number}])
    incidents.incident_submit(actor=glynn, incident=incident)
    crew = relations.group_create(actor=inv, name="Canary crew", description="a group led by the sealed person")
    relations.membership_create(actor=inv, person=sealed, group=crew, role="leader", source="intelligence",
                                source_reliability="B", information_credibility="2")
    relations.relationship_create(actor=inv, person_a=sealed, person_b=neighbour, kind="associate",
                                  source="court file")
    council.council_appoint(actor=mcmanus, unit=ec, person=sealed, role="member",
                            term_end=now.date() + timedelta(days=180))
    health.custody_note_create(actor=nathan, person=sealed, text="No lifting for two weeks.", kinds=["no_lifting"])

    def new_person(number: str, first: str, last: str, unit: Unit) -> Person:
        person = person_create(actor=glynn, inmate_number=number, first_name=first, last_name=last, sex="male",
                               custody_level="maximum")
        housing.person_admit(actor=glynn, person=person, cell_id=free_cell(unit).pk, reason="committed by the court")
        return person

    # 2. A sexual-abuse report naming two people who appear in nothing else.
    victim = new_person("ZQV0001", "Zqxvictimfirst", "Zqxvictimlast", b)
    suspect = new_person("ZQV0002", "Zqxsuspectfirst", "Zqxsuspectlast", b)
    report_ = incidents.incident_create(
        actor=inv, type="sexual_assault", severity="critical", occurred_at=now - timedelta(hours=1),
        title="Sexual abuse report", unit_id=b.pk, description="ZQXPREADESC statement of the victim",
        involvements=[{"kind": "in_custody", "role": "victim", "person": victim.inmate_number},
                      {"kind": "in_custody", "role": "suspect", "person": suspect.inmate_number}])
    report_ = incidents.incident_submit(actor=inv, incident=report_)

    # 3. A restricted case: a suspect in custody, a unit manager on the team, graded intelligence.
    case_suspect = new_person("ZQC0001", "Zqxcasesuspectfirst", "Zqxcasesuspectlast", b)
    case = cases.investigation_create(actor=inv, title="Zqxcasetitle", kind="criminal", lead=inv.username,
                                      description="ZQXCASEDESC confidential lead")
    cases.member_add(actor=inv, investigation=case, user=mcmanus.username)
    cases.person_add(actor=inv, investigation=case, kind="in_custody", role="suspect",
                     person=case_suspect.inmate_number, notes="ZQXCASENOTES")
    cases.intelligence_add(actor=inv, investigation=case, text="ZQXINTELTEXT the drop is on Tuesday",
                           source_reliability="B", information_credibility="2", informant_name="Zqxinformant")

    # 4. A medical record.
    patient = Placement.objects.filter(end_at__isnull=True, unit=b).exclude(
        person__in=[victim, suspect, case_suspect]).first().person
    encounter = health.encounter_create(actor=nathan, person=patient, kind="sick_call", occurred_at=now,
                                        notes="ZQXMEDNOTE chest pain", diagnoses="ZQXDIAGNOSIS")

    # Pages whose actions are reached only from a record page (the crawl follows their forms' actions).
    from emerald.legal.models import LegalMatter
    from emerald.movements.models import Transfer

    record_pages = [f"/legal/{m.pk}/" for m in LegalMatter.objects.order_by("pk")[:2]] + \
        [f"/movements/transfers/{t.pk}/" for t in Transfer.objects.order_by("-pk")[:2]]

    sealed_strings = [sealed.inmate_number, "Zqxsealfirst", "Zqxseallast", "Zqxsealalias", "7730001"]
    canaries = [
        Canary("sealed person", sealed_strings, {"admin", "glynn", "investigator"}),
        Canary("sexual-abuse report", ["ZQXPREADESC"], PREA_TEAM),
        Canary("restricted case", ["ZQXCASEDESC", "Zqxcasetitle", "ZQXCASENOTES"], {"investigator", "mcmanus", "glynn"}),
        Canary("intelligence note", ["ZQXINTELTEXT", "Zqxinformant"], {"investigator"}),
        Canary("medical record", ["ZQXMEDNOTE", "ZQXDIAGNOSIS"], {"nathan"}),
    ]
    rid = report_.pk
    # What ties a person to the report: its number, its kind, the reason of the order it made.
    # A form's list of reasons to choose from is not a tie: it is the same on every page.
    ties = [rf"/incidents/{rid}\b", rf'"incident_id":\s*{rid}\b', r'(?<!value=")victim_perpetrator',
            r"victim and perpetrator(?!\s*</option>)", r"Opfer und Täter(?!\s*</option>)", r"sexual assault",
            r"sexuelle", r"\bPREA\b",
            # The victim and suspect were admitted directly: any reassessment task of theirs is the report's.
            r"/intake/tasks/\d+"]
    linked = [
        ("victim of the sexual-abuse report", [victim.inmate_number, "Zqxvictimlast"], ties, PREA_TEAM),
        ("suspect of the sexual-abuse report", [suspect.inmate_number, "Zqxsuspectlast"], ties, PREA_TEAM),
    ]
    return World(
        canaries=canaries,
        seeded_ids={"incidents": [str(rid), str(incident.pk)], "investigations": [str(case.pk)],
                    "encounters": [str(encounter.pk)], "units": [str(ec.pk), str(b.pk)],
                    "council": [str(ec.pk)], "groups": [str(crew.pk)]},
        seeded_numbers=[sealed.inmate_number, victim.inmate_number, suspect.inmate_number,
                        case_suspect.inmate_number, patient.inmate_number],
        seeded_pages=[f"/people/{n}/" for n in (sealed.inmate_number, victim.inmate_number,
                                                 suspect.inmate_number, case_suspect.inmate_number,
                                                 patient.inmate_number)]
        + [f"/incidents/{rid}/", f"/incidents/{incident.pk}/", f"/investigations/{case.pk}/",
           f"/health/encounters/{encounter.pk}/", f"/health/people/{patient.inmate_number}/",
           f"/council/{ec.pk}/", f"/relations/groups/{crew.pk}/", f"/units/{ec.pk}/", f"/movements/units/{ec.pk}/",
           "/incidents/export.csv", "/health/export.csv", "/audit/", "/intake/",
           "/people/?q=Zqxsealfirst", f"/people/?q={sealed.inmate_number}", "/people/?q=Zqxvictimlast",
           *record_pages],
        linked=linked,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from emerald.demo import oz

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        with transaction.atomic():
            result = oz.load(story=True)
            assert result.loaded, result.message
            yield seed(tmp_path_factory.mktemp("canary"))
            transaction.set_rollback(True)


# --------------------------------------------------------------------------- checking answers


@dataclass
class Leak:
    where: str
    what: str
    snippet: str


def _snippet(text: str, needle: str) -> str:
    i = text.lower().find(needle.lower())
    return text[max(0, i - 80): i + len(needle) + 80].replace("\n", " ")


def check(world: World, role: str, where: str, text: str, leaks: list[Leak], url: str = "") -> None:
    """Canary strings in the answer; and, for the linked people, a tie in the answer or in the URL that
    the answer was reached by (a reassessment task's own page).

    What the request itself carried (a number in the path, a search term) may be echoed back — in a
    search box, a "next" field, or "No person with inmate number ..." — exactly as it would be for a
    number that does not exist; such echoes are not leaks and are taken out before the check.
    """
    parts = urlsplit(url)
    echoes = [seg for seg in parts.path.split("/") if seg] + [v for _k, v in parse_qsl(parts.query)]
    lowered = text.lower()
    for echo in sorted(echoes, key=len, reverse=True):
        if len(echo) >= 4:
            lowered = lowered.replace(echo.lower(), " ")
    for canary in world.canaries:
        if role in canary.may_see:
            continue
        for s in canary.strings:
            if s.lower() in lowered:
                leaks.append(Leak(where, f"{canary.kind}: {s}", _snippet(text, s)))
                break
    for what, names, ties, may_see in world.linked:
        if role in may_see or not any(n.lower() in lowered for n in names):
            continue
        # A tie counts beside the person (within NEAR characters, e.g. in the same list item or entry), or
        # in the URL the answer was reached by; an unrelated order elsewhere on a long page is not a tie.
        windows = [url] + [text[max(0, m.start() - NEAR): m.end() + NEAR]
                           for n in names for m in re.finditer(re.escape(n), text, re.IGNORECASE)]
        found = next(((tie, w, m) for w in windows for tie in ties if (m := re.search(tie, w, re.IGNORECASE))), None)
        if found:
            tie, w, m = found
            leaks.append(Leak(where, f"{what} shown with {tie!r}", w[max(0, m.start() - 80): m.end() + 80]))


# --------------------------------------------------------------------------- the API


def _walk(value: Any, key: str, pools: dict[str, set[str]]) -> None:
    if isinstance(value, dict):
        if "id" in value and isinstance(value["id"], int | str) and key:
            pools[key].add(str(value["id"]))
        for k, v in value.items():
            if k.endswith("_id") and isinstance(v, int | str) and v not in ("", None):
                pools[k.removesuffix("_id")].add(str(v))
            if k == "inmate_number" and isinstance(v, str):
                pools["inmate_number"].add(v)
            _walk(v, k if isinstance(v, dict | list) else key, pools)
    elif isinstance(value, list):
        for item in value:
            _walk(item, key, pools)


def _segment_keys(path: str, param: str) -> list[str]:
    """Pool names for a path parameter: the static segment before it, its singular, and the param's own name."""
    before = path.split("{" + param + "}")[0].rstrip("/").split("/")
    seg = before[-1] if before else ""
    keys = [seg, seg.rstrip("s"), seg.replace("-", "_"), param.removesuffix("_id"), param]
    if seg in ("items", "items"):
        keys.append(before[-2])
    return [k for k in keys if k]


def crawl_api(world: World, role: str, user: Any, leaks: list[Leak]) -> set[str]:
    from emerald.core.tests.api_helpers import Api

    api = Api(user)
    schema = api.get("/openapi.json")
    assert schema.status_code == 200
    paths = {p.removeprefix("/api/v1"): ops for p, ops in schema.json()["paths"].items()}
    gets = {p: ops["get"] for p, ops in paths.items() if "get" in ops}
    pools: dict[str, set[str]] = defaultdict(set)
    for key, values in world.seeded_ids.items():
        pools[key].update(values)
    pools["inmate_number"].update(world.seeded_numbers)
    pools["facility"].add("OZ")
    requested: set[str] = set()

    def call(path: str, url: str, params: dict[str, Any] | None = None) -> None:
        response = api.get(url, params)
        requested.add(path)
        assert response.status_code < 500, f"{role} GET {url} {params}: {response.status_code}"
        body = response.content.decode("utf-8", "replace")
        check(world, role, f"API {url} {params or ''}", body, leaks,
              url + ("?" + urlencode(params) if params else ""))
        if response.status_code == 200 and "json" in response.get("Content-Type", ""):
            try:
                data = response.json()
            except ValueError:
                return
            _walk(data, path.strip("/").split("/")[-1] if "{" not in path else "", pools)
            if isinstance(data, dict) and isinstance(data.get("items"), list):
                for item in data["items"]:
                    if isinstance(item, dict) and "id" in item:
                        pools[path.strip("/").split("/")[-1]].add(str(item["id"]))

    def query_values(op: dict[str, Any]) -> list[dict[str, Any]]:
        names = {q["name"] for q in op.get("parameters", []) if q["in"] == "query"}
        variants: list[dict[str, Any]] = [{"limit": 500} if "limit" in names else {}]
        for name in ("person", "inmate_number"):
            if name in names:
                variants += [{name: n} for n in world.seeded_numbers]
        if "q" in names:
            variants += [{"q": q} for q in ("Zqxsealfirst", "Zqxvictimlast", "Zqxcase", "ZQS7730001")]
        for name in ("first_name", "last_name"):
            if name in names:
                variants.append({"first_name": "Zqxsealfirst", "last_name": "Zqxseallast"})
        if "unit" in names or "unit_id" in names:
            variants += [{("unit" if "unit" in names else "unit_id"): u} for u in world.seeded_ids["units"]]
        if "facility" in names:
            variants.append({"facility": "OZ"})
        return variants

    # Lists first (they fill the pools), then every route with path parameters.
    for path, op in sorted(gets.items(), key=lambda kv: kv[0].count("{")):
        params = re.findall(r"{(\w+)}", path)
        if not params:
            for query in query_values(op):
                call(path, path, query)
            continue
        candidates: list[dict[str, str]] = [{}]
        for param in params:
            values: list[str] = []
            for key in _segment_keys(path, param):
                values += sorted(pools.get(key, set()) - set(values))
            if param == "inmate_number" or "number" in param:
                values = world.seeded_numbers + sorted(pools["inmate_number"] - set(world.seeded_numbers))[:3]
            seeded = [v for v in values if any(v in vals for vals in world.seeded_ids.values())]
            values = (seeded + [v for v in values if v not in seeded])[:6] or ["1"]
            candidates = [dict(c, **{param: v}) for c in candidates for v in values][:12]
        for filled in candidates:
            url = path
            for k, v in filled.items():
                url = url.replace("{" + k + "}", str(v))
            for query in query_values(op)[:4]:
                call(path, url, query)
    missing = set(gets) - requested
    assert not missing, f"API routes the crawl could not request: {sorted(missing)}"
    return requested


# --------------------------------------------------------------------------- the pages


def _patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    resolver = resolver or get_resolver()
    out = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            out += _patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append(prefix + str(p.pattern))
    return out


LINK = re.compile(r"""(?:href|hx-get|action)="(/[^"#]*)\"""")
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _shape(path: str) -> str:
    return re.sub(r"\d+", "<n>", re.sub(r"[A-Z]{1,3}\d{3,}", "<person>", path.split("?")[0]))


def _fill(pattern: str, world: World, seen_paths: list[str]) -> list[str]:
    """Concrete URLs for a URL pattern: its parameters from the canaries' ids, else from links seen."""
    if pattern.startswith(("api/", "static/", "i18n/")):
        return []
    params = CONVERTER.findall(pattern)
    if not params:
        return ["/" + pattern]
    regex = "^/" + re.escape(pattern)
    for conv, name in params:
        token = re.escape(f"<{conv + ':' if conv else ''}{name}>")
        regex = regex.replace(token, r"([^/]+)" if conv != "path" else r"(.+?)")
    regex += "$"
    found = [p.split("?")[0] for p in seen_paths if re.match(regex, p.split("?")[0])]
    urls = found[:2]
    # A pattern that takes a word (an action, a kind) is asked with one seen on a page; failing that, with a
    # word no view knows, which still asks the route what it answers a GET for a record it may not show.
    if not found or not any(c == "slug" or (c == "str" and n == "action") for c, n in params):
        filled = "/" + pattern
        for conv, name in params:
            token = f"<{conv + ':' if conv else ''}{name}>"
            if conv == "slug" or (conv == "str" and name == "action"):
                value = "view"
            elif "number" in name:
                value = world.seeded_numbers[0]
            else:
                seg = filled.split(token)[0].rstrip("/").split("/")[-1]
                pool = world.seeded_ids.get(seg) or world.seeded_ids.get(name.removesuffix("_id") + "s") or ["1"]
                value = pool[0]
            filled = filled.replace(token, value, 1)
        urls.append(filled)
    return list(dict.fromkeys(urls))


def _matches(pattern: str, url: str) -> bool:
    regex = "^/" + re.escape(pattern)
    for conv, name in CONVERTER.findall(pattern):
        token = re.escape(f"<{conv + ':' if conv else ''}{name}>")
        regex = regex.replace(token, r"([^/]+)" if conv != "path" else r"(.+?)")
    return re.match(regex + "$", url.split("?")[0]) is not None


def crawl_pages(world: World, role: str, user: Any, leaks: list[Leak], covered: set[str]) -> None:
    client = Client()
    client.force_login(user)
    queue: deque[str] = deque(["/", *world.seeded_pages])
    seen: set[str] = set()
    per_shape: dict[str, int] = defaultdict(int)
    visited: list[str] = []
    # Every link seen, followed or not: a form's action on a record page fills its pattern below.
    discovered: list[str] = []

    def visit(url: str) -> None:
        response = client.get(url)
        visited.append(url)
        assert response.status_code < 500, f"{role} GET {url}: {response.status_code}"
        if response.status_code == 302 and "/accounts/login" in response.get("Location", ""):
            raise AssertionError(f"{role} was signed out by {url}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        check(world, role, f"page {url}", text, leaks, url)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            for link in LINK.findall(text):
                link = link.replace("&amp;", "&")
                if not SKIP.search(link):
                    discovered.append(link)
                if not SKIP.search(link) and link not in seen:
                    queue.append(link)

    while queue and len(visited) < PAGE_BUDGET:
        url = queue.popleft()
        if url in seen or SKIP.search(url):
            continue
        seen.add(url)
        shape = _shape(url)
        must = any(n in url for n in world.seeded_numbers) or url in world.seeded_pages
        if per_shape[shape] >= PER_SHAPE and not must:
            continue
        per_shape[shape] += 1
        visit(url)
    # Every URL pattern, with the canaries' ids where it takes one.
    for pattern in _patterns():
        for url in _fill(pattern, world, visited + discovered):
            if url not in seen and not SKIP.search(url):
                seen.add(url)
                visit(url)
            covered.add(pattern)
    for url in visited:
        covered.update(p for p in _patterns() if _matches(p, url))


# --------------------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def coverage():
    return {"api": set(), "pages": set()}


@pytest.mark.parametrize("role", ROLES)
def test_no_canary_reaches_a_role_that_may_not_know_it(world, role, coverage, settings):
    from emerald.accounts.models import User

    user = User.objects.get(username=role)
    leaks: list[Leak] = []
    coverage["api"] |= crawl_api(world, role, user, leaks)
    crawl_pages(world, role, user, leaks, coverage["pages"])
    if leaks:
        by_what: dict[str, list[Leak]] = defaultdict(list)
        for leak in leaks:
            by_what[leak.what].append(leak)
        lines = [f"{len(leaks)} leaks to {role}:"]
        for what, items in sorted(by_what.items()):
            lines.append(f"  {what}: {len(items)}")
            for leak in items[:int(os.environ.get("EMERALD_CANARY_SHOW", "6"))]:
                lines.append(f"    {leak.where}\n      …{leak.snippet}…")
        pytest.fail("\n".join(lines), pytrace=False)


def test_every_page_pattern_is_reachable_by_the_crawl(world, coverage):
    """A URL pattern the crawl could not request is a route nobody checks: give the crawl a way to reach it
    (a link on a page, or an id in ``seed``)."""
    if not coverage["pages"]:
        pytest.skip("runs after the crawl")
    missing = [p for p in _patterns() if not p.startswith(("api/", "static/", "i18n/", "accounts/logout"))
               and p not in coverage["pages"]]
    assert not missing, f"page URL patterns the crawl never requested: {missing}"
