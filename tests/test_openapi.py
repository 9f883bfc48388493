"""The published OpenAPI document lists every route the server answers, and every route of the contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from ninja.operation import PathView

from emerald.api import api

ROOT = Path(__file__).resolve().parent.parent
# The contract the lead keeps outside the repository, and the repository's own API documentation,
# which repeats every route of the contract.
CONTRACTS = [Path("/work/shared/API.md"), ROOT / "docs" / "api.md"]
PREFIX = "/api/v1"
NOT_OPERATIONS = {"openapi-json", "openapi-view", "api-root", "not-found"}


def _normalise(path: str) -> str:
    """Parameter names do not matter for the comparison: /units/{id} == /units/{unit_id}."""
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


def _django_route_to_openapi(route: str) -> str:
    return PREFIX + "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def _path_view(callback) -> PathView | None:
    """The ninja PathView behind a URL pattern (wrapped by EmeraldAPI, then by ninja's view closure)."""
    fn = callback
    while fn is not None:
        for cell in getattr(fn, "__closure__", None) or ():
            if isinstance(cell.cell_contents, PathView):
                return cell.cell_contents
        fn = getattr(fn, "__wrapped__", None)
    return None


def _api_resolver() -> URLResolver:
    for item in get_resolver().url_patterns:
        if isinstance(item, URLResolver) and item.namespace == "api":
            return item
    raise AssertionError("the API is not mounted")


def _served() -> set[tuple[str, str]]:
    found = set()
    for pattern in _api_resolver().url_patterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in NOT_OPERATIONS:
            continue
        view = _path_view(pattern.callback)
        assert view is not None, f"{pattern.pattern} is not a ninja route"
        path = _normalise(_django_route_to_openapi(str(pattern.pattern)))
        for operation in view.operations:
            if not operation.include_in_schema:
                continue
            for method in operation.methods:
                found.add((path, method.lower()))
    return found


@pytest.fixture(scope="module")
def schema() -> dict:
    return api.get_openapi_schema(path_prefix=PREFIX + "/")


def _documented(schema: dict) -> set[tuple[str, str]]:
    return {(_normalise(path), method) for path, ops in schema["paths"].items() for method in ops}


def test_every_served_route_is_in_the_schema(schema):
    served = _served()
    assert len(served) >= 20
    missing = served - _documented(schema)
    assert not missing, f"served but not in /api/v1/openapi.json: {sorted(missing)}"


def test_schema_lists_no_route_that_is_not_served(schema):
    extra = _documented(schema) - _served()
    assert not extra, sorted(extra)


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda p: str(p))
def test_every_route_of_the_contract_is_served(schema, contract):
    if not contract.exists():
        pytest.skip(f"{contract} is not on this machine")
    text = contract.read_text(encoding="utf-8")
    routes = {
        (_normalise(PREFIX + path.split("?")[0].removeprefix(PREFIX)), method.lower())
        for method, path in re.findall(r"`(GET|POST|PATCH|PUT|DELETE) (/[^`\s]*)`", text)
    }
    assert len(routes) >= 15, "the contract's route table was not found"
    missing = routes - _documented(schema)
    assert not missing, f"in {contract} but not served: {sorted(missing)}"


def test_schema_is_served_and_secured(client, db):
    body = client.get(PREFIX + "/openapi.json").json()
    assert body["paths"]
    token = body["paths"][PREFIX + "/auth/token"]["post"]
    assert "security" not in token or token["security"] in ([], [{}])
    people = body["paths"][PREFIX + "/people"]["get"]
    assert people["security"], "authenticated routes must declare the bearer scheme"
