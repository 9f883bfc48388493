"""Every route of relations, intake, education and council is in the OpenAPI document and in docs/api.md;
each area has its docs page."""

from __future__ import annotations

import re
from pathlib import Path

from emerald.api import api

DOCS = Path(__file__).resolve().parents[3] / "docs"
PREFIXES = ("/relationships", "/groups", "/memberships", "/rivalries", "/group-warnings", "/intake", "/education",
            "/council")


def test_every_route_is_documented():
    doc = (DOCS / "api.md").read_text(encoding="utf-8")
    documented = {(m, re.sub(r"\{[^}]*\}", "{}", p.split("?")[0]))
                  for m, p in re.findall(r"`(GET|POST|PATCH|PUT|DELETE) (/[^`\s]*)`", doc)}
    schema = api.get_openapi_schema()
    routes = [(method.upper(), re.sub(r"\{[^}]*\}", "{}", path.removeprefix("/api/v1")))
              for path, ops in schema["paths"].items() for method in ops
              if path.removeprefix("/api/v1").startswith(PREFIXES)]
    assert len(routes) >= 40
    missing = [r for r in routes if r not in documented]
    assert not missing, missing


def test_area_pages_exist():
    for page in ("intake.md", "groups.md", "council.md", "education.md"):
        assert (DOCS / page).read_text(encoding="utf-8").startswith("# ")
