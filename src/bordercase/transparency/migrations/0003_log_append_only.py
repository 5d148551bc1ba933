"""The database itself refuses to change the transparency log, or to empty it or the events it records.

An entry may be written, and then placed in the tree once (its index set, nothing else changed); PostgreSQL refuses
any other UPDATE, any DELETE and a TRUNCATE, which no row trigger sees, of the log and of cases_event. SQLite, which
has no TRUNCATE, refuses the UPDATE; the test runner empties its tables with DELETE between browser tests, so there
a deletion is caught by `audit verify --checkpoint`. A table's owner can still take a trigger away: what holds
the database to account in the end is the checkpoint kept outside it.
"""

from django.db import migrations

_PLACED_ONLY = ('OLD."index" IS NULL AND NEW."index" IS NOT NULL AND NEW.id = OLD.id AND NEW.kind = OLD.kind '
                'AND NEW.data = OLD.data AND NEW.leaf_hash = OLD.leaf_hash AND NEW.recorded_at = OLD.recorded_at')
POSTGRES_UP = [f"""
CREATE FUNCTION transparency_log_refuse_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND {_PLACED_ONLY} THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'transparency_logentry is append-only: an entry is only ever placed in the tree, once';
END;
$$ LANGUAGE plpgsql
""", """
CREATE TRIGGER transparency_logentry_append_only BEFORE UPDATE OR DELETE ON transparency_logentry
  FOR EACH ROW EXECUTE FUNCTION transparency_log_refuse_change()
""", """
CREATE FUNCTION bordercase_refuse_truncate() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: it cannot be emptied';
END;
$$ LANGUAGE plpgsql
""", """
CREATE TRIGGER transparency_logentry_no_truncate BEFORE TRUNCATE ON transparency_logentry
  FOR EACH STATEMENT EXECUTE FUNCTION bordercase_refuse_truncate()
""", """
CREATE TRIGGER cases_event_no_truncate BEFORE TRUNCATE ON cases_event
  FOR EACH STATEMENT EXECUTE FUNCTION bordercase_refuse_truncate()
"""]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS cases_event_no_truncate ON cases_event",
    "DROP TRIGGER IF EXISTS transparency_logentry_no_truncate ON transparency_logentry",
    "DROP FUNCTION IF EXISTS bordercase_refuse_truncate()",
    "DROP TRIGGER IF EXISTS transparency_logentry_append_only ON transparency_logentry",
    "DROP FUNCTION IF EXISTS transparency_log_refuse_change()",
]
SQLITE_UP = f"""
CREATE TRIGGER transparency_logentry_append_only BEFORE UPDATE ON transparency_logentry
WHEN NOT ({_PLACED_ONLY})
BEGIN SELECT RAISE(ABORT, 'transparency_logentry is append-only: an entry is only ever placed in the tree, once'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS transparency_logentry_append_only;"


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
    dependencies = [("transparency", "0002_checkpoint"), ("cases", "0003_event_append_only")]
    operations = [migrations.RunPython(up, down)]
