"""A v2 ballot round's own steps: holders commit, the declaration is published, holders reveal, the draw, a cancel.

The administrator is the first holder of a secret; they may name observers (staff of an assessing body, or
another administrator acting as auditor) who each hold a secret of their own. Every holder commits before the
round is published, the declaration fixes the commitments with everything else the draw depends on and a drand
quicknet round due after it, and the draw needs every holder's secret and that round's signature. See
docs/ballot.md, "bordercase-ballot-v2". Freezing, and what a draw does to each request, are
cases.services.allocation's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from bordercase import ballot
from bordercase.accounts.models import User
from bordercase.accounts.roles import is_administrator, roles_of
from bordercase.ballot.beacon import QUICKNET, BeaconError
from bordercase.ballot.declaration import PROTOCOL, BeaconRound, Declaration, utc_text
from bordercase.ballot.fields import hex_bytes, parsed_json, pasted
from bordercase.ballot.manifest_v2 import draw_v2, verify_v2
from bordercase.ballot.odds import SelfTest, odds, self_tests
from bordercase.cases import notifications
from bordercase.cases.models import AllocationRound, SecretHolder
from bordercase.cases.services.allocation import locked_round, require_administrator, results_apply
from bordercase.lib.errors import InvalidInput, NotFound

Status = AllocationRound.Status
# A declared beacon round is due at least this long after publishing: a clock a little fast, or a page left open
# before pressing publish, can never make a beacon round already public look like one to come.
BEACON_MARGIN = dt.timedelta(minutes=2)
SUGGESTED_AHEAD = dt.timedelta(minutes=15)
BEACON_HORIZON = dt.timedelta(days=30)
REASON_MAX = 1000


def holders_of(round_: AllocationRound) -> list[SecretHolder]:
    return list(round_.holders.select_related("user").order_by("position"))


def holder_of(round_: AllocationRound, user: User) -> SecretHolder:
    """The user's place among the round's holders, or NotFound: a round the user holds no secret for is not theirs."""
    found = round_.holders.filter(user=user).first() if user.is_authenticated else None
    if found is None:
        raise NotFound("You hold no secret for this round.")
    return found


def _v2_ballot(round_: AllocationRound) -> None:
    if not round_.is_v2_ballot:
        raise InvalidInput({"round": f"Round {round_.number} is not a {PROTOCOL} ballot: it has "
                                     "no holders' secrets."})


def observer_add_by_email(*, round_: AllocationRound, email: str, by: User) -> SecretHolder:
    """As observer_add, naming the observer by their account's email address."""
    observer = User.objects.filter(email__iexact=email.strip()).first()
    if observer is None:
        raise InvalidInput({"email": f"No account has the address {email.strip()}: check it, or invite them as staff "
                                     "first from the staff page."})
    return observer_add(round_=round_, observer=observer, by=by)


def observer_add(*, round_: AllocationRound, observer: User, by: User) -> SecretHolder:
    """Name a member of staff to hold a secret of their own in the round, before it is published."""
    require_administrator(by)
    with transaction.atomic():
        current = locked_round(round_, Status.OPEN, Status.FROZEN)
        _v2_ballot(current)
        roles = roles_of(observer)
        if not (roles.assessor_at or roles.inz_officer or roles.administrator):
            raise InvalidInput({"email": f"{observer.email} is not staff of an assessing body or an "
                                            "administrator: name someone with a staff account, who can sign in to "
                                            "commit and reveal."})
        _administrator_holder(current, by)
        if current.holders.filter(user=observer).exists():
            raise InvalidInput({"email": f"{observer.email} already holds a secret in this round."})
        position = (current.holders.aggregate(n=Max("position"))["n"] or 0) + 1
        return SecretHolder.objects.create(round=current, position=position, user=observer, named_at=timezone.now())


def _administrator_holder(round_: AllocationRound, by: User) -> SecretHolder:
    # The administrator running the round holds the first secret; made when first needed.
    first = round_.holders.filter(position=1).first()
    if first is None:
        first = SecretHolder.objects.create(round=round_, position=1, user=by, named_at=timezone.now())
    return first


@dataclass(frozen=True)
class Committed:
    holder: SecretHolder
    secret: str  # hexadecimal, made by bordercase to show once; empty when the holder gave their own commitment


def commitment_enter(*, round_: AllocationRound, by: User, commitment: str = "") -> Committed:
    """The holder's commitment, SHA-256 of a secret they keep; with none given, bordercase makes a secret, shows it
    once and keeps only its commitment. A commitment can be replaced until the round is published."""
    with transaction.atomic():
        current = locked_round(round_, Status.OPEN, Status.FROZEN)
        _v2_ballot(current)
        if is_administrator(by) and current.holders.filter(user=by).first() is None:
            _administrator_holder(current, by)
        holder = holder_of(current, by)
        text = pasted(commitment)
        made = b""
        if not text:
            made = secrets.token_bytes(32)
            text = hashlib.sha256(made).hexdigest()
        elif hex_bytes(text, 32) is None:
            raise InvalidInput({"commitment": "The commitment is the SHA-256 of your secret: 64 characters, 0 to 9 "
                                              "and a to f. Check you copied all of it, or leave it empty for "
                                              "bordercase to make a secret for you."})
        holder.commitment, holder.committed_at = text, timezone.now()
        holder.save(update_fields=["commitment", "committed_at"])
    return Committed(holder, made.hex())


def beacon_round_suggested(now: dt.datetime | None = None) -> int:
    """The quicknet round due a quarter of an hour from now: time enough to publish, none to wait long."""
    return QUICKNET.round_at((now or timezone.now()) + SUGGESTED_AHEAD)


def declaration_publish(*, round_: AllocationRound, by: User, beacon_round: int) -> AllocationRound:
    """Publish the declaration: the entries, places and caps, every holder's commitment and the beacon round."""
    require_administrator(by)
    with transaction.atomic():
        current = locked_round(round_, Status.FROZEN)
        _v2_ballot(current)
        holders = holders_of(current)
        waiting = [h.user.email for h in holders if not h.commitment]
        if not holders:
            raise InvalidInput({"round": "Enter your own commitment first: the administrator holds the first "
                                         "secret."})
        if waiting:
            raise InvalidInput({"round": f"Waiting for the commitment of {', '.join(waiting)}: every holder "
                                         "commits before the round is published, or is removed."})
        now = timezone.now().replace(microsecond=0)
        due = QUICKNET.round_unix(beacon_round)
        if beacon_round < 1 or due < (now + BEACON_MARGIN).timestamp():
            raise InvalidInput({"beacon_round": f"Beacon round {beacon_round} is due before now or too soon: name a "
                                                f"quicknet round due at least {BEACON_MARGIN.seconds // 60} minutes "
                                                f"from now, such as {beacon_round_suggested(now)}."})
        if due > (now + BEACON_HORIZON).timestamp():
            raise InvalidInput({"beacon_round": f"Beacon round {beacon_round} is due more than "
                                                f"{BEACON_HORIZON.days} days from now, and the draw would wait for "
                                                f"it: name a round due sooner, such as "
                                                f"{beacon_round_suggested(now)}."})
        cancelled = (current.scheme.allocation_rounds.filter(status=Status.CANCELLED)
                     .aggregate(n=Max("beacon_round"))["n"])
        if cancelled is not None and beacon_round <= cancelled:
            raise InvalidInput({"beacon_round": f"A cancelled round of this scheme declared beacon round "
                                                f"{cancelled}: declare a later one, so that nobody could cancel a "
                                                "round to draw again from a beacon value already seen."})
        declaration = Declaration(
            scheme=current.scheme.code, round=current.number, places=current.places or 0,
            category_caps=dict(current.category_caps), employer_cap=current.employer_cap,
            entries_sha256=current.entries_sha256, commitments=tuple(h.commitment for h in holders),
            beacon=BeaconRound(QUICKNET.name, QUICKNET.chain_hash, beacon_round), published_at=utc_text(now))
        digest = declaration.digest()
        # The chances are estimated from the declaration's own digest, so anyone can re-run the estimate.
        current.odds = odds(ballot.read_entries(bytes(current.entries_csv)), declaration.caps, seed=digest).as_json()
        current.declaration_json = declaration.canonical()
        current.declaration_sha256 = digest.hex()
        current.beacon_round = beacon_round
        current.status, current.published_at, current.published_by = Status.PUBLISHED, now, by
        current.save()
    return current


def declaration_of(round_: AllocationRound) -> Declaration:
    return Declaration.from_json(parsed_json(bytes(round_.declaration_json)))


@dataclass(frozen=True)
class DeclaredRound:
    """What the round's pages show of a v2 round: its holders, the reader's own place among them, the declaration."""

    holders: list[SecretHolder]
    mine: SecretHolder | None
    declaration: Declaration | None
    beacon_due: dt.datetime | None
    beacon_suggested: int
    beacon_url: str


def declared_round(round_: AllocationRound, reader: User | None = None) -> DeclaredRound | None:
    """None for a round that is not a v2 ballot."""
    if not round_.is_v2_ballot:
        return None
    holders = holders_of(round_)
    declaration = declaration_of(round_) if round_.declaration_json else None
    beacon = declaration.beacon.round if declaration else None
    return DeclaredRound(
        holders=holders, mine=next((h for h in holders if reader is not None and h.user_id == reader.pk), None),
        declaration=declaration, beacon_due=QUICKNET.round_time(beacon) if beacon else None,
        beacon_suggested=beacon_round_suggested(),
        beacon_url=QUICKNET.round_url(beacon) if beacon else "")


def secret_reveal(*, round_: AllocationRound, by: User, secret: str) -> SecretHolder:
    """The holder's secret, given back after publishing, checked against their commitment."""
    with transaction.atomic():
        current = locked_round(round_, Status.PUBLISHED)
        _v2_ballot(current)
        holder = holder_of(current, by)
        text = pasted(secret)
        value = hex_bytes(text, 32)
        if value is None:
            raise InvalidInput({"secret": "The secret is 64 characters, 0 to 9 and a to f (32 bytes): check you "
                                          "copied all of it."})
        if hashlib.sha256(value).hexdigest() != holder.commitment:
            raise InvalidInput({"secret": f"That secret does not match your commitment {holder.commitment}: its "
                                          f"SHA-256 is {hashlib.sha256(value).hexdigest()}. Enter the secret whose "
                                          "commitment you gave before the round was published."})
        holder.secret, holder.revealed_at = text, timezone.now()
        holder.save(update_fields=["secret", "revealed_at"])
    return holder


def round_draw_v2(*, round_: AllocationRound, by: User, signature: str) -> AllocationRound:
    """Draw with every holder's secret and the declared beacon round's signature; all of it, or nothing."""
    require_administrator(by)
    with notifications.notices_together(f"the draw of round {round_.number}"), transaction.atomic():
        current = locked_round(round_, Status.PUBLISHED)
        _v2_ballot(current)
        holders = holders_of(current)
        waiting = [h.user.email for h in holders if not h.secret]
        if waiting:
            raise InvalidInput({"round": f"Waiting for the secret of {', '.join(waiting)}: the draw needs every "
                                         "holder's secret."})
        declaration = declaration_of(current)
        due = QUICKNET.round_time(declaration.beacon.round)
        if timezone.now() < due:
            raise InvalidInput({"signature": f"Beacon round {declaration.beacon.round} is due at {utc_text(due)}: "
                                             "draw after then, with its signature."})
        text = pasted(signature)
        entries = bytes(current.entries_csv)
        try:
            manifest, results = draw_v2(declaration, [bytes.fromhex(h.secret) for h in holders], text, entries,
                                        utc_text(timezone.now()))
        except BeaconError as exc:
            raise InvalidInput({"signature": f"{exc} Copy the signature of round {declaration.beacon.round} from "
                                             f"{QUICKNET.round_url(declaration.beacon.round)}."}) from exc
        problems = verify_v2(manifest, entries, results)
        if problems:
            # What anyone re-running the round would find: never publish a round that does not check.
            raise RuntimeError(f"Round {current.number} does not verify: {'; '.join(problems)}")
        current.beacon_signature, current.seed = text, manifest.seed
        current.results_csv, current.results_sha256 = results, manifest.results_sha256
        current.manifest_json = manifest.to_json()
        current.manifest_sha256 = ballot.sha256_hex(current.manifest_json)
        drawn = ballot.read_results(results)
        tests = _self_tests(current, drawn)
        current.self_tests = [t.as_json() for t in tests]
        current.flagged_for_review = any(t.failed for t in tests)
        current.status, current.drawn_at, current.drawn_by = Status.DRAWN, timezone.now(), by
        current.save()
        results_apply(current, drawn, by)
    return current


def _self_tests(round_: AllocationRound, results: list[ballot.Result]) -> list[SelfTest]:
    selected = {r.entry_id for r in results if r.status == ballot.Status.SELECTED}
    weeks = {}
    for entry_id, lodged_at in round_.entries.values_list("entry_id", "request__lodged_at"):
        year, week, _ = timezone.localtime(lodged_at).isocalendar() if lodged_at else (0, 0, 0)
        weeks[entry_id] = f"{year}-W{week:02d}" if year else "unknown"
    return self_tests(ballot.read_entries(bytes(round_.entries_csv)), selected, round_.odds.get("chance", {}),
                      weeks)


def round_cancel(*, round_: AllocationRound, by: User, reason: str) -> AllocationRound:
    """Cancel a round before its draw, with a reason the public page shows; its requests stay eligible."""
    require_administrator(by)
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": "Say why the round is cancelled, for the public page: for example a holder's "
                                      "secret was lost."})
    if len(reason) > REASON_MAX:
        raise InvalidInput({"reason": f"Keep the reason to {REASON_MAX} characters or fewer."})
    with transaction.atomic():
        current = locked_round(round_, Status.OPEN, Status.FROZEN, Status.PUBLISHED)
        current.status, current.cancelled_at, current.cancelled_by = Status.CANCELLED, timezone.now(), by
        current.cancel_reason = reason
        current.save()
    return current

