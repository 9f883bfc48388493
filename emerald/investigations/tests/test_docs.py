"""Every incident and investigation route is in the OpenAPI document and described in docs/api.md."""

from __future__ import annotations

import re
from pathlib import Path

from emerald.api import api

DOC = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text(encoding="utf-8")


def test_every_route_is_documented():
    paths = [p for p in api.get_openapi_schema()["paths"] if p.startswith("/api/v1/incidents")
             or p.startswith("/api/v1/investigations")]
    assert len(paths) >= 20
    for path in paths:
        short = path.removeprefix("/api/v1")
        pattern = re.escape(short).replace(r"\{", "{").replace(r"\}", "}")
        assert re.search(pattern.replace("{id}", "{id}"), DOC), short
