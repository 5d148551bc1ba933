"""The retention run over a dataset made for it: requests in every final state (and a draft, and one in progress),
each dated a day either side of its rule's boundary, with evidence, passports and family; accounts, queued email,
idempotency records and sessions likewise. What the plan lists is exactly what apply removes; the rest stays; the
statistics and the audit (with a transparency checkpoint) hold afterwards; a second run does nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bordercase.accounts.models import User
from bordercase.cases.chain import Anchor
from bordercase.cases.lifecycle import EventKind
from bordercase.cases.models import Document, Evaluation, Event, IdempotencyRecord, Person, Request
from bordercase.cases.services.documents import document_add, document_kinds
from bordercase.immigration.models import FamilyMember, TravelRequest
from bordercase.immigration.services.recommendations import batch_send
from bordercase.privacy.corrections import CorrectionRequest
from bordercase.retention.models import Reduction
from bordercase.retention.runs import retention_apply, retention_plan
from bordercase.retention.schedule import Kind, schedule_load
from bordercase.transparency.checkpoints import checkpoint_make
from tests.conftest import FAST_HASHERS, World, draft_made, signed_in
from tests.immigration_support import allocated, approved_in_principle, travelling
from tests.walking import agreement_upload, walk

SCHEDULE = schedule_load()
DAY = dt.timedelta(days=1)
OEW = "other-essential-worker-2020"


def stored(media: Path) -> set[str]:
    return {p.name for p in media.rglob("*") if p.is_file()} if media.exists() else set()


def evidence(request: Request, by: User) -> Document:
    return document_add(request=request, kind=document_kinds(request)[0][0], upload=agreement_upload(), by=by)


def dated(request: Request, kind: Kind, *, due: bool, now: dt.datetime) -> Request:
    """The request dated a day past its rule's boundary (due) or a day short of it (not due)."""
    moment = SCHEDULE.rule(kind).cutoff(now) + (-DAY if due else DAY)
    field = "updated_at" if kind == Kind.DRAFT_NEVER_LODGED else "status_changed_at"
    Request.objects.filter(pk=request.pk).update(**{field: moment})
    request.refresh_from_db()
    return request


@dataclass
class Dataset:
    now: dt.datetime
    requests: dict[str, Request]
    expected: set[tuple[str, str]]  # (kind, reference) the plan must list
    files: dict[str, set[str]]  # each request's stored file names


def dataset_files(request: Request) -> bool:
    return Document.objects.filter(request=request).exists()


def _lodged(world: World, media_files: bool = True) -> Request:
    draft = draft_made(world, scheme=OEW, body="inz")
    if media_files:
        evidence(draft, world.employer_a)
    return walk(draft, [("lodge", world.employer_a)])


def _dataset_make(world: World) -> Dataset:
    now = timezone.now()
    made: dict[str, Request] = {}
    if True:  # evidence is stored before its row's transaction: nothing waits for a commit here
        for due in (True, False):
            tag = "old" if due else "young"
            draft = draft_made(world, scheme=OEW, body="inz")
            evidence(draft, world.employer_a)
            made[f"draft_{tag}"] = draft
            assessor = world.assessor_inz
            made[f"declined_{tag}"] = walk(_lodged(world), [("start_assessment", assessor), ("decline", assessor)])
            made[f"withdrawn_{tag}"] = walk(_lodged(world), [("withdraw", world.employer_a)])
            made[f"lapsed_{tag}"] = walk(_lodged(world), [("start_assessment", assessor),
                                                          ("request_information", assessor),
                                                          ("lapse", world.administrator)])
            for outcome in ("grant_visa", "decline_visa"):
                made[f"{outcome}_{tag}"] = walk(travelling(world, approved_in_principle(world)),
                                                [(outcome, world.inz_officer)])
        # Evidence and travel details go sooner than the rest of a finished request.
        made["evidence_due"] = walk(_lodged(world), [("withdraw", world.employer_a)])
        made["evidence_kept"] = walk(_lodged(world), [("withdraw", world.employer_a)])
        made["travel_due"] = walk(travelling(world, approved_in_principle(world)), [("grant_visa", world.inz_officer)])
        made["travel_kept"] = walk(travelling(world, approved_in_principle(world)), [("grant_visa", world.inz_officer)])
        made["in_progress"] = _lodged(world)
    kinds = {"draft": Kind.DRAFT_NEVER_LODGED, "declined": Kind.DECLINED, "withdrawn": Kind.WITHDRAWN,
             "lapsed": Kind.LAPSED, "grant_visa": Kind.VISA_GRANTED, "decline_visa": Kind.VISA_DECLINED}
    expected: set[tuple[str, str]] = set()
    for name, request in made.items():
        prefix, _, tag = name.rpartition("_")
        if prefix in kinds:
            dated(request, kinds[prefix], due=tag == "old", now=now)
            if tag == "old":
                expected.add((kinds[prefix].value, request.reference))
            elif prefix != "draft":
                # A day short of its own rule, but long past the evidence's and the travel details': those go.
                if dataset_files(request):
                    expected.add((Kind.EVIDENCE.value, request.reference))
                if TravelRequest.objects.filter(request=request).exists():
                    expected.add((Kind.TRAVEL_DETAILS.value, request.reference))
    dated(made["evidence_due"], Kind.EVIDENCE, due=True, now=now)
    dated(made["evidence_kept"], Kind.EVIDENCE, due=False, now=now)
    dated(made["travel_due"], Kind.TRAVEL_DETAILS, due=True, now=now)
    dated(made["travel_kept"], Kind.TRAVEL_DETAILS, due=False, now=now)
    # Long in assessment: not finished, so nothing of it goes however old it is.
    Request.objects.filter(pk=made["in_progress"].pk).update(status_changed_at=now - 3000 * DAY)
    expected |= {(Kind.EVIDENCE.value, made["evidence_due"].reference),
                 (Kind.TRAVEL_DETAILS.value, made["travel_due"].reference)}
    files = {name: {Path(d.file.name).name for d in Document.objects.filter(request=r)} for name, r in made.items()}
    return Dataset(now, {k: Request.objects.get(pk=v.pk) for k, v in made.items()}, expected, files)


@pytest.fixture(scope="module")
def module_dataset(module_world: World, django_db_blocker: Any,
                   tmp_path_factory: Any) -> Iterator[tuple[Dataset, Path]]:
    """The dataset made once for the module (it takes half a minute), inside a transaction rolled back at its end;
    each test's own changes roll back to it. Evidence files deleted by a test are not put back, so tests check
    only that the files of what they reduce are gone, and that those of what stays are there."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHERS), \
            transaction.atomic():
        yield _dataset_make(module_world), media
        transaction.set_rollback(True)


@pytest.fixture
def media(module_dataset: tuple[Dataset, Path], settings: Any) -> Path:
    settings.MEDIA_ROOT = module_dataset[1]
    return module_dataset[1]


@pytest.fixture
def dataset(module_dataset: tuple[Dataset, Path], world: World, media: Path) -> Dataset:
    made = module_dataset[0]
    return Dataset(made.now, {k: Request.objects.get(pk=v.pk) for k, v in made.requests.items()}, made.expected,
                   made.files)


@dataclass
class Rows:
    gone: dict[str, set[Any]]
    kept: dict[str, set[Any]]


@pytest.fixture
def rows(world: World, dataset: Dataset) -> Rows:
    """Accounts, email, idempotency records and sessions either side of their boundaries."""
    now = dataset.now
    gone: dict[str, set[Any]] = {}
    kept: dict[str, set[Any]] = {}

    def cut(kind: Kind) -> dt.datetime:
        return SCHEDULE.rule(kind).cutoff(now)

    def user(email: str, joined: dt.datetime, verified: bool = False) -> User:
        made = User.objects.create_user(email, "a password long enough 1", full_name="Someone")
        User.objects.filter(pk=made.pk).update(date_joined=joined, email_verified_at=joined if verified else None)
        return made

    gone["users"] = {user("never-confirmed@example.com", cut(Kind.UNCONFIRMED_ACCOUNT) - DAY).pk}
    kept["users"] = {user("just-signed-up@example.com", cut(Kind.UNCONFIRMED_ACCOUNT) + DAY).pk,
                     user("confirmed@example.com", cut(Kind.UNCONFIRMED_ACCOUNT) - 100 * DAY, verified=True).pk}
    # Never confirmed, but a draft names them as its maker: kept with the draft.
    holder = user("drafted@example.com", cut(Kind.UNCONFIRMED_ACCOUNT) - DAY)
    draft_made(world, scheme="eoi-family-2020", by=holder, body="inz")
    kept["users"].add(holder.pk)

    def task(finished: dt.datetime | None, status: str) -> Any:
        return DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {"to": ["worker@example.com"]}}, task_path="bordercase.lib.email.x",
            backend_name="default", queue_name="default", run_after=now - 60 * DAY, status=status,
            finished_at=finished, exception_class_path="", traceback="").pk

    gone["tasks"] = {task(cut(Kind.QUEUED_EMAIL) - DAY, "SUCCESSFUL"), task(cut(Kind.QUEUED_EMAIL) - DAY, "FAILED")}
    kept["tasks"] = {task(cut(Kind.QUEUED_EMAIL) + DAY, "SUCCESSFUL"), task(None, "READY")}

    def record(created: dt.datetime) -> int:
        made = IdempotencyRecord.objects.create(user=world.employer_a, key=str(uuid.uuid4()), fingerprint="0" * 64,
                                                status_code=201, response={"nominee": "Ravi"})
        IdempotencyRecord.objects.filter(pk=made.pk).update(created_at=created)
        return made.pk

    gone["records"] = {record(cut(Kind.IDEMPOTENCY_RECORD) - DAY)}
    kept["records"] = {record(cut(Kind.IDEMPOTENCY_RECORD) + DAY)}

    def session(expires: dt.datetime) -> str:
        return Session.objects.create(session_key=uuid.uuid4().hex, session_data="x", expire_date=expires).pk

    gone["sessions"] = {session(now - DAY)}
    kept["sessions"] = {session(now + DAY)}
    return Rows(gone, kept)


def planned(plan: Any) -> set[tuple[str, str]]:
    return {(line.rule.kind.value, due.reference) for line in plan.lines for due in line.requests}


def counts(plan: Any) -> dict[str, int]:
    return {line.rule.kind.value: line.count for line in plan.lines}


def snapshot(request: Request) -> tuple[Any, ...]:
    row = Request.objects.get(pk=request.pk)
    travel = TravelRequest.objects.filter(request=row).values().first()
    return (row.status, row.nominee_id, row.answers, row.events_count, row.events_head_hash,
            sorted(Document.objects.filter(request=row).values_list("pk", flat=True)), travel,
            sorted(FamilyMember.objects.filter(travel_request__request=row).values_list("pk", flat=True)))


def statistics() -> str:
    out = io.StringIO()
    call_command("stats", "summary", "--as-at", timezone.localdate().isoformat(), "--format", "json", stdout=out)
    return out.getvalue()


def apply(now: dt.datetime, capture: Any) -> Any:
    with capture(execute=True):
        return retention_apply(SCHEDULE, now)


# --- the plan ---------------------------------------------------------------------------------------------------


def test_the_plan_lists_exactly_the_requests_a_day_past_their_rules(dataset: Dataset, rows: Rows) -> None:
    plan = retention_plan(SCHEDULE, dataset.now)
    assert planned(plan) == dataset.expected
    assert counts(plan)[Kind.UNCONFIRMED_ACCOUNT] == 1
    assert counts(plan)[Kind.QUEUED_EMAIL] == 2
    assert counts(plan)[Kind.IDEMPOTENCY_RECORD] == 1
    assert counts(plan)[Kind.SESSION] >= 1  # the test client's own sessions may have expired too
    # Each request listed with the date its period was counted from: a day before the boundary.
    for line in plan.lines:
        for due in line.requests:
            assert due.dated <= line.cutoff - dt.timedelta(hours=23), (line.rule.kind, due)


def test_the_plan_command_lists_each_request_with_its_rule_and_date(dataset: Dataset) -> None:
    out = io.StringIO()
    call_command("retention", "plan", stdout=out)
    text = out.getvalue()
    for kind, reference in dataset.expected:
        line = next(x for x in text.splitlines() if reference in x)
        assert f"rule {kind}" in line
    assert dataset.requests["in_progress"].reference not in text
    assert "declined: 1 requests reduced (kept 2 years after the request's final decision" in text


def test_a_later_date_brings_the_young_ones_in(dataset: Dataset) -> None:
    plan = retention_plan(SCHEDULE, dataset.now + 2 * DAY)
    young = dataset.requests["declined_young"].reference
    assert (Kind.DECLINED.value, young) in planned(plan)
    assert dataset.requests["in_progress"].reference not in {r for _, r in planned(plan)}


# --- applying it ------------------------------------------------------------------------------------------------


def test_apply_reduces_what_was_planned_and_leaves_the_rest(
    dataset: Dataset, rows: Rows, media: Path, django_capture_on_commit_callbacks: Any,
) -> None:
    requests = dataset.requests
    untouched = {n: snapshot(r) for n, r in requests.items()
                 if not any(ref == r.reference for _, ref in dataset.expected)}
    nominees = {n: r.nominee_id for n, r in requests.items()}
    names = {n: r.nominee.family_name for n, r in requests.items() if r.nominee is not None}
    plan = retention_plan(SCHEDULE, dataset.now)
    assert dataset.files["draft_old"] and dataset.files["evidence_due"]  # files were stored to be removed
    done = apply(dataset.now, django_capture_on_commit_callbacks)
    assert done.skipped == []
    assert {k: v for k, v in done.counts.items() if k not in (Kind.SESSION, Kind.UNCONFIRMED_ACCOUNT)} == {
        k: v for k, v in counts(plan).items() if k not in (Kind.SESSION, Kind.UNCONFIRMED_ACCOUNT)}
    assert done.counts[Kind.DECLINED] == 1 and done.counts[Kind.EVIDENCE] == 4
    for name, request in requests.items():
        if name in untouched:
            assert snapshot(request) == untouched[name], name
            assert dataset.files[name] <= stored(media), name
    whole = [n for n, r in requests.items() if n.endswith("_old")]
    for name in whole:
        row = Request.objects.get(pk=requests[name].pk)
        assert row.nominee_id is None and row.answers == {} and row.worker_identity == "", name
        assert not Person.objects.filter(pk=nominees[name]).exists(), name
        assert not Document.objects.filter(request=row).exists(), name
        assert not Evaluation.objects.filter(request=row).exclude(answers={}).exists(), name
        assert not (dataset.files[name] & stored(media)), name  # the files are gone from storage too
        # Kept: what the statistics and the history read.
        assert (row.status, row.lodged_at, row.status_changed_at, row.scheme_id, row.organisation_id) == (
            requests[name].status, requests[name].lodged_at, requests[name].status_changed_at,
            requests[name].scheme_id, requests[name].organisation_id)
        last = Event.objects.filter(request=row).order_by("position").last()
        assert last.transition == EventKind.RETENTION_REDUCED and last.from_state == last.to_state == row.status
        assert last.actor_id is None and last.actor_label == "system:retention"
        assert last.data["kind"] == Reduction.objects.get(request=row).kind
        # Nothing of the person in what the event hashes.
        assert names[name] not in json.dumps(last.data) + last.reason
    for name in ("grant_visa_old", "decline_visa_old"):
        travel = TravelRequest.objects.get(request=requests[name])
        assert (travel.passport_number, travel.given_names, travel.passport_mrz, travel.phone) == ("", "", "", "")
        assert travel.travel_date is not None  # the journey's dates stay
        assert not FamilyMember.objects.filter(travel_request=travel).exists()
    # Evidence only: the request keeps its person and answers.
    evidence_due = Request.objects.get(pk=requests["evidence_due"].pk)
    assert evidence_due.nominee_id == nominees["evidence_due"] and evidence_due.answers
    assert not Document.objects.filter(request=evidence_due).exists()
    assert not (dataset.files["evidence_due"] & stored(media))
    # Travel details only: the passports and family go, the person stays.
    travel_due = Request.objects.get(pk=requests["travel_due"].pk)
    assert travel_due.nominee_id == nominees["travel_due"]
    assert TravelRequest.objects.get(request=travel_due).passport_number == ""
    assert not FamilyMember.objects.filter(travel_request__request=travel_due).exists()
    # The other records.
    assert not User.objects.filter(pk__in=rows.gone["users"]).exists()
    assert User.objects.filter(pk__in=rows.kept["users"]).count() == len(rows.kept["users"])
    assert not DBTaskResult.objects.filter(pk__in=rows.gone["tasks"]).exists()
    assert DBTaskResult.objects.filter(pk__in=rows.kept["tasks"]).count() == 2
    assert not IdempotencyRecord.objects.filter(pk__in=rows.gone["records"]).exists()
    assert IdempotencyRecord.objects.filter(pk__in=rows.kept["records"]).exists()
    assert not Session.objects.filter(pk__in=rows.gone["sessions"]).exists()
    assert Session.objects.filter(pk__in=rows.kept["sessions"]).exists()


def test_statistics_and_the_audit_hold_after_apply(
    dataset: Dataset, tmp_path: Path, django_capture_on_commit_callbacks: Any,
) -> None:
    figures = statistics()
    kept = tmp_path / "kept.txt"
    kept.write_text(checkpoint_make().note, encoding="utf-8")
    apply(dataset.now, django_capture_on_commit_callbacks)
    assert statistics() == figures
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)  # raises CommandError on any problem
    call_command("audit", "verify", "--checkpoint", str(kept), stdout=out)
    newer = tmp_path / "newer.txt"
    newer.write_text(checkpoint_make().note, encoding="utf-8")
    call_command("audit", "verify", "--checkpoint", str(newer), stdout=out)
    call_command("audit", "consistency", str(kept), str(newer), stdout=out)


def test_a_second_apply_does_nothing(dataset: Dataset, rows: Rows, django_capture_on_commit_callbacks: Any) -> None:
    apply(dataset.now, django_capture_on_commit_callbacks)
    heads = dict(Request.objects.values_list("pk", "events_head_hash"))
    reductions = Reduction.objects.count()
    assert retention_plan(SCHEDULE, dataset.now).empty
    again = apply(dataset.now, django_capture_on_commit_callbacks)
    assert sum(again.counts.values()) == 0 and again.skipped == []
    assert dict(Request.objects.values_list("pk", "events_head_hash")) == heads
    assert Reduction.objects.count() == reductions


def test_the_apply_command_says_what_it_did_and_again_that_nothing_was_due(
    dataset: Dataset, django_capture_on_commit_callbacks: Any, capsys: Any,
) -> None:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention", "apply", stdout=out)
    assert "declined 1" in out.getvalue()
    assert "of" in capsys.readouterr().err  # progress, kind by kind
    again = io.StringIO()
    call_command("retention", "apply", stdout=again)
    assert "nothing was due" in again.getvalue()


def test_a_draft_changed_after_the_plan_is_left(dataset: Dataset, django_capture_on_commit_callbacks: Any) -> None:
    plan = retention_plan(SCHEDULE, dataset.now)
    draft = dataset.requests["draft_old"]
    Request.objects.filter(pk=draft.pk).update(updated_at=timezone.now())  # its applicant came back to it
    with django_capture_on_commit_callbacks(execute=True):
        done = retention_apply(SCHEDULE, dataset.now, plan=plan)
    assert any(draft.reference in s for s in done.skipped)
    row = Request.objects.get(pk=draft.pk)
    assert row.nominee_id is not None and row.events_count == draft.events_count


def test_a_reduced_request_verifies_event_by_event(dataset: Dataset, django_capture_on_commit_callbacks: Any) -> None:
    from bordercase.cases.audit import chained_event
    from bordercase.cases.chain import chain_problems

    apply(dataset.now, django_capture_on_commit_callbacks)
    row = Request.objects.get(pk=dataset.requests["declined_old"].pk)
    events = [chained_event(e) for e in Event.objects.filter(request=row).order_by("position")]
    assert any(e.redacted for e in events)
    assert chain_problems(row.reference, events, Anchor(row.events_count, row.events_head_hash, row.status)) == []


# --- the history's personal text -------------------------------------------------------------------------------


def _body_staff(world: World) -> set[int]:
    return {u.pk for u in (world.assessor_inz, world.inz_officer, world.administrator)}


def test_apply_removes_every_reason_and_the_applicants_email_from_the_reduced_requests_history(
    world: World, dataset: Dataset, django_capture_on_commit_callbacks: Any,
) -> None:
    whole = [r for n, r in dataset.requests.items() if n.endswith("_old")]
    before = {e.pk: e for e in Event.objects.filter(request__in=whole)}
    assert any(e.reason for e in before.values()), "the dataset writes reasons, else this proves nothing"
    people = {e.actor_id: e.actor_label for e in before.values()
              if e.actor_id is not None and e.actor_id not in _body_staff(world)}
    assert world.employer_a.pk in people
    done = apply(dataset.now, django_capture_on_commit_callbacks)
    assert done.events_redacted > 0 and done.events_unredactable == 0
    for event in Event.objects.filter(request__in=whole).order_by("request_id", "position"):
        where = f"{event.request_id}#{event.position} {event.transition}"
        if event.transition == EventKind.RETENTION_REDUCED:
            assert event.redacted_at is None and event.actor_label == "system:retention", where
            continue
        assert event.reason == "", where
        assert not any(label.partition(":")[2] in event.actor_label for label in people.values()), where
        # Everything the hash covers is as it was recorded.
        was = before[event.pk]
        assert (event.hash, event.prev_hash, event.actor_id, event.actor_digest, event.reason_digest, event.data) \
            == (was.hash, was.prev_hash, was.actor_id, was.actor_digest, was.reason_digest, was.data), where
        if event.actor_id in _body_staff(world) or event.actor_id is None:
            assert event.actor_label == was.actor_label, where  # a body's staff and bordercase itself stay named
        if was.reason or event.actor_id in people:
            assert event.redacted_at is not None and event.salt == "", where
            assert event.reason_shown == "removed under the retention schedule", where
    assert world.employer_a.email not in json.dumps(
        list(Event.objects.filter(request__in=whole).values("actor_label", "reason")))
    # Requests not reduced whole keep their history's text.
    young = dataset.requests["declined_young"]
    assert not Event.objects.filter(request=young, redacted_at__isnull=False).exists()
    assert Event.objects.filter(request=young, actor=world.employer_a).exclude(actor_label="").exists()


def test_apply_removes_what_a_correction_request_said_of_a_reduced_request_and_keeps_the_rest(
    world: World, dataset: Dataset, django_capture_on_commit_callbacks: Any,
) -> None:
    def asked(request: Request, *, answered: bool) -> CorrectionRequest:
        made = CorrectionRequest.objects.create(
            request=request, asked_by=world.employer_a, body=request.assessing_body, information="personal",
            should_say="Family name Ngā-Rangi", why="The passport has the macron.")
        if answered:
            CorrectionRequest.objects.filter(pk=made.pk).update(
                outcome="declined", answer="The passport shows Nga-Rangi.", answered_by=world.assessor_inz,
                answered_at=timezone.now())
        return made

    old, young = dataset.requests["declined_old"], dataset.requests["declined_young"]
    waiting, answered, kept = asked(old, answered=False), asked(old, answered=True), asked(young, answered=True)
    done = apply(dataset.now, django_capture_on_commit_callbacks)
    assert done  # the run happened; what it left is below
    for correction in (waiting, answered):
        correction.refresh_from_db()
        assert (correction.should_say, correction.why) == ("", "")
        assert "Ngā-Rangi" not in correction.answer and "Nga-Rangi" not in correction.answer
    answered.refresh_from_db()
    assert answered.outcome == "declined" and answered.answer == "removed under the retention schedule"
    kept.refresh_from_db()
    assert (kept.should_say, kept.answer) == ("Family name Ngā-Rangi", "The passport shows Nga-Rangi.")
    reduction = Event.objects.get(request=old, transition=EventKind.RETENTION_REDUCED)
    assert reduction.data["removed"]["correction_texts"] == 2


def test_a_recommendation_batch_s_export_goes_with_the_last_of_its_requests_and_its_digests_stay(
    world: World, dataset: Dataset, django_capture_on_commit_callbacks: Any,
) -> None:
    first, second = allocated(world), allocated(world)
    batch = batch_send(scheme=first.scheme, body=first.assessing_body, requests=[first, second],
                       by=world.assessor_nztech)
    digests = (batch.csv_sha256, batch.json_sha256)
    officer = signed_in(world.inz_officer)
    assert officer.get(f"/immigration/batches/{batch.pk}/export.csv").status_code == 200
    walk(first, [("withdraw", world.employer_a)])
    dated(first, Kind.WITHDRAWN, due=True, now=dataset.now)
    apply(dataset.now, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert bytes(batch.export_csv) and bytes(batch.export_json), "the second worker's request is not reduced yet"
    walk(second, [("withdraw", world.employer_a)])
    dated(second, Kind.WITHDRAWN, due=True, now=dataset.now)
    apply(dataset.now, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert (bytes(batch.export_csv), bytes(batch.export_json)) == (b"", b"")
    assert (batch.csv_sha256, batch.json_sha256) == digests
    assert Reduction.objects.get(request=second, kind=Kind.WITHDRAWN.value).removed["batch_exports"] == 1
    gone = officer.get(f"/immigration/batches/{batch.pk}/export.csv")
    assert gone.status_code == 410 and "removed under the retention schedule" in gone.content.decode()
    assert batch.csv_sha256 in gone.content.decode()


def _as_version_1(request: Request) -> int:
    """Re-record the request's history as events were before they could be redacted (chain version 1), as an
    older bordercase stored them; its count of events with text to remove."""
    from bordercase.cases.chain import GENESIS, event_hash
    from tests.test_audit import append_only_trigger_off

    previous = GENESIS
    with append_only_trigger_off() as cursor:
        for e in Event.objects.filter(request=request).order_by("position"):
            hashed = event_hash(reference=request.reference, actor_label=e.actor_label, at=e.at,
                                transition=e.transition, from_state=e.from_state, to_state=e.to_state,
                                reason=e.reason, data=e.data, prev_hash=previous)
            cursor.execute("UPDATE cases_event SET salt = '', actor_digest = '', reason_digest = '', prev_hash = %s, "
                           "hash = %s WHERE id = %s", [previous, hashed, e.pk])
            previous = hashed
        cursor.execute("UPDATE cases_request SET events_head_hash = %s WHERE id = %s", [previous, request.pk])
    return Event.objects.filter(request=request).exclude(reason="", actor__isnull=True).exclude(
        reason="", actor__memberships__organisation__kind__in=["assessing_body", "immigration", "ministry"]).count()


def test_events_recorded_before_they_could_be_redacted_are_kept_and_counted(
    dataset: Dataset, django_capture_on_commit_callbacks: Any,
) -> None:
    old = dataset.requests["withdrawn_old"]
    count = _as_version_1(old)
    assert count >= 2  # the lodge and the withdrawal, by the employer, the withdrawal with its reason
    kept = list(Event.objects.filter(request=old).order_by("position").values_list("actor_label", "reason", "hash"))
    out = io.StringIO()
    call_command("retention", "plan", stdout=out)
    assert f"history: {count} events of the requests reduced kept: recorded before events could be redacted" \
        in out.getvalue()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention", "apply", stdout=out)
    assert f"history: {count} events kept: recorded before events could be redacted" in out.getvalue()
    after = list(Event.objects.filter(request=old).order_by("position").values_list("actor_label", "reason", "hash"))
    assert after[:len(kept)] == kept  # left as recorded, then the reduction's own event
    assert after[-1][0] == "system:retention"
    call_command("audit", "verify", stdout=io.StringIO())  # raises CommandError on any problem


# --- a bad schedule ---------------------------------------------------------------------------------------------


def test_the_command_refuses_a_bad_schedule_and_changes_nothing(
    dataset: Dataset, settings: Any, tmp_path: Path,
) -> None:
    bad = tmp_path / "schedule.yaml"
    bad.write_text(Path(SCHEDULE.origin).read_text(encoding="utf-8").replace('kept_for: "2 years"',
                                                                              'kept_for: "two years"', 1))
    settings.RETENTION_FILE = str(bad)
    heads = dict(Request.objects.values_list("pk", "events_head_hash"))
    with pytest.raises(CommandError, match=r"entry 2 \(declined\): kept_for: 'two years' is not a period"):
        call_command("retention", "apply")
    assert dict(Request.objects.values_list("pk", "events_head_hash")) == heads


def test_a_deployments_schedule_changes_the_plan(dataset: Dataset, settings: Any, tmp_path: Path) -> None:
    own = tmp_path / "schedule.yaml"
    own.write_text(Path(SCHEDULE.origin).read_text(encoding="utf-8").replace('kept_for: "2 years"',
                                                                             'kept_for: "10 years"'))
    settings.RETENTION_FILE = str(own)
    out = io.StringIO()
    call_command("retention", "plan", stdout=out)
    assert f"{dataset.requests['declined_old'].reference}  declined         decision" in out.getvalue()
    assert "rule declined" not in out.getvalue()  # listed for its evidence only
    assert "declined: 0 requests reduced (kept 10 years" in out.getvalue()


def test_apply_has_no_as_at(db: None) -> None:
    with pytest.raises(CommandError, match="--as-at is for plan"):
        call_command("retention", "apply", "--as-at", "2030-01-01")


def test_a_plan_date_that_is_not_a_date_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="'31/12/2026' is not a date: write it as YYYY-MM-DD"):
        call_command("retention", "plan", "--as-at", "31/12/2026")


def test_bordercase_check_refuses_a_schedule_it_cannot_use(settings: Any, tmp_path: Path) -> None:
    from django.core import checks

    assert not [m for m in checks.run_checks() if m.id == "retention.E001"]
    bad = tmp_path / "schedule.yaml"
    bad.write_text("records: []\n", encoding="utf-8")
    settings.RETENTION_FILE = str(bad)
    found = [m for m in checks.run_checks() if m.id == "retention.E001"]
    assert found and "a schedule has exactly two parts, sources and records" in found[0].msg


def test_a_reduced_request_still_reads_in_the_pages_and_the_api(
    world: World, dataset: Dataset, django_capture_on_commit_callbacks: Any, api_client: Any,
) -> None:
    from tests.conftest import API, signed_in

    apply(dataset.now, django_capture_on_commit_callbacks)
    for name in ("declined_old", "grant_visa_old", "draft_old"):
        reference = dataset.requests[name].reference
        page = signed_in(world.employer_a).get(f"/requests/{reference}/")
        assert page.status_code == 200, name
        if name != "draft_old":  # a draft's page is its task list, with no history
            assert "Personal details removed under the retention schedule" in page.content.decode(), name
        assert api_client(world.employer_a).get(f"{API}/requests/{reference}").status_code == 200, name
    staff = signed_in(world.inz_officer).get(f"/requests/{dataset.requests['grant_visa_old'].reference}/")
    assert staff.status_code == 200
