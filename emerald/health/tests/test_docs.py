"""Every health, discipline and legal route is in the OpenAPI document and described in docs/api.md."""

from __future__ import annotations

import re
from pathlib import Path

from emerald.api import api

DOC = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text(encoding="utf-8")


def test_every_route_is_documented():
    schema = api.get_openapi_schema()["paths"]
    routes = [(path, method.upper()) for path, ops in schema.items() for method in ops
              if path.startswith(("/api/v1/health", "/api/v1/discipline", "/api/v1/legal"))]
    assert len(routes) >= 35
    for path, method in routes:
        short = path.removeprefix("/api/v1")
        assert re.search(re.escape(f"`{method} {short}") + r"[?`]", DOC), f"{method} {short}"
