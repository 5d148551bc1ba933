"""Allocation rounds: open one, freeze its pool, publish it, then reveal the secret and draw.

Only a scheme administrator runs a round. Each step is recorded on the round with who took it and when; a step
that changes requests also appends to each one's history (``enter_round`` at freezing, then ``allocate`` or
``waitlist`` at the draw), so the employers are emailed through the usual notices.

The ballot's secret is made here at publishing and shown once to the administrator, who keeps it; bordercase
keeps only its commitment until the draw, when the administrator gives it back (see docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import salted_hmac

from bordercase import ballot
from bordercase.accounts.models import User
from bordercase.accounts.roles import is_administrator
from bordercase.ballot.fields import pasted
from bordercase.cases import notifications
from bordercase.cases.allocation import HOLDS_PLACE, all_fit, category_of, priority_tier, weight_of
from bordercase.cases.lifecycle import EventKind, State, Step
from bordercase.cases.models import AllocationEntry, AllocationRound, Request, Scheme
from bordercase.cases.services.events import event_append
from bordercase.cases.services.occupations import occupations_of, with_occupation
from bordercase.cases.services.reallocation import reallocate
from bordercase.cases.services.rounds import (
    parameter_today,
    round_caps,
    round_in_progress,
    settings_today,
)
from bordercase.cases.services.transitions import request_transition
from bordercase.cases.services.windows import scheme_intake
from bordercase.cases.windows import nz_time
from bordercase.lib.errors import ConcurrentChange, InvalidInput, Refused
from bordercase.lib.identifiers import entry_id_new

Method, Status = AllocationRound.Method, AllocationRound.Status
DECLARATION_MAX = 1000


def require_administrator(by: User) -> None:
    if not is_administrator(by):
        raise Refused("Only a scheme administrator can run an allocation round.")


def locked_round(round_: AllocationRound, *expected: str) -> AllocationRound:
    current = AllocationRound.objects.select_for_update().select_related("scheme").get(pk=round_.pk)
    if current.status not in expected:
        raise ConcurrentChange(
            f"Round {current.number} of {current.scheme.title} is {current.get_status_display().lower()}, so this "
            "step has been taken already or is not due yet: reload the round to see where it stands.")
    return current


# --- opening -------------------------------------------------------------------------------------------------------


def round_open(*, scheme: Scheme, by: User, protocol: str = AllocationRound.Protocol.V2) -> AllocationRound:
    """Announce a round: its method comes from the scheme's ``allocation_method`` as in force today. A ballot is
    declared and drawn under bordercase-ballot-v2; v1 remains for rounds published before it and for checking
    the drawing of v1 itself."""
    require_administrator(by)
    if Step.ALLOCATION not in scheme.steps:
        raise InvalidInput({"scheme": f"{scheme.title} has no capped places, so it has no allocation rounds."})
    method = str(parameter_today(scheme, "allocation_method", Method.BALLOT))
    if method not in Method.values:
        raise InvalidInput({"scheme": f"{scheme.title}'s allocation_method is {method!r}: it must be ballot or "
                                      "order_of_receipt. Correct the scheme's policy."})
    with transaction.atomic():
        Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
        if round_in_progress(scheme) is not None:
            raise InvalidInput({"scheme": f"{scheme.title} has a round that is not finished: finish it before "
                                          "opening another, so two rounds never count the same places."})
        number = (scheme.allocation_rounds.aggregate(n=Max("number"))["n"] or 0) + 1
        return AllocationRound.objects.create(scheme=scheme, number=number, method=method, protocol=protocol,
                                              opened_by=by, opened_at=timezone.now())


# --- freezing ------------------------------------------------------------------------------------------------------


def _beneficiary_id(round_: AllocationRound, request: Request) -> str:
    """Who the entry is for, the same for one worker's every entry in this round, and no clue to who they are.

    The worker identity is a hash of passport number, nationality and birth date, keyed with the index key so that
    nobody without it can recompute it by trying passport numbers; keyed again with the site's secret and the round,
    the published id does not link a worker across rounds either.
    """
    if not request.worker_identity:
        return ""
    return salted_hmac("bordercase.allocation.beneficiary", f"{round_.pk}:{request.worker_identity}",
                       algorithm="sha256").hexdigest()[:32]


def _employer_id(round_: AllocationRound, request: Request) -> str:
    """An id for the employer that is the same for its every entry in this round and tells nobody who it is.

    Keyed with the site's secret and the round, so the ids of one round do not link to another's.
    """
    if request.organisation_id is None:
        return ""
    return salted_hmac("bordercase.allocation.employer", f"{round_.pk}:{request.organisation_id}",
                       algorithm="sha256").hexdigest()[:16]


def lodged_at_text(request: Request) -> str:
    """The lodging time as fixed-width UTC text, so that sorting the text sorts the times."""
    # Never empty in fact: the database refuses a lodged request without its lodging time.
    moment = request.lodged_at or request.created_at
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _entries(round_: AllocationRound, pool: Sequence[Request]) -> dict[str, tuple[Request, ballot.Entry]]:
    """Each request's entry, by entry id. A ballot's entries carry weights; order of receipt's, tier and lodging."""
    scheme = round_.scheme
    by_ballot = round_.method == Method.BALLOT
    weights = parameter_today(scheme, "ballot_weight_by_salary_band", {})
    category = parameter_today(scheme, "ballot_category", {})
    priority = tuple(parameter_today(scheme, "order_of_receipt_priority", ()))
    entered = {}
    # The category reads the request's occupation (an assessor's finding, else what was given), so a nomination
    # coded from its job title is counted by the category caps too.
    occupations = occupations_of(pool)
    for r in pool:
        entry = ballot.Entry(
            entry_id=r.entry_id or "", beneficiary_id=_beneficiary_id(round_, r),
            category=category_of(with_occupation(r.answers, occupations[r.pk]), category),
            employer_id=_employer_id(round_, r),
            # Weights are tickets in a draw; in order of receipt nothing is drawn, so every entry holds one.
            weight=weight_of(r.answers, weights) if by_ballot else 1,
            priority=0 if by_ballot else priority_tier(r.answers, priority),
            lodged_at="" if by_ballot else lodged_at_text(r))
        entered[entry.entry_id] = (r, entry)
    return entered


def round_freeze(*, round_: AllocationRound, by: User) -> AllocationRound:
    """Fix the pool: every eligible request of the scheme, as an entry. If every entry fits, allocate them all."""
    require_administrator(by)
    with notifications.notices_together(f"round {round_.number}, where every entry fitted"), transaction.atomic():
        current = locked_round(round_, Status.OPEN)
        scheme = current.scheme
        intake = scheme_intake(scheme)
        if intake.is_open and intake.current is not None:
            raise InvalidInput({"round": f"{scheme.title} is taking requests until {nz_time(intake.current.closes_at)}"
                                         ": freeze the pool after intake closes, so every request lodged in time "
                                         "can be in it."})
        holders = (Request.objects.filter(scheme=scheme, status__in=HOLDS_PLACE).exclude(worker_identity="")
                   .values("worker_identity"))
        # A worker who already holds a place under the scheme (through another request) is not entered again.
        pool = list(Request.objects.select_for_update(of=("self",)).filter(scheme=scheme, status=State.ELIGIBLE)
                    .exclude(worker_identity__in=holders).order_by("pk"))
        if not pool:
            raise InvalidInput({"round": f"{scheme.title} has no eligible requests to allocate: a round can be "
                                         "frozen once assessors have found some eligible."})
        settings = settings_today(scheme)
        places = settings.places
        if places == 0:
            raise InvalidInput({"round": f"Every one of {scheme.title}'s {scheme.places} places is held: there is "
                                         "nothing to allocate."})
        for request in pool:
            if not request.entry_id:
                # Lodged before entry ids existed; given one now, still before anything about the draw is known.
                request.entry_id = entry_id_new()
                Request.objects.filter(pk=request.pk).update(entry_id=request.entry_id)
        current.places = places
        current.category_caps, current.employer_cap = settings.category_caps, settings.employer_cap
        entered = _entries(current, pool)
        try:
            current.entries_csv = ballot.entries_csv([e for _, e in entered.values()],
                                                     receipt=current.method == Method.ORDER_OF_RECEIPT)
        except ballot.BallotFileError as exc:
            raise InvalidInput({"round": f"The entries file cannot be written: {exc} A category is taken from the "
                                         "answer the scheme's ballot_category names: make it a code, such as the "
                                         "first four digits of anzsco_code."}) from exc
        current.entries_sha256 = ballot.sha256_hex(current.entries_csv)
        current.frozen_at, current.frozen_by = timezone.now(), by
        # The file's order (by entry id, or by tier and lodging) is each entry's position.
        in_file = [entered[e.entry_id] for e in ballot.read_entries(current.entries_csv)]
        rows = [AllocationEntry(round=current, request=r, entry_id=e.entry_id, weight=e.weight, category=e.category,
                                employer_id=e.employer_id, beneficiary_id=e.beneficiary_id, position=n)
                for n, (r, e) in enumerate(in_file, start=1)]
        AllocationEntry.objects.bulk_create(rows)
        for r, e in in_file:
            data = {"round": current.number, "entry_id": e.entry_id, "weight": e.weight, "category": e.category}
            if current.method == Method.ORDER_OF_RECEIPT:
                data = {**data, "priority": e.priority}
            event_append(request=r, by=by, transition=EventKind.ENTER_ROUND, from_state=State.ELIGIBLE,
                         to_state=State.ELIGIBLE, data=data)
        if all_fit([e for _, e in in_file], round_caps(current)):
            _allocate_all(current, rows, by)
        else:
            current.status = Status.FROZEN
        current.save()
    return current


def _allocate_all(round_: AllocationRound, rows: Sequence[AllocationEntry], by: User) -> None:
    reason = (f"Every eligible request in allocation round {round_.number} has a place: {len(rows)} "
              f"{'entry' if len(rows) == 1 else 'entries'} for {round_.places} places, so no draw was needed.")
    for row in rows:
        row.rank, row.result = row.position, ballot.Status.SELECTED.value
        _place(row.request, selected=True, by=by, reason=reason, data={"round": round_.number,
                                                                        "entry_id": row.entry_id})
    AllocationEntry.objects.bulk_update(rows, ["rank", "result"])
    round_.status, round_.drawn_at, round_.drawn_by = Status.ALLOCATED, timezone.now(), by


# --- publishing ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    round: AllocationRound
    secret: str  # hexadecimal, to show the administrator once; empty in order of receipt, which has none


def round_publish(*, round_: AllocationRound, by: User, declaration: str = "") -> Published:
    """Publish the entries; for a ballot, also the commitment to a fresh secret and the public value to come."""
    require_administrator(by)
    with transaction.atomic():
        current = locked_round(round_, Status.FROZEN)
        _not_v2(current)
        secret = b""
        if current.method == Method.BALLOT:
            declaration = declaration.strip()
            if not declaration:
                raise InvalidInput({"declaration": "Name the public value the draw will mix in, one nobody can know "
                                                   "or choose yet: for example a drand quicknet round due after "
                                                   "publishing."})
            if len(declaration) > DECLARATION_MAX:
                raise InvalidInput({"declaration": f"Keep the declaration to {DECLARATION_MAX} characters or fewer."})
            secret = secrets.token_bytes(32)
            current.commitment, current.public_value_declaration = ballot.commitment(secret), declaration
        current.status, current.published_at, current.published_by = Status.PUBLISHED, timezone.now(), by
        current.save()
    return Published(current, secret.hex())


def _not_v2(round_: AllocationRound) -> None:
    # A v2 ballot is published and drawn only with its declaration, its holders' secrets and a checked beacon.
    if round_.is_v2_ballot:
        raise InvalidInput({"round": f"Round {round_.number} is a bordercase-ballot-v2 ballot: publish its "
                                     "declaration with a beacon round, and draw it with the beacon's signature."})


# --- the draw ------------------------------------------------------------------------------------------------------


def _secret_bytes(secret: str, commitment: str) -> bytes:
    text = pasted(secret)
    if not text:
        raise InvalidInput({"secret": "Enter the secret you were shown when the round was published."})
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 32:
        raise InvalidInput({"secret": "The secret is 64 characters, 0 to 9 and a to f (32 bytes): check you copied "
                                      "all of it."})
    if ballot.commitment(value) != commitment:
        raise InvalidInput({"secret": f"That secret does not match the published commitment {commitment}: its "
                                      f"SHA-256 is {ballot.commitment(value)}. Enter the secret you were shown when "
                                      "the round was published. Nothing has been drawn."})
    return value


def _reason(round_: AllocationRound, result: ballot.Result, total: int, waitlist_position: int,
            first_rank: dict[str, int], row: AllocationEntry) -> str:
    n = round_.number
    if round_.method == Method.BALLOT:
        placed = f"rank {result.rank} of {total} in ballot round {n}"
    else:
        placed = f"position {result.rank} of {total} in order of receipt in round {n}"
    if result.status == ballot.Status.SELECTED:
        return f"Allocated a place: {placed}."
    if result.status == ballot.Status.DUPLICATE:
        return (f"The same worker is entered in another request in round {n}, which came first (rank "
                f"{first_rank.get(row.beneficiary_id, 0)}): the worker is counted once, so this request takes no "
                f"place of its own while that one stands. It was {placed}.")
    return (f"On the waitlist at position {waitlist_position}: {placed}. A place given up goes to the first on "
            "the waitlist whom the caps allow.")


def _manifest(round_: AllocationRound) -> ballot.Manifest:
    return ballot.Manifest(
        algorithm=ballot.ALGORITHM, method=round_.method, places=round_.places or 0,
        category_caps=dict(round_.category_caps), employer_cap=round_.employer_cap,
        entries_sha256=round_.entries_sha256, commitment=round_.commitment, secret=round_.secret,
        public_value=round_.public_value, public_value_declaration=round_.public_value_declaration,
        seed=round_.seed, results_sha256=round_.results_sha256)


def round_draw(*, round_: AllocationRound, by: User, secret: str = "", public_value: str = "") -> AllocationRound:
    """Reveal the secret and the public value, draw, and move every entry's request; all of it, or nothing."""
    require_administrator(by)
    with notifications.notices_together(f"the draw of round {round_.number}"), transaction.atomic():
        current = locked_round(round_, Status.PUBLISHED)
        _not_v2(current)
        entries_bytes = bytes(current.entries_csv)
        entries = ballot.read_entries(entries_bytes)
        caps = round_caps(current)
        if current.method == Method.BALLOT:
            value = _secret_bytes(secret, current.commitment)
            public_value = public_value.strip()
            if not public_value:
                raise InvalidInput({"public_value": "Enter the public value named in the declaration, exactly as "
                                                    "it was published."})
            seed = ballot.seed_from(value, public_value)
            results = ballot.draw(entries, caps, seed)
            current.secret, current.public_value, current.seed = value.hex(), public_value, seed.hex()
        else:
            results = ballot.rank_by_receipt(entries, caps)
        current.results_csv = ballot.results_csv(results)
        current.results_sha256 = ballot.sha256_hex(current.results_csv)
        manifest = _manifest(current)
        problems = ballot.verify(manifest, entries_bytes, bytes(current.results_csv))
        if problems:
            # What anyone re-running the round would find: never publish a round that does not check.
            raise RuntimeError(f"Round {current.number} does not verify: {'; '.join(problems)}")
        current.manifest_json = manifest.to_json()
        current.manifest_sha256 = ballot.sha256_hex(current.manifest_json)
        current.status, current.drawn_at, current.drawn_by = Status.DRAWN, timezone.now(), by
        current.save()
        results_apply(current, results, by)
    return current


def results_apply(round_: AllocationRound, results: Sequence[ballot.Result], by: User) -> None:
    rows = {r.entry_id: r for r in round_.entries.select_related("request")}
    first_rank: dict[str, int] = {}
    waitlisted, gone = 0, []
    for result in results:
        row = rows[result.entry_id]
        row.rank, row.result = result.rank, result.status.value
        first_rank.setdefault(row.beneficiary_id, result.rank)
    AllocationEntry.objects.bulk_update(rows.values(), ["rank", "result"])
    for result in results:
        row = rows[result.entry_id]
        if result.status == ballot.Status.WAITLISTED:
            waitlisted += 1
        request = row.request  # read in this transaction, so as it stands at the draw
        if request.status != State.ELIGIBLE:
            # Withdrawn or lapsed since the pool was frozen: a place it drew goes on to the waitlist below.
            if result.status == ballot.Status.SELECTED:
                gone.append(row)
            continue
        _place(request, selected=result.status == ballot.Status.SELECTED, by=by,
               reason=_reason(round_, result, len(results), waitlisted, first_rank, row),
               data={"round": round_.number, "entry_id": row.entry_id, "rank": result.rank})
    for row in gone:
        reallocate(round_, row, because=row.request.status)


def _place(request: Request, *, selected: bool, by: User, reason: str, data: dict[str, object]) -> Request:
    # The one place a round gives a request its result: a place (allocate) or a place on the waitlist.
    return request_transition(request=request, name="allocate" if selected else "waitlist", by=by, reason=reason,
                              data=data)
