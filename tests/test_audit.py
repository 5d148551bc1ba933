"""Tampering with the stored event log, and `audit verify` finding it."""

from __future__ import annotations

import importlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from bordercase.cases.chain import event_hash
from bordercase.cases.models import Event, Request
from bordercase.cli import main
from tests.conftest import DemoScene

APPEND_ONLY = importlib.import_module("bordercase.cases.migrations.0016_event_redaction")


@contextmanager
def append_only_trigger_off() -> Iterator[Any]:
    """Inside the test's transaction, take the database's append-only triggers away, then put them back."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            # Deferred foreign-key checks queued by this transaction's inserts would block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE cases_event DISABLE TRIGGER cases_event_only_redaction")
        else:
            cursor.execute("DROP TRIGGER cases_event_v1_unchanged")
            cursor.execute("DROP TRIGGER cases_event_only_redaction")
        try:
            yield cursor
        finally:
            if postgres:
                cursor.execute("ALTER TABLE cases_event ENABLE TRIGGER cases_event_only_redaction")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for statement in APPEND_ONLY.SQLITE_UP:
                    cursor.execute(statement)


def verify() -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.fixture
def demo(demo_scene: DemoScene, db: None) -> dict[str, Request]:
    """One request per status, keyed by status, read afresh for the test."""
    return {status: Request.objects.get(pk=request.pk) for status, request in demo_scene.by_status.items()}


def events_of(request: Request) -> list[Event]:
    return list(Event.objects.filter(request=request).order_by("position"))


def assert_reported(out: str, error: CommandError | None, request: Request, *phrases: str) -> list[str]:
    assert error is not None, f"audit verify passed tampered data:\n{out}"
    assert "problem(s) in the event log" in str(error)
    lines = [line for line in out.splitlines() if request.reference in line]
    assert lines, out
    for phrase in phrases:
        assert any(phrase in line for line in lines), f"{phrase!r} not in {lines}"
    return lines


def assert_only_this_request_reported(out: str, demo: dict[str, Request], request: Request) -> None:
    others = [r.reference for r in Request.objects.exclude(pk=request.pk)]
    assert others and not any(ref in out for ref in others)
    assert "intact" not in out


def test_untouched_demo_data_verifies_as_intact(demo: dict[str, Request]) -> None:
    out, error = verify()
    assert error is None and "Every request's event chain is intact." in out
    assert len(demo) >= 10


def test_an_edited_reason_is_reported_as_an_edit_at_its_position(demo: dict[str, Request]) -> None:
    request = demo["visa_granted"]
    fourth = events_of(request)[3].transition
    with append_only_trigger_off() as cursor:
        cursor.execute("UPDATE cases_event SET reason = %s WHERE request_id = %s AND position = %s",
                       ["Salary meets the threshold.", request.pk, 4])
    assert Event.objects.get(request=request, position=4).reason == "Salary meets the threshold."
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_event SET reason = 'Again.' WHERE request_id = %s", [request.pk])
    out, error = verify()
    assert_reported(out, error, request, f"{request.reference} event 4 ({fourth})", "edited")
    assert_only_this_request_reported(out, demo, request)


def test_a_deleted_middle_event_is_reported_as_deleted(demo: dict[str, Request]) -> None:
    request = demo["visa_granted"]
    count = request.events_count
    with append_only_trigger_off() as cursor:
        cursor.execute("DELETE FROM cases_event WHERE request_id = %s AND position = %s", [request.pk, 3])
    out, error = verify()
    assert_reported(out, error, request, "no event at position 3 (the next is 4): an event was deleted",
                    f"records {count} events but {count - 1} are stored: events were deleted")
    assert_only_this_request_reported(out, demo, request)


def test_a_deleted_last_event_is_caught_by_the_requests_count(demo: dict[str, Request]) -> None:
    request = demo["declined"]
    count = request.events_count
    with append_only_trigger_off() as cursor:
        cursor.execute("DELETE FROM cases_event WHERE request_id = %s AND position = %s", [request.pk, count])
    out, error = verify()
    assert_reported(out, error, request, f"records {count} events but {count - 1} are stored",
                    "its status was changed without an event")
    assert_only_this_request_reported(out, demo, request)


def test_two_events_swapped_are_reported_out_of_order_naming_the_positions(demo: dict[str, Request]) -> None:
    request = demo["visa_granted"]
    third, fourth = (e.transition for e in events_of(request)[2:4])
    assert third != fourth  # else the swap would not show in the names
    with append_only_trigger_off() as cursor:
        for old, new in ((3, 1000), (4, 3), (1000, 4)):
            cursor.execute("UPDATE cases_event SET position = %s WHERE request_id = %s AND position = %s",
                           [new, request.pk, old])
    assert [e.transition for e in events_of(request)][2:4] == [fourth, third]
    out, error = verify()
    assert_reported(out, error, request,
                    f"{request.reference} event 3 ({fourth}): out of order: it was recorded after the event "
                    "now at position 4")
    assert_only_this_request_reported(out, demo, request)


def test_a_status_changed_by_raw_sql_without_an_event_is_reported(demo: dict[str, Request]) -> None:
    request = demo["lodged"]
    with connection.cursor() as cursor:  # the request row itself is not append-only
        cursor.execute("UPDATE cases_request SET status = %s WHERE id = %s", ["eligible", request.pk])
    out, error = verify()
    assert_reported(out, error, request, "the request is 'eligible' but its history ends in 'lodged'",
                    "changed without an event")
    assert_only_this_request_reported(out, demo, request)


def test_a_forged_event_inserted_in_the_middle_is_reported(demo: dict[str, Request]) -> None:
    request = demo["visa_granted"]
    events = events_of(request)
    before = events[1]  # the lodge event; the forgery goes at position 3
    with append_only_trigger_off() as cursor:
        for event in reversed(events[2:]):
            cursor.execute("UPDATE cases_event SET position = position + 1 WHERE id = %s", [event.pk])
    at = timezone.now()
    fields = {"actor_label": before.actor_label, "at": at, "transition": "find_eligible", "from_state": "lodged",
              "to_state": "eligible", "reason": "Waved through.", "data": {}, "prev_hash": before.hash}
    Event.objects.create(request=request, position=3, actor=before.actor,
                         hash=event_hash(reference=request.reference, **fields), **fields)
    # A careful forger also moves the request's count, so only the chain's links give it away.
    Request.objects.filter(pk=request.pk).update(events_count=len(events) + 1)
    out, error = verify()
    moved = events[2].transition
    lines = assert_reported(out, error, request,
                            f"{request.reference} event 4 ({moved}): out of order: it was recorded after the event "
                            "now at position 2")
    assert not any("event 3" in line for line in lines), "the forgery itself hashes correctly"
    assert_only_this_request_reported(out, demo, request)


def test_a_raw_sql_delete_is_refused_by_postgresql_and_caught_by_the_audit_on_sqlite(
    demo: dict[str, Request],
) -> None:
    # SQLite's trigger refuses UPDATE only (the browser tests empty tables with DELETE), so there
    # the audit is what catches a deletion.
    request = demo["visa_granted"]
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM cases_event WHERE request_id = %s AND position = 2", [request.pk])
        assert Event.objects.filter(request=request).count() == request.events_count
        assert verify()[1] is None
    else:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM cases_event WHERE request_id = %s AND position = 2", [request.pk])
        out, error = verify()
        assert_reported(out, error, request, "no event at position 2")


def test_the_console_command_exits_1_and_names_the_tampered_event(
    demo: dict[str, Request], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Through `bordercase`'s own entry point, so the exit status is the one an operator's shell or timer sees.
    # A console command closes its connections when it ends, which would end this test's transaction with it.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    main(["audit", "verify"])
    assert "Every request's event chain is intact." in capsys.readouterr().out

    request = demo["declined"]
    position = Event.objects.get(request=request, transition="decline").position
    with append_only_trigger_off() as cursor:
        cursor.execute("UPDATE cases_event SET reason = 'Approved after all.' WHERE request_id = %s AND position = %s",
                       [request.pk, position])
    with pytest.raises(SystemExit) as exited:
        main(["audit", "verify"])
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert f"{request.reference} event {position} (decline): its contents were edited" in out
    assert "problem(s) in the event log" in err
