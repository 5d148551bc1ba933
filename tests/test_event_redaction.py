"""Chain version 2: an event's personal text (who acted, why) redacted under the retention schedule, the event still
verifying; the chain's checks over plain values; the database allowing that one change and refusing every other."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bordercase.cases.audit import audit_problems, chained_event
from bordercase.cases.chain import GENESIS, Anchor, ChainedEvent, chain_problems, event_hash_v2, text_digest
from bordercase.cases.models import Event, Request
from bordercase.cases.models.events import REMOVED, AppendOnly
from bordercase.cases.services.events import NotRedactable, event_redact
from tests.conftest import API, World, draft_made, signed_in
from tests.test_retention import _as_version_1
from tests.walking import walk

REF = "BC-TEST-0001"
AT = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


# --- the chain, over plain values (as anyone holding an export re-computes it) ------------------------------------


def v2(*, actor_id: int | None = 7, label: str = "user:7:ana@example.com", reason: str = "I withdraw: I found "
       "other work.", prev: str = GENESIS, salt: str = "ab" * 16) -> ChainedEvent:
    actor_digest = text_digest(salt=salt, field="actor", text=label)
    reason_digest = text_digest(salt=salt, field="reason", text=reason)
    hashed = event_hash_v2(reference=REF, actor_id=actor_id, actor_digest=actor_digest, at=AT, transition="withdraw",
                           from_state="lodged", to_state="withdrawn", reason_digest=reason_digest, data={},
                           prev_hash=prev)
    return ChainedEvent(position=1, actor_label=label, at=AT, transition="withdraw", from_state="lodged",
                        to_state="withdrawn", reason=reason, data={}, prev_hash=prev, hash=hashed, actor_id=actor_id,
                        salt=salt, actor_digest=actor_digest, reason_digest=reason_digest)


def problems(event: ChainedEvent) -> list[str]:
    return chain_problems(REF, [event], Anchor(1, event.hash, event.to_state))


def redacted(event: ChainedEvent, *, label: str = "") -> ChainedEvent:
    return replace(event, actor_label=label, reason="", salt="", redacted=True)


def test_a_version_2_event_verifies_with_its_text_and_once_redacted() -> None:
    event = v2()
    assert event.version == 2 and problems(event) == []
    assert problems(redacted(event)) == []


def test_the_digests_are_salted_and_domain_separated() -> None:
    assert text_digest(salt="a" * 32, field="actor", text="x") != text_digest(salt="b" * 32, field="actor", text="x")
    assert text_digest(salt="a" * 32, field="actor", text="x") != text_digest(salt="a" * 32, field="reason", text="x")
    # The parts cannot run into each other: moving a character from the salt to the text changes the digest.
    assert text_digest(salt="ab", field="reason", text="c") != text_digest(salt="a", field="reason", text="bc")


@pytest.mark.parametrize("edit", [
    {"reason": "I was refused."},  # the text edited, the salt kept: it no longer gives its digest
    {"actor_label": "user:7:someone@example.com"},
    {"salt": ""},  # the salt dropped without the event being redacted
    {"reason_digest": "0" * 64},  # a digest changed: the hash no longer matches
    {"actor_digest": "0" * 64},
    {"data": {"note": "added"}},
], ids=["reason", "actor-label", "salt-dropped", "reason-digest", "actor-digest", "data"])
def test_editing_a_version_2_event_is_reported_as_an_edit(edit: dict[str, Any]) -> None:
    assert problems(replace(v2(), **edit)) == [f"{REF} event 1 (withdraw): its contents were edited after it was "
                                               "recorded."]


def test_a_redacted_event_with_text_put_back_or_its_digest_changed_is_reported() -> None:
    gone = redacted(v2())
    for edit in ({"reason": "Some other reason."}, {"reason_digest": "0" * 64}):
        assert f"{REF} event 1 (withdraw): its contents were edited after it was recorded." in \
            problems(replace(gone, **edit))


def test_changing_the_account_of_a_redacted_event_breaks_it() -> None:
    # With its label gone, the account is what says who acted: it is hashed in clear.
    assert problems(replace(redacted(v2()), actor_id=8)) == [
        f"{REF} event 1 (withdraw): its contents were edited after it was recorded."]


def test_a_label_kept_on_redaction_must_still_name_the_account() -> None:
    staff = v2(actor_id=3, label="user:3:assessor@example.com")
    assert problems(redacted(staff, label=staff.actor_label)) == []
    assert any("who made it was changed" in p for p in problems(redacted(staff, label="user:4:other@example.com")))


def test_a_version_1_event_verifies_as_before() -> None:
    from bordercase.cases.chain import event_hash

    label = "user:7:ana@example.com"
    hashed = event_hash(reference=REF, actor_label=label, at=AT, transition="withdraw", from_state="lodged",
                        to_state="withdrawn", reason="Why.", data={}, prev_hash=GENESIS)
    event = ChainedEvent(position=1, actor_label=label, at=AT, transition="withdraw", from_state="lodged",
                         to_state="withdrawn", reason="Why.", data={}, prev_hash=GENESIS, hash=hashed, actor_id=7)
    assert event.version == 1 and problems(event) == []
    assert problems(replace(event, reason="Edited.")) == [
        f"{REF} event 1 (withdraw): its contents were edited after it was recorded."]


# --- event_redact ---------------------------------------------------------------------------------------------------


@pytest.fixture
def withdrawn(world: World) -> Request:
    draft = draft_made(world, scheme="other-essential-worker-2020", body="inz")
    return walk(draft, [("lodge", world.employer_a), ("withdraw", world.employer_a)],
                reason="The worker took another job in Auckland.")


def last_event(request: Request) -> Event:
    return Event.objects.filter(request=request).order_by("position").last()  # type: ignore[return-value]


def verified() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)  # raises CommandError on any problem
    return out.getvalue()


def test_redacting_removes_the_text_and_the_salt_and_the_history_still_verifies(
    world: World, withdrawn: Request,
) -> None:
    event = last_event(withdrawn)
    was = (event.hash, event.prev_hash, event.actor_id, event.actor_digest, event.reason_digest, event.data,
           event.at, event.position)
    assert event.salt and world.employer_a.email in event.actor_label and event.reason
    event_redact(event)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.actor_label, stored.reason, stored.salt) == ("", "", "")
    assert stored.redacted_at is not None
    assert (stored.hash, stored.prev_hash, stored.actor_id, stored.actor_digest, stored.reason_digest, stored.data,
            stored.at, stored.position) == was
    assert (stored.reason_shown, stored.actor_shown) == (REMOVED, REMOVED)
    assert "intact" in verified()
    with pytest.raises(NotRedactable, match="redacted already"):
        event_redact(stored)


def test_a_body_staff_label_can_stay_when_only_the_reason_goes(withdrawn: Request) -> None:
    event = last_event(withdrawn)
    label = event.actor_label
    event_redact(event, actor=False)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.actor_label, stored.reason, stored.actor_shown) == (label, "", label)
    assert "intact" in verified()


def test_an_event_recorded_before_version_2_cannot_be_redacted(withdrawn: Request) -> None:
    _as_version_1(withdrawn)
    event = last_event(withdrawn)
    with pytest.raises(NotRedactable, match="recorded before events could be redacted"):
        event_redact(event)
    assert Event.objects.get(pk=event.pk).reason == "The worker took another job in Auckland."
    assert isinstance(NotRedactable("x"), AppendOnly)


# --- the database's guard, by raw SQL ---------------------------------------------------------------------------------


def sql(statement: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


REDACT = "UPDATE cases_event SET actor_label = '', reason = '', salt = '', redacted_at = %s WHERE id = %s"


def test_the_database_allows_the_redaction(withdrawn: Request) -> None:
    event = last_event(withdrawn)
    sql(REDACT, [timezone.now(), event.pk])
    assert Event.objects.get(pk=event.pk).redacted_at is not None
    assert "intact" in verified()


@pytest.mark.parametrize(("change", "params"), [
    ("hash = %s", ["f" * 64]),
    ("prev_hash = %s", ["f" * 64]),
    ("actor_digest = %s", ["f" * 64]),
    ("reason_digest = %s", ["f" * 64]),
    ("data = %s", ['{"a": 1}']),
    ("transition = %s", ["decline"]),
    ("to_state = %s", ["declined"]),
    ("from_state = %s", ["draft"]),
    ("position = %s", [99]),
    ("at = %s", [AT]),
    ("actor_id = NULL", []),
    ("reason = %s", ["Something else."]),
    ("actor_label = %s", ["user:1:someone@example.com"]),
    ("salt = %s", ["00" * 16]),
], ids=lambda v: v if isinstance(v, str) else "")
def test_the_database_refuses_any_other_change_even_with_a_redaction(
    withdrawn: Request, change: str, params: list[Any],
) -> None:
    event = last_event(withdrawn)
    # Alone, and slipped into what is otherwise a redaction.
    rest = ", ".join(f"{c} = ''" for c in ("actor_label", "reason", "salt") if not change.startswith(c))
    for statement, values in (
        (f"UPDATE cases_event SET {change} WHERE id = %s", [*params, event.pk]),  # noqa: S608 (the test's own)
        (f"UPDATE cases_event SET {change}, {rest}, redacted_at = %s WHERE id = %s",  # noqa: S608
         [*params, timezone.now(), event.pk]),
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            sql(statement, values)
    assert chained_event(Event.objects.get(pk=event.pk)) == chained_event(event)


def test_the_database_refuses_a_redaction_that_keeps_the_salt_or_is_undone(withdrawn: Request) -> None:
    event = last_event(withdrawn)
    with pytest.raises(DatabaseError, match="append-only"):
        sql("UPDATE cases_event SET reason = '', redacted_at = %s WHERE id = %s", [timezone.now(), event.pk])
    with pytest.raises(DatabaseError, match="append-only"):  # not marked redacted
        sql("UPDATE cases_event SET reason = '', salt = '' WHERE id = %s", [event.pk])
    sql(REDACT, [timezone.now(), event.pk])
    for statement, values in (("UPDATE cases_event SET redacted_at = NULL WHERE id = %s", [event.pk]),
                              ("UPDATE cases_event SET redacted_at = %s WHERE id = %s", [timezone.now(), event.pk])):
        with pytest.raises(DatabaseError, match="append-only"):
            sql(statement, values)


def test_the_database_refuses_to_change_a_version_1_event_saying_why(withdrawn: Request) -> None:
    _as_version_1(withdrawn)
    event = last_event(withdrawn)
    with pytest.raises(DatabaseError, match="recorded before events could be redacted"):
        sql(REDACT, [timezone.now(), event.pk])
    assert Event.objects.get(pk=event.pk).reason


def test_a_deleted_event_is_refused_by_postgresql_and_named_by_the_audit_on_sqlite(withdrawn: Request) -> None:
    event = last_event(withdrawn)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            sql("DELETE FROM cases_event WHERE id = %s", [event.pk])
        sql(REDACT, [timezone.now(), event.pk])
        with pytest.raises(DatabaseError, match="append-only"):
            sql("DELETE FROM cases_event WHERE id = %s", [event.pk])
        assert Event.objects.filter(pk=event.pk).exists()
    else:
        # SQLite lets DELETE through, because the test runner empties tables with it: the audit is what catches it.
        sql(REDACT, [timezone.now(), event.pk])
        sql("DELETE FROM cases_event WHERE id = %s", [event.pk])
        problems = [p for p in audit_problems() if p.startswith(withdrawn.reference)]
        assert problems and "events were deleted" in " ".join(problems), problems


# --- what pages and the API show ------------------------------------------------------------------------------------


def test_the_history_page_and_the_api_say_the_text_was_removed(
    world: World, withdrawn: Request, api_client: Any,
) -> None:
    for event in Event.objects.filter(request=withdrawn):
        event_redact(event)
    page = signed_in(world.employer_a).get(f"/requests/{withdrawn.reference}/").content.decode()
    assert "The worker took another job in Auckland." not in page
    assert page.count(REMOVED) >= 2 * withdrawn.events_count  # who, and why, on each row
    events = api_client(world.employer_a).get(f"{API}/requests/{withdrawn.reference}/events").json()
    last = events[-1]
    assert (last["actor"], last["reason"], last["redacted"], last["salt"], last["version"]) == (
        REMOVED, REMOVED, True, "", 2)
    assert last["actor_id"] == world.employer_a.pk and len(last["reason_digest"]) == 64
    assert world.employer_a.email not in str(events)
