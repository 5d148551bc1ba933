"""The retention run: what the schedule says should go as at a moment (``retention_plan``), and doing it
(``retention_apply``).

A request is never deleted: its events are append-only and hashed (and leaves of the transparency log), and the
statistics count it. It is *reduced*: the worker's identity and passport, the answers, the evidence and the request
to travel are removed, and its reference, scheme, employer, body, status and dates stay. Each reduction is an event
in the request's own history (``retention_reduced``, which moves no state and holds no personal data) and a
``Reduction`` row, so a second run finds nothing left to do.

A request reduced whole also has its history's personal text redacted (``event_redact``): every reason written
(an applicant's answer, a withdrawal's or a decline's reason are about the person), and who acted, unless a body's
staff or bordercase itself did. The events stay, hashed over salted digests of that text (chain version 2), so the
chain and the transparency log still verify. Events recorded before chain version 2 hash their text as it is and
cannot be redacted: they are kept, and the plan and the run count them. Other records (accounts never confirmed,
sent email, idempotency records, expired sessions) are deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError, QuerySet, RestrictedError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bordercase.accounts.models import Membership, Organisation, User
from bordercase.cases.lifecycle import FINAL_STATES, EventKind, State
from bordercase.cases.models import Document, Evaluation, Event, IdempotencyRecord, Person, Request
from bordercase.cases.models.events import REMOVED
from bordercase.cases.services.events import System, event_append, event_redact
from bordercase.immigration.models import FamilyMember, Invitation, RecommendationBatch, TravelRequest
from bordercase.privacy.corrections import CorrectionRequest
from bordercase.retention.models import Reduction
from bordercase.retention.schedule import REQUEST_OUTCOMES, Kind, Rule, Schedule

log = logging.getLogger(__name__)
RETENTION = System("retention")  # who the history says made the reduction: bordercase itself, by its schedule
Progress = Callable[[str, int, int], None]  # what, how many done, of how many

# A request's travel details: blanked, not deleted, for the travel and isolation dates stay with the request.
_TRAVEL_BLANK: dict[str, Any] = {
    "given_names": "", "family_name": "", "date_of_birth": None, "nationality": "", "phone": "",
    "passport_number": "", "passport_country": "", "passport_expiry": None, "passport_mrz": "",
    "isolation_voucher": "",
}
_FINAL = [s.value for s in FINAL_STATES]


@dataclass(frozen=True)
class Due:
    """One request the rule reaches: its reference, and the date its period was counted from."""

    request_id: int
    reference: str
    status: str
    dated: dt.datetime


@dataclass(frozen=True)
class Line:
    """What one rule of the schedule removes as at the plan's moment."""

    rule: Rule
    cutoff: dt.datetime  # records dated at or before this have been kept long enough
    requests: tuple[Due, ...] = ()  # for the kinds that reduce requests
    count: int = 0  # the records affected: requests, or rows of the other kinds

    @property
    def is_requests(self) -> bool:
        return self.rule.kind in _REQUEST_KINDS


@dataclass(frozen=True)
class Plan:
    as_at: dt.datetime
    lines: tuple[Line, ...]
    events_unredactable: int = 0  # events of requests to be reduced whole recorded before they could be redacted

    @property
    def empty(self) -> bool:
        return not any(line.count for line in self.lines)


@dataclass
class Done:
    """What a run did, by kind."""

    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # why a record planned was left, each a sentence
    events_redacted: int = 0
    events_unredactable: int = 0


_WHOLE = (Kind.DRAFT_NEVER_LODGED, *REQUEST_OUTCOMES)  # the kinds that reduce a request whole
_REQUEST_KINDS = (*_WHOLE, Kind.EVIDENCE, Kind.TRAVEL_DETAILS)
_IDS_AT_ONCE = 500  # well within SQLite's limit on a query's variables


# --- what is due ----------------------------------------------------------------------------------------------------


def _not_reduced(requests: QuerySet[Request], kind: Kind) -> QuerySet[Request]:
    return requests.exclude(Exists(Reduction.objects.filter(request=OuterRef("pk"), kind=kind.value)))


def _due_whole(kind: Kind, cutoff: dt.datetime) -> QuerySet[Request]:
    if kind == Kind.DRAFT_NEVER_LODGED:
        found = Request.objects.filter(status=State.DRAFT, updated_at__lte=cutoff)
    else:
        found = Request.objects.filter(status=kind.value, status_changed_at__lte=cutoff)
    return _not_reduced(found, kind)


def _finished(cutoff: dt.datetime) -> QuerySet[Request]:
    return Request.objects.filter(status__in=_FINAL, status_changed_at__lte=cutoff)


def _due_evidence(cutoff: dt.datetime) -> QuerySet[Request]:
    return _finished(cutoff).filter(Exists(Document.objects.filter(request=OuterRef("pk"))))


def _due_travel(cutoff: dt.datetime) -> QuerySet[Request]:
    """Finished requests with a request to travel not yet reduced, whole or of its travel details. Told by the
    record of the reduction, not by reading the fields: passports may be sealed at rest, where an empty one does not
    compare equal to an empty string."""
    reduced = Reduction.objects.filter(request=OuterRef("pk"), kind__in=[Kind.TRAVEL_DETAILS.value,
                                                                         *(k.value for k in _WHOLE)])
    return _finished(cutoff).filter(Exists(TravelRequest.objects.filter(request=OuterRef("pk")))) \
        .exclude(Exists(reduced))


def _dated(request: Request, kind: Kind) -> dt.datetime:
    moment: dt.datetime = request.updated_at if kind == Kind.DRAFT_NEVER_LODGED else request.status_changed_at
    return moment


def _dues(requests: QuerySet[Request], kind: Kind, leave: set[int]) -> tuple[Due, ...]:
    rows = requests.order_by("reference").only("pk", "reference", "status", "updated_at", "status_changed_at")
    return tuple(Due(r.pk, r.reference, r.status, _dated(r, kind)) for r in rows if r.pk not in leave)


def _unconfirmed(cutoff: dt.datetime) -> QuerySet[User]:
    """Accounts never confirmed, made by sign-up before the cutoff, that hold nothing: no request, no history, no
    role at an organisation, no person record. Staff accounts are never among them."""
    return User.objects.filter(
        email_verified_at__isnull=True, date_joined__lte=cutoff, is_staff=False, is_superuser=False,
    ).exclude(Exists(Request.objects.filter(created_by=OuterRef("pk")))) \
     .exclude(Exists(Event.objects.filter(actor=OuterRef("pk")))) \
     .exclude(Exists(Membership.objects.filter(user=OuterRef("pk")))) \
     .exclude(Exists(Person.objects.filter(user=OuterRef("pk"))))


def _rows(kind: Kind, cutoff: dt.datetime) -> QuerySet[Any]:
    if kind == Kind.UNCONFIRMED_ACCOUNT:
        return _unconfirmed(cutoff)
    if kind == Kind.QUEUED_EMAIL:
        # Only what is finished: email waiting or being sent is never taken from under the worker.
        return DBTaskResult.objects.filter(finished_at__isnull=False, finished_at__lte=cutoff)
    if kind == Kind.IDEMPOTENCY_RECORD:
        return IdempotencyRecord.objects.filter(created_at__lte=cutoff)
    if kind == Kind.SESSION:
        return Session.objects.filter(expire_date__lte=cutoff)
    raise ValueError(f"{kind.value} is a kind of request, not of rows")


def retention_plan(schedule: Schedule, as_at: dt.datetime | None = None) -> Plan:
    """What applying the schedule at ``as_at`` (now by default) would remove, rule by rule.

    A request reduced whole loses its evidence and travel details with it, so it is listed under its outcome (or
    as a draft) and not again under evidence or travel details.
    """
    as_at = as_at or timezone.now()
    lines: list[Line] = []
    whole: set[int] = set()
    for kind in _WHOLE:
        rule = schedule.rule(kind)
        dues = _dues(_due_whole(kind, rule.cutoff(as_at)), kind, set())
        whole.update(d.request_id for d in dues)
        lines.append(Line(rule, rule.cutoff(as_at), dues, len(dues)))
    unredactable = _unredactable(whole)
    for kind, due in ((Kind.EVIDENCE, _due_evidence), (Kind.TRAVEL_DETAILS, _due_travel)):
        rule = schedule.rule(kind)
        dues = _dues(due(rule.cutoff(as_at)), kind, whole)
        lines.append(Line(rule, rule.cutoff(as_at), dues, len(dues)))
    for kind in (Kind.UNCONFIRMED_ACCOUNT, Kind.QUEUED_EMAIL, Kind.IDEMPOTENCY_RECORD, Kind.SESSION):
        rule = schedule.rule(kind)
        lines.append(Line(rule, rule.cutoff(as_at), count=_rows(kind, rule.cutoff(as_at)).count()))
    return Plan(as_at, tuple(lines), unredactable)


# --- doing it --------------------------------------------------------------------------------------------------------


def _documents_remove(request: Request) -> int:
    """Delete the request's evidence, and its files from storage once the deletion has committed."""
    documents = list(Document.objects.filter(request=request))
    if not documents:
        return 0
    TravelRequest.objects.filter(request=request, employment_agreement__isnull=False).update(
        employment_agreement=None)
    names = [d.file.name for d in documents if d.file.name]
    Document.objects.filter(pk__in=[d.pk for d in documents]).delete()

    def _files_delete() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:  # the row is gone; a file left behind is logged to be removed by hand
                log.warning("Retention: the evidence file %s could not be deleted from storage", name)

    transaction.on_commit(_files_delete)
    return len(documents)


def _travel_remove(request: Request) -> dict[str, int]:
    travel = TravelRequest.objects.filter(request=request).first()
    if travel is None:
        return {}
    family = FamilyMember.objects.filter(travel_request=travel).delete()[0]
    TravelRequest.objects.filter(pk=travel.pk).update(**_TRAVEL_BLANK)
    return {"travel_details": 1, "family_members": family}


def _whole_remove(request: Request) -> dict[str, int]:
    """The request reduced to what the statistics and the audit read: its reference, scheme, employer, body,
    status, dates and history stay; the person, answers, evidence and travel details go."""
    removed: dict[str, int] = {"documents": _documents_remove(request), **_travel_remove(request)}
    nominee_id = request.nominee_id
    Request.objects.filter(pk=request.pk).update(nominee=None, answers={}, worker_identity="")
    Evaluation.objects.filter(request=request).update(answers={})
    removed["invitation_addresses"] = Invitation.objects.filter(request=request).exclude(worker_email="") \
        .update(worker_email="")
    # What a person said their information should be, and staff's answer, are that information again; the fact of
    # the correction (which information, when, the outcome) stays with the history's correction events.
    asked = CorrectionRequest.objects.filter(request=request).exclude(should_say="", why="")
    removed["correction_texts"] = asked.filter(outcome="").update(should_say="", why="") + \
        asked.exclude(outcome="").update(should_say="", why="", answer=REMOVED)
    removed["batch_exports"] = _batch_exports_remove(request)
    if nominee_id is not None:
        # One person may be named by several requests; the record goes with the last of them.
        if not Request.objects.filter(nominee_id=nominee_id).exists():
            Person.objects.filter(pk=nominee_id).delete()
        removed["person"] = 1
    return {k: v for k, v in removed.items() if v}


def _batch_exports_remove(request: Request) -> int:
    """A recommendation batch's file lists every worker in it, so it goes once the last of them is reduced whole;
    its digests stay, so a copy kept by Immigration NZ can still be checked against them."""
    whole = [Kind.DRAFT_NEVER_LODGED.value, *(k.value for k in REQUEST_OUTCOMES)]
    emptied = 0
    for batch_id in RecommendationBatch.objects.filter(requests=request).exclude(export_csv=b"") \
            .values_list("pk", flat=True):
        waiting = Request.objects.filter(recommendation_batches=batch_id).exclude(pk=request.pk) \
            .exclude(retention_reductions__kind__in=whole)
        if not waiting.exists():
            emptied += RecommendationBatch.objects.filter(pk=batch_id).update(export_csv=b"", export_json=b"")
    return emptied


# --- the history's personal text ---------------------------------------------------------------------------------
_KEPT_UNREDACTABLE = "kept: recorded before events could be redacted"


def _body_staff(events: Iterable[Event]) -> set[int]:
    """The accounts among the events' actors who act for a body (an assessing body, Immigration New Zealand, the
    scheme administrator): who decided is the body's record, not the person's information."""
    actors = {e.actor_id for e in events if e.actor_id is not None}
    return set(Membership.objects.filter(user_id__in=actors).exclude(organisation__kind=Organisation.Kind.EMPLOYER)
               .values_list("user_id", flat=True))


def _redactable(requests: Sequence[int]) -> list[tuple[Event, bool]]:
    """Each event of these requests holding personal text not yet removed, with whether its actor label goes too.

    Every reason goes, for each is about the person (an answer they gave, why they withdrew, why they were
    declined); the retention run's own events are left, for they say what the schedule did and name no one.
    """
    events = list(Event.objects.filter(request_id__in=requests, redacted_at__isnull=True)
                  .exclude(transition=EventKind.RETENTION_REDUCED).order_by("request_id", "position"))
    staff = _body_staff(events)
    found = []
    for event in events:
        actor = event.actor_id is not None and event.actor_id not in staff and bool(event.actor_label)
        if actor or event.reason:
            found.append((event, actor))
    return found


def _unredactable(requests: Iterable[int]) -> int:
    """How many of these requests' events hold personal text recorded before events could be redacted: a few
    queries for each 500 requests, not for each request."""
    ids, counted = sorted(requests), 0
    for start in range(0, len(ids), _IDS_AT_ONCE):
        counted += sum(1 for event, _ in _redactable(ids[start:start + _IDS_AT_ONCE]) if not event.actor_digest)
    return counted


def _events_redact(request: Request) -> tuple[int, int]:
    """Redact the request's events (chain version 2); count those redacted and those too old to be."""
    redacted = kept = 0
    for event, actor in _redactable([request.pk]):
        if not event.actor_digest:
            kept += 1
            continue
        event_redact(event, actor=actor)
        redacted += 1
    return redacted, kept


def _still_due(request: Request, kind: Kind, due: Due) -> bool:
    """The request, locked, is as the plan found it: a draft may have been changed or lodged since."""
    if kind == Kind.DRAFT_NEVER_LODGED:
        return bool(request.status == State.DRAFT and request.updated_at == due.dated)
    return bool(request.status in _FINAL and request.status_changed_at == due.dated)


def _reduce(rule: Rule, due: Due, now: dt.datetime, done: Done) -> bool:
    kind = rule.kind
    with transaction.atomic():
        request = Request.objects.select_for_update().filter(pk=due.request_id).first()
        if request is None or not _still_due(request, kind, due):
            return False
        if kind == Kind.EVIDENCE:
            removed = {"documents": _documents_remove(request)}
        elif kind == Kind.TRAVEL_DETAILS:
            removed = _travel_remove(request)
        else:
            removed = _whole_remove(request)
            redacted, kept = _events_redact(request)
            if redacted:
                removed["event_texts"] = redacted
            done.events_redacted += redacted
            done.events_unredactable += kept
        data = {"kind": kind.value, "kept_for": str(rule.kept_for), "counted_from": rule.counted_from,
                "dated": due.dated.astimezone(dt.UTC).isoformat(), "removed": removed}
        # No personal data in what the history hashes: the rule, its dates and counts of what went.
        event_append(request=request, by=RETENTION, transition=EventKind.RETENTION_REDUCED,
                     from_state=request.status, to_state=request.status, data=data,
                     reason=f"{rule.title}: kept for {rule.kept_for} {rule.counted_from_text}.", at=now)
        Reduction.objects.update_or_create(request=request, kind=kind.value, defaults={
            "counted_from": due.dated, "kept_for": str(rule.kept_for), "at": now, "removed": removed})
    return True


def _delete_rows(kind: Kind, cutoff: dt.datetime, done: Done, progress: Progress | None) -> int:
    rows = _rows(kind, cutoff)
    if kind != Kind.UNCONFIRMED_ACCOUNT:
        return rows.delete()[0] if rows.exists() else 0
    deleted = 0
    users = list(rows.only("pk", "email"))
    for number, user in enumerate(users, start=1):
        try:
            with transaction.atomic():
                user.delete()
            deleted += 1
        except (ProtectedError, RestrictedError):
            done.skipped.append(f"The unconfirmed account {user.pk} is named by other records, so it was kept.")
        if progress:
            progress(kind.value, number, len(users))
    return deleted


def retention_apply(schedule: Schedule, as_at: dt.datetime | None = None, progress: Progress | None = None,
                    plan: Plan | None = None) -> Done:
    """Do what ``retention_plan`` lists: each request in its own transaction with its event, then the other rows.

    Safe to run again at any time: what is done is not done twice, and a request changed since the plan is left.
    """
    plan = plan or retention_plan(schedule, as_at)
    now = timezone.now()
    done = Done()
    for line in plan.lines:
        kind = line.rule.kind
        if line.is_requests:
            count = 0
            for number, due in enumerate(line.requests, start=1):
                if _reduce(line.rule, due, now, done):
                    count += 1
                else:
                    done.skipped.append(f"{due.reference} changed since the plan was made, so it was left.")
                if progress:
                    progress(kind.value, number, len(line.requests))
            done.counts[kind.value] = count
        else:
            done.counts[kind.value] = _delete_rows(kind, line.cutoff, done, progress)
    return done


def plan_text(plan: Plan) -> Iterable[str]:
    """The plan as lines for a person: each rule with its count and period, then each request with its date."""
    for line in plan.lines:
        rule = line.rule
        what = "requests reduced" if line.is_requests and rule.kind in _WHOLE else (
            "requests" if line.is_requests else "records deleted")
        yield (f"{rule.kind.value}: {line.count:,} {what} (kept {rule.kept_for} {rule.counted_from_text}, so "
               f"those dated on or before {line.cutoff.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC go)")
        for due in line.requests:
            yield (f"  {due.reference}  {due.status:<16} {rule.counted_from} "
                   f"{due.dated.astimezone(dt.UTC):%Y-%m-%d}  rule {rule.kind.value}")
    if plan.events_unredactable:
        yield (f"history: {plan.events_unredactable:,} events of the requests reduced {_KEPT_UNREDACTABLE} (their "
               "reasons and who acted stay, for their hashes cover that text)")


def done_text(done: Done) -> Iterable[str]:
    """What a run did to the histories of the requests it reduced, as lines for a person."""
    if done.events_redacted:
        yield (f"history: {done.events_redacted:,} events had their reasons, and who acted for the applicant, "
               "removed; they still verify")
    if done.events_unredactable:
        yield f"history: {done.events_unredactable:,} events {_KEPT_UNREDACTABLE}"
