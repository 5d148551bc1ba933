"""Holding the database to a checkpoint kept outside it: `audit verify --checkpoint` and `audit consistency`.

Each insider's change below is one a request's hash chain alone cannot show, or shows only in part: the checkpoint
someone kept, and the log it signed, catch it and say what it was.
"""

from __future__ import annotations

import base64
import functools
import http.server
import importlib
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.cases.audit import chained_event
from bordercase.cases.chain import event_hash, text_digest
from bordercase.cases.models import AllocationRound, Event, Request
from bordercase.cases.services.events import SYSTEM, event_append
from bordercase.immigration.models import IssuedLetter
from bordercase.lib.merkle import leaf_hash
from bordercase.lib.signed_note import Checkpoint as CheckpointText
from bordercase.lib.signed_note import Signer
from bordercase.reporting.imports import import_requests
from bordercase.transparency.checkpoints import checkpoint_make, log_signer
from bordercase.transparency.letters import KIND as LETTER
from bordercase.transparency.letters import letter_fields
from bordercase.transparency.log import EVENT, entry_data, event_fields, event_logged
from bordercase.transparency.models import LogEntry
from bordercase.transparency.proofs import consistency_between
from bordercase.transparency.records import import_logged
from tests.test_audit import append_only_trigger_off, demo, events_of
from tests.test_import_runs import LINES
from tests.test_reporting import _write

__all__ = ["demo"]  # the fixture, used by name
POSTGRES = connection.vendor == "postgresql"
LOG_APPEND_ONLY = importlib.import_module("bordercase.transparency.migrations.0003_log_append_only")
UPGRADE = importlib.import_module("bordercase.transparency.migrations.0005_record_what_came_before")


def audit(*args: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("audit", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.fixture
def kept(demo: dict[str, Request], tmp_path: Path) -> Path:
    """The latest checkpoint, as an outsider keeps it: a file of its own."""
    path = tmp_path / "kept-checkpoint.txt"
    path.write_text(checkpoint_make().note, encoding="utf-8")
    return path


def verify_kept(kept: Path) -> tuple[str, CommandError | None]:
    return audit("verify", "--checkpoint", str(kept))


@contextmanager
def log_unguarded() -> Iterator[None]:
    """As an insider writing to the database directly, not through bordercase: no log entry for what is written."""
    post_save.disconnect(sender="cases.Event", dispatch_uid="transparency.events")
    try:
        yield
    finally:
        post_save.connect(event_logged, sender="cases.Event", dispatch_uid="transparency.events")


@contextmanager
def log_triggers_off() -> Iterator[None]:
    """The database's refusals taken away, as an insider with its superuser's password could: changing the log;
    on PostgreSQL also emptying it and the events, and deleting rows others point at. Put back after."""
    with connection.cursor() as cursor:
        if POSTGRES:
            # A superuser's way round every trigger, the foreign keys' among them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER transparency_logentry_append_only")
        try:
            yield
        finally:
            if POSTGRES:
                cursor.execute("SET session_replication_role = DEFAULT")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                cursor.execute(LOG_APPEND_ONLY.SQLITE_UP)


@pytest.fixture
def dangling() -> Iterator[None]:
    """For a test that deletes requests as an insider would, leaving rows that point at them: its changes are rolled
    back without the check of every reference a test's end makes, which would only find what it did on purpose."""
    yield
    transaction.set_rollback(True)


def test_an_untouched_database_holds_to_its_checkpoint(kept: Path) -> None:
    out, error = verify_kept(kept)
    assert error is None, out
    assert "Every request's event chain is intact." in out
    assert "every event, letter, round file and import it recorded is in the database as recorded" in out


def test_emptying_the_requests_table_is_caught(demo: dict[str, Request], kept: Path, dangling: None) -> None:
    demo_requests = list(Request.objects.all())
    if POSTGRES:  # refused outright, for the table's owner too, until the trigger is taken away
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
            cursor.execute("TRUNCATE cases_request CASCADE")
        assert Request.objects.count() == len(demo_requests)
    with log_triggers_off(), connection.cursor() as cursor:
        if POSTGRES:
            cursor.execute("TRUNCATE cases_request CASCADE")
        else:
            cursor.execute("PRAGMA defer_foreign_keys = ON")  # checked at commit, which this test never reaches
            cursor.execute("DELETE FROM cases_event")
            cursor.execute("DELETE FROM cases_request")
    assert not Request.objects.exists()
    # The chain alone has nothing left to check: every request went with its chain.
    assert audit("verify")[1] is None
    out, error = verify_kept(kept)
    assert error is not None
    for request in demo.values():
        assert f"Request {request.reference} and its {request.events_count} recorded event(s) are in the " \
               "transparency log but not in the database: the request was deleted." in out


def test_deleting_one_whole_request_with_its_events_is_caught(demo: dict[str, Request], kept: Path,
                                                              dangling: None) -> None:
    gone = demo["declined"]
    with log_triggers_off(), connection.cursor() as cursor:
        if not POSTGRES:
            cursor.execute("PRAGMA defer_foreign_keys = ON")
        cursor.execute("DELETE FROM cases_event WHERE request_id = %s", [gone.pk])
        cursor.execute("DELETE FROM cases_request WHERE id = %s", [gone.pk])
    assert audit("verify")[1] is None  # no chain is left to break
    out, error = verify_kept(kept)
    assert error is not None
    assert out.splitlines() == [f"Request {gone.reference} and its {gone.events_count} recorded event(s) are in the "
                                "transparency log but not in the database: the request was deleted."]


def test_changing_who_made_an_event_is_caught(demo: dict[str, Request], kept: Path) -> None:
    request = demo["visa_granted"]
    event = next(e for e in events_of(request) if e.actor_id is not None)
    someone_else = User.objects.exclude(pk=event.actor_id).order_by("pk").first()
    assert someone_else is not None
    with append_only_trigger_off() as cursor:
        cursor.execute("UPDATE cases_event SET actor_id = %s WHERE id = %s", [someone_else.pk, event.pk])
    for out, error in (audit("verify"), verify_kept(kept)):
        assert error is not None
        assert f"{request.reference} event {event.position} ({event.transition}): it links to account " \
               f"{someone_else.pk} as who made it, but its recorded actor is {event.actor_label!r}: who made it " \
               "was changed after it was recorded." in out


def _rehash_from(request: Request, position: int, cursor: object) -> None:
    """Re-compute the chain from ``position`` on and the request's head, as a careful forger would."""
    previous = Event.objects.get(request=request, position=position - 1).hash if position > 1 else "0" * 64
    for event in Event.objects.filter(request=request, position__gte=position).order_by("position"):
        # The forger knows the salts, so re-digests the text as it now stands (chain version 2).
        chained = replace(chained_event(event), prev_hash=previous,
                          actor_digest=text_digest(salt=event.salt, field="actor", text=event.actor_label),
                          reason_digest=text_digest(salt=event.salt, field="reason", text=event.reason))
        hashed = chained.recomputed_hash(request.reference)
        cursor.execute("UPDATE cases_event SET prev_hash = %s, hash = %s, actor_digest = %s, "  # type: ignore[attr-defined]
                       "reason_digest = %s WHERE id = %s",
                       [previous, hashed, chained.actor_digest, chained.reason_digest, event.pk])
        previous = hashed
    cursor.execute("UPDATE cases_request SET events_head_hash = %s WHERE id = %s",  # type: ignore[attr-defined]
                   [previous, request.pk])


def test_an_event_edited_and_its_chain_rebuilt_is_caught(demo: dict[str, Request], kept: Path) -> None:
    request = demo["declined"]
    decline = Event.objects.get(request=request, transition="decline")
    with append_only_trigger_off() as cursor:
        cursor.execute("UPDATE cases_event SET reason = 'Approved after all.' WHERE id = %s", [decline.pk])
        _rehash_from(request, decline.position, cursor)
    assert audit("verify")[1] is None, "the chain was rebuilt: it shows nothing"
    out, error = verify_kept(kept)
    assert error is not None
    assert f"{request.reference} event {decline.position} (decline) is not the event the log recorded there: it " \
           "was changed, or put in another's place, after it was recorded." in out


def test_an_event_inserted_behind_bordercases_back_is_caught(demo: dict[str, Request], kept: Path) -> None:
    request = demo["visa_granted"]
    last = events_of(request)[-1]
    fields = {"actor_label": last.actor_label, "at": timezone.now(), "transition": "assign",
              "from_state": last.to_state, "to_state": last.to_state, "reason": "Looked at again.", "data": {},
              "prev_hash": last.hash}
    with log_unguarded():
        Event.objects.create(request=request, position=last.position + 1, actor=last.actor,
                             hash=event_hash(reference=request.reference, **fields), **fields)
    Request.objects.filter(pk=request.pk).update(events_count=last.position + 1,  # held: not a held model
                                                 events_head_hash=Event.objects.get(
                                                     request=request, position=last.position + 1).hash)
    assert audit("verify")[1] is None, "the forgery is a well-made link"
    out, error = verify_kept(kept)
    assert error is not None
    assert out.splitlines() == [f"{request.reference} event {last.position + 1} (assign) is not in the transparency "
                                "log: it was inserted without being recorded."]


def test_events_reordered_are_caught(demo: dict[str, Request], kept: Path) -> None:
    request = demo["visa_granted"]
    second, third = events_of(request)[1:3]
    with append_only_trigger_off() as cursor:
        cursor.execute("UPDATE cases_event SET position = 0 WHERE id = %s", [second.pk])
        cursor.execute("UPDATE cases_event SET position = 2 WHERE id = %s", [third.pk])
        cursor.execute("UPDATE cases_event SET position = 3 WHERE id = %s", [second.pk])
        _rehash_from(request, 2, cursor)
    out, error = verify_kept(kept)
    assert error is not None
    for event, position in ((third, 2), (second, 3)):
        assert f"{request.reference} event {position} ({event.transition}) is not the event the log recorded " \
               "there" in out


def test_the_log_itself_changed_or_cut_short_is_caught(demo: dict[str, Request], kept: Path) -> None:
    size = CheckpointText.from_text(kept.read_text().split("\n\n")[0] + "\n").size
    with log_triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE transparency_logentry SET data = %s WHERE \"index\" = 3",
                       [b'{"kind":"event","forged":true}'])
        cursor.execute("DELETE FROM transparency_logentry WHERE \"index\" IN (5, 6)")
    out, error = verify_kept(kept)
    assert error is not None
    # Said once each, however many entries follow the gap; then the events whose records are gone or unreadable.
    assert [line for line in out.splitlines() if line.startswith(("Log ", "The log"))] == [
        "Log entry 3 (event): its contents were changed after it was recorded.",
        "Log entries 5 to 6 are missing: they were deleted.",
        f"The log holds {size - 2:,} entries but the checkpoint kept has {size:,}: entries were removed (the log was "
        "emptied or cut short)."]
    assert sum("is not in the transparency log" in line for line in out.splitlines()) == 3
    with log_triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM transparency_logentry")
    out, error = verify_kept(kept)
    assert f"The log holds 0 entries but the checkpoint kept has {size:,}" in out


REFUSED = ["UPDATE transparency_logentry SET kind = 'letter'",
           "UPDATE transparency_logentry SET \"index\" = \"index\" + 1"]
if POSTGRES:  # SQLite has no TRUNCATE, and the test runner empties its tables with DELETE between browser tests
    REFUSED += ["DELETE FROM transparency_logentry", "TRUNCATE transparency_logentry", "TRUNCATE cases_event CASCADE",
                "TRUNCATE cases_request CASCADE"]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_database_refuses_to_change_or_empty_the_log_and_the_events(kept: Path, statement: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        if POSTGRES:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
        cursor.execute(statement)
    assert verify_kept(kept)[1] is None


def test_consistency_of_two_kept_checkpoints(demo: dict[str, Request], kept: Path, tmp_path: Path) -> None:
    request = demo["visa_granted"]
    # More happens, through bordercase: the log grows by the event.
    event_append(request=request, by=SYSTEM, transition="assign", from_state=request.status,
                 to_state=request.status, reason="Checked again.")
    newer = tmp_path / "newer.txt"
    newer.write_text(checkpoint_make().note, encoding="utf-8")
    out, error = audit("consistency", str(kept), str(newer))
    assert error is None and "Consistent: the log of" in out
    # With the proof as the API serves it, which needs no database.
    old_size, new_size = (CheckpointText.from_text(p.read_text().split("\n\n")[0] + "\n").size for p in (kept, newer))
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps({"old_size": old_size, "new_size": new_size, "proof": [
        base64.b64encode(h).decode() for h in consistency_between(old_size, new_size)]}))
    assert audit("consistency", str(kept), str(newer), "--proof", str(proof))[1] is None
    # A newer checkpoint over a log whose old entries were rewritten, signed with the log's own key.
    signer = log_signer()
    rewritten = tmp_path / "rewritten.txt"
    forged_root = bytes(32)
    rewritten.write_text(signer.sign(CheckpointText(signer.name, new_size, forged_root).text()), encoding="utf-8")
    out, error = audit("consistency", str(kept), str(rewritten), "--proof", str(proof))
    assert error is not None and "does not extend the log of" in out
    out, error = audit("consistency", str(newer), str(kept))
    assert error is not None and "give the older first" in out


@pytest.mark.parametrize("spoil", ["missing", "not a note", "another key", "another log", "an edited size"])
def test_a_checkpoint_that_cannot_be_used_says_why(kept: Path, tmp_path: Path, spoil: str) -> None:
    path = tmp_path / "spoilt.txt"
    note = kept.read_text(encoding="utf-8")
    other = Signer.generate(log_signer().name)
    text = note.split("\n\n")[0] + "\n"
    if spoil == "not a note":
        path.write_bytes(b"\xff\xfe nonsense")
    elif spoil == "another key":
        path.write_text(other.sign(text))
    elif spoil == "another log":  # signed by its own key, which is given: a good note, of another log
        other = Signer.generate("example.org/another-log")
        path.write_text(other.sign(text.replace(log_signer().name, other.name, 1)))
    elif spoil == "an edited size":
        lines = text.split("\n")
        path.write_text(note.replace(f"\n{lines[1]}\n", f"\n{int(lines[1]) + 1}\n", 1))
    key = ["--key", (other if spoil == "another log" else log_signer()).verifier_key()]
    target = str(tmp_path / "nowhere.txt") if spoil == "missing" else str(path)
    _, error = audit("verify", "--checkpoint", target, *key)
    assert error is not None and error.returncode == 2
    expected = {"missing": "Cannot read the checkpoint", "not a note": "Cannot read the checkpoint",
                "another key": "has no signature by", "another log": "not of this one",
                "an edited size": "does not match the note"}[spoil]
    assert expected in str(error)


def test_a_letter_deleted_or_changed_is_caught(demo: dict[str, Request], kept: Path, dangling: None) -> None:
    first, second = IssuedLetter.objects.order_by("pk")[:2]
    IssuedLetter.objects.filter(pk=first.pk).update(sha256="0" * 64)
    with connection.cursor() as cursor:
        if not POSTGRES:
            cursor.execute("PRAGMA defer_foreign_keys = ON")
        cursor.execute("DELETE FROM immigration_issuedletter WHERE id = %s", [second.pk])
    out, error = verify_kept(kept)
    assert error is not None
    assert out.splitlines() == [
        f"Letter {first.code}: it is not what the transparency log recorded: it was changed after it was recorded.",
        f"Letter {second.code} is in the transparency log but not in the database: it was deleted."]


def test_a_rounds_file_changed_is_caught(demo: dict[str, Request], kept: Path) -> None:
    drawn = AllocationRound.objects.filter(status=AllocationRound.Status.DRAWN).select_related("scheme").first()
    assert drawn is not None, "the demo draws a round"
    AllocationRound.objects.filter(pk=drawn.pk).update(results_sha256="f" * 64)  # held: not a held model
    out, error = verify_kept(kept)
    assert error is not None
    assert out.splitlines() == [f"The results file of {drawn.scheme.code} round {drawn.number}: it is not what the "
                                "transparency log recorded: it was changed after it was recorded."]


def test_records_made_before_the_log_are_recorded_by_the_upgrade(demo: dict[str, Request], kept: Path,
                                                                 tmp_path: Path) -> None:
    post_save.disconnect(sender="reporting.ImportRun", dispatch_uid="transparency.imports")
    try:
        run = import_requests(_write(tmp_path, "history.jsonl", LINES), by="hine").run
    finally:
        post_save.connect(import_logged, sender="reporting.ImportRun", dispatch_uid="transparency.imports")
    out, error = verify_kept(kept)
    assert error is not None
    assert out.splitlines() == [f"Import run {run.pk} is not in the transparency log: it was made without being "
                                "recorded."]
    leaves_before = LogEntry.objects.count()
    UPGRADE.record(django_apps, None)
    UPGRADE.record(django_apps, None)  # again: nothing twice
    assert LogEntry.objects.count() == leaves_before + 1  # the import alone: every other record has its leaf
    assert LogEntry.objects.filter(kind="import").count() == 1
    out, error = verify_kept(kept)
    assert error is None, out


def test_a_checkpoint_kept_at_an_address_is_fetched(kept: Path) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(kept.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        address = f"http://127.0.0.1:{server.server_address[1]}"
        out, error = audit("verify", "--checkpoint", f"{address}/{kept.name}")
        assert error is None and "as recorded" in out
        _, error = audit("verify", "--checkpoint", f"{address}/not-there.txt")
        assert error is not None and error.returncode == 2 and "Cannot read the checkpoint" in str(error)
    finally:
        server.shutdown()
        server.server_close()


def _leaf_forged(kind: str, fields: dict[str, object]) -> None:
    """A leaf written straight into the log, as an insider could: the trigger lets anything be inserted."""
    data = entry_data(kind, fields)
    LogEntry.objects.create(kind=kind, data=data, leaf_hash=leaf_hash(data), recorded_at=timezone.now())


def test_a_second_leaf_added_for_a_changed_record_does_not_hide_it(demo: dict[str, Request], kept: Path) -> None:
    request = demo["declined"]
    decline = Event.objects.get(request=request, transition="decline")
    with append_only_trigger_off() as cursor:
        cursor.execute("UPDATE cases_event SET reason = 'Approved after all.' WHERE id = %s", [decline.pk])
        _rehash_from(request, decline.position, cursor)
    _leaf_forged(EVENT, event_fields(Event.objects.get(pk=decline.pk)))
    letter = IssuedLetter.objects.select_related("request").order_by("pk").first()
    assert letter is not None
    IssuedLetter.objects.filter(pk=letter.pk).update(sha256="0" * 64)
    letter.refresh_from_db()
    _leaf_forged(LETTER, letter_fields(letter))
    out, error = verify_kept(kept)
    assert error is not None
    lines = out.splitlines()
    assert f"{request.reference} event {decline.position} (decline) is not the event the log recorded there: it " \
           "was changed, or put in another's place, after it was recorded." in lines
    assert any(line.endswith(f"records {request.reference} event {decline.position} again: it was added to the log "
                             "behind bordercase's back, and the event is held to its first record.") for line in lines)
    assert f"Letter {letter.code}: it is not what the transparency log recorded: it was changed after it was " \
           "recorded." in lines
    assert any(line.endswith(f"records letter {letter.code.lower()} again: it was added to the log behind "
                             "bordercase's back, and the record is held to its first leaf.") for line in lines)
