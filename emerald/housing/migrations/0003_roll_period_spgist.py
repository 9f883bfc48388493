# Added by H9 (movements, issue 4); PostgreSQL only, additive (an index replaced, no schema change).
#
# placement_period_idx answers the roll as of a past moment: the placements whose period [start_at, end_at)
# contains the moment. 0002 made it a GiST index. Measured on 22 M placements (bench/roll.py), a space-
# partitioning index (SP-GiST: a quad tree over the two bounds of the range) answered in about a fifth of the
# time (p95 126-222 ms against 1.4 s cold) and is a third smaller (1.9 GB against 2.9 GB): long and open-ended
# periods overlap in almost every GiST page. Same name, same expression: the query in
# emerald/movements/roll.py (occupied_at) is unchanged. See docs/performance.md ("Roll").

from django.db import migrations

SPGIST = ("CREATE INDEX IF NOT EXISTS placement_period_idx ON housing_placement "
          "USING spgist (tstzrange(start_at, end_at, '[)')) INCLUDE (unit_id, start_at, end_at)")
# SP-GiST accepts INCLUDE from PostgreSQL 14; before, the index answers the question with table lookups.
SPGIST_PG13 = ("CREATE INDEX IF NOT EXISTS placement_period_idx ON housing_placement "
               "USING spgist (tstzrange(start_at, end_at, '[)'))")
GIST = ("CREATE INDEX IF NOT EXISTS placement_period_idx ON housing_placement "
        "USING gist (tstzrange(start_at, end_at, '[)')) INCLUDE (unit_id, start_at, end_at)")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS placement_period_idx")
        schema_editor.execute(SPGIST_PG13 if schema_editor.connection.pg_version < 140000 else SPGIST)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS placement_period_idx")
        schema_editor.execute(GIST)


class Migration(migrations.Migration):

    dependencies = [
        ("housing", "0002_roll_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward)]
