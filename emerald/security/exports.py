"""A CSV export helper every area can use: restricted columns left out, the export audited.

Rate limiting (``EMERALD_RATE_LIMITS["export"]``) and a generic audit entry come from
:class:`emerald.security.middleware.RateLimitMiddleware` for any URL whose name
contains ``export``; a view that builds its file with :func:`csv_response` gets a
richer audit entry (which columns were left out, which rows) instead.

Example::

    columns = [
        Column("inmate_number", lambda p: p.inmate_number),
        Column("diagnosis", lambda p: p.diagnosis, requires="health.view"),  # medical staff only
    ]
    return csv_response(request, action="people.export", object_type="person",
                        filename="people.csv", columns=columns, rows=selectors.people_visible_to(request.user))

Rows must already be filtered to what the user may see (use the area's selectors).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse

from emerald.accounts.permissions import allowed
from emerald.audit import services as audit


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    #: A permission action (emerald/accounts/permissions.py) the user needs to get this column.
    requires: str | None = None


def visible_columns(actor: Any, columns: Iterable[Column]) -> tuple[list[Column], list[str]]:
    """(columns the actor may see, headers left out)."""
    shown: list[Column] = []
    left_out: list[Column] = []
    for column in columns:
        (shown if column.requires is None or allowed(actor, column.requires) else left_out).append(column)
    return shown, [c.header for c in left_out]


#: A cell that begins with one of these is a formula to a spreadsheet (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as a CSV cell a spreadsheet shows as text: a leading formula character gets a quote before it."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return "" if value is None else value


class SafeWriter:
    """The one CSV writer of every export: each cell through :func:`safe_cell`."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])


def csv_download(filename: str) -> tuple[HttpResponse, SafeWriter]:
    """An empty CSV attachment (not cached) and the writer to fill it with."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response, SafeWriter(response)


def csv_response(
    request: HttpRequest, *, action: str, object_type: str, filename: str, columns: Iterable[Column],
    rows: Iterable[Any], id_of: Callable[[Any], Any] = lambda row: getattr(row, "pk", ""),
) -> HttpResponse:
    """A CSV download of ``rows`` with the columns the user may see; audited as ``action``."""
    actor = getattr(request, "auth", None) or request.user
    shown, left_out = visible_columns(actor, columns)
    response, writer = csv_download(filename)
    writer.writerow([c.header for c in shown])
    ids = []
    for row in rows:
        writer.writerow([c.value(row) for c in shown])
        ids.append(str(id_of(row)))
    audit.record(actor=actor, action=action, object_type=object_type,
                 changes={"rows": len(ids), "ids": ids[:1000], "columns": [c.header for c in shown],
                          "left_out": left_out, "query": request.GET.urlencode()[:500]},
                 summary=f"exported {len(ids)} {object_type} rows" + (
                     f" without {', '.join(left_out)}" if left_out else ""))
    request._emerald_export_audited = True  # type: ignore[attr-defined]
    return response
