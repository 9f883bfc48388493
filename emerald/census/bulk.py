"""Fast inserts and updates for the census day service (and the search benchmark).

Django's ``bulk_create`` prepares every value through every field and, on SQLite, splits inserts into
batches of a few dozen rows: a first census day (thousands of people, stays, placements, records and events)
took seconds. These helpers reserve primary keys up front, then write with ``COPY`` on PostgreSQL and
``executemany`` on SQLite. Values are converted once per column, the way Django would store them.

Only for code that already runs inside a service transaction and has validated its data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection, models


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """``n`` fresh primary keys for ``model``, safe against concurrent writers.

    PostgreSQL: taken from the table's sequence. SQLite: every write transaction holds the database's
    write lock (transaction mode IMMEDIATE), so the keys after the largest ever used are free.
    """
    if n <= 0:
        return []
    table = model._meta.db_table
    pk = str(model._meta.pk.column)  # type: ignore[union-attr]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_sequence(cur, table, pk), n])
            return [r[0] for r in cur.fetchall()]
        cur.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608 - names from the model
        top = cur.fetchone()[0]
        cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cur.fetchone()
        start = max(top, row[0] if row else 0) + 1
        return list(range(start, start + n))


_SEQUENCES: dict[tuple[str, str, str], str] = {}


def _sequence(cur: Any, table: str, pk: str) -> str:
    """The sequence behind a table's key (looked up once per database)."""
    key = (connection.settings_dict["NAME"], table, pk)
    if key not in _SEQUENCES:
        cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
        _SEQUENCES[key] = cur.fetchone()[0]
    return _SEQUENCES[key]


def _sqlite_datetime(v: datetime | None) -> str | None:
    # What Django's SQLite backend stores: naive UTC, str(datetime) (microseconds only when non-zero).
    if v is None:
        return None
    if v.tzinfo is not None:
        v = v.astimezone(UTC).replace(tzinfo=None)
    return str(v)


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a column's Python values are stored, or None when they go in as they are."""
    internal = field.get_internal_type()
    ops = connection.ops
    if internal == "DateTimeField":
        if connection.vendor == "sqlite":
            return _sqlite_datetime
        return None  # psycopg sends aware datetimes as timestamptz
    if internal == "DateField":
        return lambda v: None if v is None else ops.adapt_datefield_value(v)
    if internal == "JSONField":
        return lambda v: json.dumps(v, default=str)
    return None


def _columns(model: type[models.Model], names: Sequence[str]) -> tuple[list[str], list[tuple[int, Callable[[Any], Any]]]]:
    fields = [model._meta.get_field(n) for n in names]
    conversions = [(i, fn) for i, f in enumerate(fields) if (fn := _converter(f)) is not None]  # type: ignore[arg-type]
    return [f.column for f in fields], conversions  # type: ignore[union-attr,misc]


def _convert(rows: Iterable[Sequence[Any]], conversions: list[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    if not conversions:
        return [tuple(r) for r in rows]
    # Many rows share values (every event of a day has the same window): convert each value once.
    memo: dict[Any, Any] = {}
    out = []
    for row in rows:
        values = list(row)
        for i, fn in conversions:
            v = values[i]
            try:
                values[i] = memo[v]
            except (KeyError, TypeError):  # TypeError: unhashable (a dict for a JSON column)
                converted = fn(v)
                try:
                    memo[v] = converted
                except TypeError:
                    pass
                values[i] = converted
        out.append(values)
    return out


class Prepared(list[Sequence[Any]]):
    """Rows that already hold what the database stores — moments from ``datetime_adapter``, dates from
    ``date_adapter``, JSON as text, plain strings rather than enum members — written as they are."""


_MISSING = object()


def datetime_adapter() -> Callable[[datetime | None], Any]:
    """A function giving a moment as the database stores it in ``Prepared`` rows, each distinct moment
    converted once (a day's rows share many)."""
    if connection.vendor != "sqlite":
        return lambda v: v  # psycopg sends aware datetimes as timestamptz
    memo: dict[datetime | None, str | None] = {}

    def adapt(v: datetime | None) -> str | None:
        converted = memo.get(v, _MISSING)
        if converted is _MISSING:
            memo[v] = converted = _sqlite_datetime(v)
        return converted  # type: ignore[return-value]

    return adapt


def date_adapter() -> Callable[[date | None], Any]:
    """A function giving a date as the database stores it in ``Prepared`` rows."""
    ops = connection.ops
    return lambda v: None if v is None else ops.adapt_datefield_value(v)


def insert(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (values in the order of the field ``names``, primary key included if wanted).

    ``Prepared`` rows are written without looking at them again; others are converted column by column.
    """
    columns, conversions = _columns(model, names)
    table = model._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in columns)
    data = rows if isinstance(rows, Prepared) else _convert(rows, conversions)
    if not data:
        return 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            raw = cur.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in data:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', data)  # noqa: S608
    return len(data)


def update(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """``UPDATE ... SET names = values WHERE pk = last value``, one statement shape for every row."""
    columns, conversions = _columns(model, names)
    table = model._meta.db_table
    pk = model._meta.pk.column
    data = _convert(rows, conversions)  # the key, last, needs no conversion
    if not data:
        return 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # One statement, the values as one array per column: executemany costs PostgreSQL a statement per
            # row, and a VALUES list thousands of parameters to parse (a day's 300 source records: 38 and 55 ms,
            # against 28 ms).
            fields = [model._meta.get_field(n) for n in names]
            types = [f.db_type(connection) for f in fields] + [model._meta.pk.db_type(connection)]  # type: ignore[union-attr]
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            names_v = ", ".join(f'"{c}"' for c in [*columns, "_pk"])
            sets = ", ".join(f'"{c}" = v."{c}"' for c in columns)
            # The keys once more as a plain condition, so that the rows are found by the primary key index rather
            # than by hashing the whole table.
            columns_data = [list(col) for col in zip(*data, strict=True)]
            cur.execute(f'UPDATE "{table}" SET {sets} FROM unnest({arrays}) AS v({names_v}) '  # noqa: S608
                        f'WHERE "{table}"."{pk}" = v."_pk" AND "{table}"."{pk}" = ANY(%s)',
                        [*columns_data, columns_data[-1]])
        else:
            sets = ", ".join(f'"{c}" = %s' for c in columns)
            cur.executemany(f'UPDATE "{table}" SET {sets} WHERE "{pk}" = %s', data)  # noqa: S608
    return len(data)


def update_where_in(model: type[models.Model], values: dict[str, Any], ids: Sequence[int | None]) -> int:
    """``UPDATE ... SET field = value, ... WHERE pk IN ids`` (in chunks), without the ORM's per-key work."""
    if not ids:
        return 0
    columns, conversions = _columns(model, list(values))
    converted = _convert([list(values.values())], conversions)[0]
    table = model._meta.db_table
    pk = model._meta.pk.column
    sets = ", ".join(f'"{c}" = %s' for c in columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f'UPDATE "{table}" SET {sets} WHERE "{pk}" = ANY(%s)', [*converted, list(ids)])  # noqa: S608
            return len(ids)
        for start in range(0, len(ids), 900):
            chunk = list(ids[start:start + 900])
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f'UPDATE "{table}" SET {sets} WHERE "{pk}" IN ({marks})', [*converted, *chunk])  # noqa: S608
    return len(ids)
