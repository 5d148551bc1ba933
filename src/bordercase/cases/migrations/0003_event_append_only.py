"""Make the database itself refuse to change a recorded event.

PostgreSQL refuses UPDATE and DELETE; SQLite refuses UPDATE only, because the test runner
empties tables with DELETE between browser tests. Deletion there is caught by `audit verify`.
"""

from django.db import migrations

POSTGRES_UP = ["""
CREATE FUNCTION cases_event_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'cases_event is append-only: record a new event instead of changing one';
END;
$$ LANGUAGE plpgsql
""", """
CREATE TRIGGER cases_event_append_only BEFORE UPDATE OR DELETE ON cases_event
  FOR EACH ROW EXECUTE FUNCTION cases_event_refuse_change()
"""]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS cases_event_append_only ON cases_event",
    "DROP FUNCTION IF EXISTS cases_event_refuse_change()",
]
SQLITE_UP = """
CREATE TRIGGER cases_event_append_only BEFORE UPDATE ON cases_event
BEGIN SELECT RAISE(ABORT, 'cases_event is append-only: record a new event instead of changing one'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS cases_event_append_only;"


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRES_UP:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRES_DOWN:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_seed_bodies_and_schemes")]
    operations = [migrations.RunPython(up, down)]
