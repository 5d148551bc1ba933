"""Chain version 2: an event's salt, the digests its hash covers, and when it was redacted; and the database's
guard on recorded events, which now allows exactly one change, the redaction (cases.services.events.event_redact):
the actor label and the reason may go to empty, the salt must, and redacted_at is set once. Every other column
stays as recorded; an event of version 1 (no digests) is never changed; PostgreSQL still refuses every DELETE.
SQLite still lets DELETE through, as before (the test runner empties tables with it); `audit verify` catches it.
"""

from django.db import migrations, models

# The columns a redaction leaves exactly as they were.
_KEPT = ("id", "request_id", "position", "actor_id", "at", "transition", "from_state", "to_state", "data",
         "prev_hash", "hash", "actor_digest", "reason_digest")
V1_MESSAGE = ("cases_event: this event was recorded before events could be redacted (chain version 1): its text is "
              "hashed as it is, so it cannot be changed")
REFUSED = "cases_event is append-only: record a new event instead of changing one; only event_redact may blank it"


def _redaction(same: str) -> str:
    """The SQL condition that an UPDATE of OLD to NEW is a redaction, ``same`` being the null-safe equality."""
    kept = " AND ".join(f"NEW.{c} {same} OLD.{c}" for c in _KEPT)
    return (f"OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND NEW.salt = '' "
            f"AND (NEW.actor_label = OLD.actor_label OR NEW.actor_label = '') "
            f"AND (NEW.reason = OLD.reason OR NEW.reason = '') AND {kept}")


POSTGRES_UP = [
    "DROP TRIGGER IF EXISTS cases_event_append_only ON cases_event",
    "DROP FUNCTION IF EXISTS cases_event_refuse_change()",
    f"""
CREATE FUNCTION cases_event_only_redaction() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.actor_digest = '' THEN
    RAISE EXCEPTION '{V1_MESSAGE}';
  END IF;
  IF TG_OP = 'UPDATE' AND {_redaction("IS NOT DISTINCT FROM")} THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '{REFUSED}';
END;
$$ LANGUAGE plpgsql
""", """
CREATE TRIGGER cases_event_only_redaction BEFORE UPDATE OR DELETE ON cases_event
  FOR EACH ROW EXECUTE FUNCTION cases_event_only_redaction()
"""]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS cases_event_only_redaction ON cases_event",
    "DROP FUNCTION IF EXISTS cases_event_only_redaction()",
    """
CREATE FUNCTION cases_event_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'cases_event is append-only: record a new event instead of changing one';
END;
$$ LANGUAGE plpgsql
""", """
CREATE TRIGGER cases_event_append_only BEFORE UPDATE OR DELETE ON cases_event
  FOR EACH ROW EXECUTE FUNCTION cases_event_refuse_change()
"""]
SQLITE_UP = [
    # Adding the columns rebuilt the table on SQLite, which took the old trigger with it; drop it in case it stayed.
    "DROP TRIGGER IF EXISTS cases_event_append_only",
    f"""
CREATE TRIGGER cases_event_v1_unchanged BEFORE UPDATE ON cases_event WHEN OLD.actor_digest = ''
BEGIN SELECT RAISE(ABORT, '{V1_MESSAGE}'); END
""", f"""
CREATE TRIGGER cases_event_only_redaction BEFORE UPDATE ON cases_event
WHEN OLD.actor_digest <> '' AND NOT ({_redaction("IS")})
BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END
"""]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS cases_event_v1_unchanged",
    "DROP TRIGGER IF EXISTS cases_event_only_redaction",
    """
CREATE TRIGGER cases_event_append_only BEFORE UPDATE ON cases_event
BEGIN SELECT RAISE(ABORT, 'cases_event is append-only: record a new event instead of changing one'); END
"""]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0015_sealed_passport_numbers'),
    ]

    operations = [
        migrations.AddField(
            model_name='event',
            name='actor_digest',
            field=models.CharField(blank=True, help_text='Salted SHA-256 of actor_label, which the hash covers (version 2).', max_length=64),
        ),
        migrations.AddField(
            model_name='event',
            name='reason_digest',
            field=models.CharField(blank=True, help_text='Salted SHA-256 of reason, which the hash covers (version 2).', max_length=64),
        ),
        migrations.AddField(
            model_name='event',
            name='redacted_at',
            field=models.DateTimeField(blank=True, help_text='When its actor label and reason were removed under the retention schedule.', null=True),
        ),
        migrations.AddField(
            model_name='event',
            name='salt',
            field=models.CharField(blank=True, help_text='Random, per event (version 2); removed with the text it salts.', max_length=32),
        ),
        migrations.RunPython(_run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
                             _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN})),
    ]
