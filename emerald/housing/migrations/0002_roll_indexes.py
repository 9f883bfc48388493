# Added by H9 (movements, issue 4) for the roll at scale; PostgreSQL only, additive (indexes, no schema change).
#
# placement_open_unit_idx: the live roll counts open placements per unit from this partial covering index
#   (an index-only scan of the people in custody, never the history).
# placement_period_idx: the roll as of a past moment asks for the placements whose period [start_at, end_at)
#   contains the moment. A B-tree on start_at or end_at must read every placement that started before (or
#   ended after) the moment: millions of rows. A GiST index on the period range answers the containment
#   question directly; INCLUDE makes it an index-only scan. See emerald/movements/roll.py and
#   docs/performance.md ("Roll").

from django.db import migrations

PG_FORWARD = [
    "CREATE INDEX IF NOT EXISTS placement_open_unit_idx ON housing_placement (unit_id) INCLUDE (person_id) "
    "WHERE end_at IS NULL",
    "CREATE INDEX IF NOT EXISTS placement_period_idx ON housing_placement "
    "USING gist (tstzrange(start_at, end_at, '[)')) INCLUDE (unit_id, start_at, end_at)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS placement_period_idx",
    "DROP INDEX IF EXISTS placement_open_unit_idx",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("housing", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
