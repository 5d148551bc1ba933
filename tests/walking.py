"""Walking a request through the lifecycle in tests, by each transition's owning action (cases.lifecycle.OWNERS),
never by naming the transition to the primitive: ``walk(request, [(transition, actor), …])``."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from bordercase import ballot
from bordercase.accounts.models import User
from bordercase.accounts.organisations import membership_add
from bordercase.cases.allocation import HOLDS_PLACE
from bordercase.cases.lifecycle import TRANSITIONS, State
from bordercase.cases.models import AllocationEntry, AllocationRound, IntakeWindow, Person, Request, Scheme
from bordercase.cases.services import allocation, assessment, rounds
from bordercase.cases.services.actions import BY_NAME
from bordercase.cases.services.events import Actor
from bordercase.cases.services.requests import request_create
from bordercase.cases.services.scheme_cache import schemes_changed
from bordercase.cases.services.transitions import request_lapse, request_withdraw
from bordercase.cases.services.windows import scheme_intake, window_add
from bordercase.demo.tech import TECH
from bordercase.immigration.passports import passport_line
from bordercase.immigration.services import travel, visas
from bordercase.immigration.services.invitations import invitation_issue
from bordercase.immigration.services.recommendations import batch_send
from bordercase.immigration.services.travel_terms import terms_of
from tests.conftest import PASSWORD, nominee


class NotWalkable(ValueError):
    """``walk`` has no owning action to make this transition with, or not for this actor."""


WalkStep = Callable[[Request, Actor, str], Request]
PUBLIC_VALUE_DECLARATION = "drand quicknet round 1234567, its randomness in hexadecimal"


def close_intake(code: str = TECH) -> None:
    """End the scheme's intake now, as a round is frozen only once intake has closed: a window open now closes now.
    One that opened at this very moment (reopened by a walk's round, on a stopped clock) cannot close after it
    opened and before now, so it is taken away; nothing refers to a window."""
    now = timezone.now()
    open_now = IntakeWindow.objects.filter(scheme__code=code, opens_at__lte=now, closes_at__gt=now)
    open_now.filter(opens_at=now).delete()
    open_now.update(closes_at=now)
    schemes_changed()  # an update sends no signal: tell the scheme cache, as saving a window would


def worker_account(request: Request) -> User:
    """The nominated worker's own account, as following the invitation link gives them: made now if they have none."""
    person = request.nominee
    person.refresh_from_db(fields=["user"])
    if person.user is not None:
        return person.user
    user = User.objects.create_user(person.email, PASSWORD, full_name=person.full_name)
    person.user = user
    person.save(update_fields=["user"])
    return user


def agreement_upload() -> SimpleUploadedFile:
    """A signed employment agreement, as a phone's photo of it: a small PNG."""
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (20, 90, 200)).save(out, format="PNG")
    return SimpleUploadedFile("agreement.png", out.getvalue(), content_type="image/png")


def travel_lodged(request: Request, worker: User, *, family: Iterable[dict[str, Any]] = (),
                  voucher: str = "MIQ-4471-2208") -> Request:
    """The worker's request to travel filled in and lodged through the travel services (``travel_lodge`` makes
    request_travel): their details and passport as the employer recorded them, the signed agreement where the
    scheme needs it, ``family`` (each as ``family_member_save`` takes it) or no one, and a journey 40 days away."""
    person = request.nominee
    today = timezone.localdate()
    terms = terms_of(request.scheme, today)
    travel_on = today + timedelta(days=40)
    expiry = travel_on + timedelta(days=3 * 365)
    opened = travel.travel_request_open(request=request, by=worker)
    travel.personal_details_save(travel=opened, by=worker, given_names=person.given_names,
                                 family_name=person.family_name, date_of_birth=person.date_of_birth,
                                 nationality=person.nationality, phone="+91 98765 43210")
    travel.passport_save(travel=opened, by=worker, passport_number=person.passport_number,
                         passport_country=person.nationality, passport_expiry=expiry,
                         passport_mrz=passport_line(person.passport_number, person.nationality,
                                                    person.date_of_birth, expiry))
    if terms.needs_employment_agreement:
        travel.employment_agreement_add(travel=opened, by=worker, upload=agreement_upload())
    members = list(family)
    for member in members:
        travel.family_member_save(travel=opened, by=worker, **member)
    if not members:
        travel.no_family_say(travel=opened, by=worker)
    travel.journey_save(travel=opened, by=worker, travel_date=travel_on, isolation_voucher=voucher,
                        isolation_from=travel_on + timedelta(days=1),
                        isolation_to=travel_on + timedelta(days=1 + terms.isolation_days),
                        isolation_paid_by=terms.paid_by[0][0])
    travel.declarations_make(travel=opened, by=worker)
    travel.travel_lodge(travel=opened, by=worker)
    request.refresh_from_db()
    return request


def _person(name: str, actor: Actor) -> User:
    if not isinstance(actor, User):
        raise NotWalkable(f"{name} is made through its owning action (cases.lifecycle.OWNERS) by a person, not "
                          f"{actor!r}: only a lapse may be walked by bordercase itself.")
    return actor


def _findings_met(request: Request, by: User, note: str) -> None:
    """The assessor finds every criterion met, with a note where the rules found otherwise."""
    rules = assessment.rules_of(request)
    if rules:
        note = note.strip() or "Found met on the evidence."
        assessment.findings_record(request=request, by=by, found={
            r.id: ("met", "" if r.outcome == "met" else note) for r in rules})


def _find_eligible(request: Request, actor: Actor, reason: str) -> Request:
    by = _person("find_eligible", actor)
    _findings_met(request, by, reason)
    return assessment.request_decide(request=request, by=by, decision="recommend", text=reason)


def _second_assessor(request: Request, first: User) -> User:
    """Another assessor at the request's body, to confirm a decline: one there already, or one added now."""
    other = next((u for u in assessment.assessors_of(request) if u.pk != first.pk), None)
    if other is None:
        body = request.assessing_body
        other = User.objects.create_user(f"second.assessor.{body.pk}@bodies.example", PASSWORD,
                                         full_name=f"Second Assessor at {body.name}")
        membership_add(user=other, organisation=body, role="assessor")
    return other


def _decline(request: Request, actor: Actor, reason: str) -> Request:
    """Every criterion found (met), then declined with the reason as its text; where the scheme needs a second
    assessor, another assessor at the same body confirms it."""
    by = _person("decline", actor)
    _findings_met(request, by, reason)
    assessment.request_decide(request=request, by=by, decision="decline", text=reason)
    if assessment.needs_second_assessor(request):  # the decline waits for them
        assessment.decline_confirm(request=request, by=_second_assessor(request, by))
    return request


def _recommend(request: Request, actor: Actor, reason: str) -> Request:
    batch_send(scheme=request.scheme, body=request.assessing_body, requests=[request],
               by=_person("recommend", actor))
    return request


def _invite(request: Request, actor: Actor, reason: str) -> Request:
    invitation_issue(request=request, by=_person("invite", actor))
    return request


def _request_travel(request: Request, actor: Actor, reason: str) -> Request:
    worker = _person("request_travel", actor)
    if not Person.objects.filter(pk=request.nominee_id, user=worker).exists():
        raise NotWalkable(f"request_travel is lodged by the nominated worker (travel.travel_lodge), not by {worker}: "
                          "walk it as their account, worker_account(request).")
    return travel_lodged(request, worker)


def _grant_visa(request: Request, actor: Actor, reason: str) -> Request:
    visas.visa_grant(request=request, by=_person("grant_visa", actor),
                     valid_until=timezone.localdate() + timedelta(days=365), conditions=reason)
    return request


def _decline_visa(request: Request, actor: Actor, reason: str) -> Request:
    visas.visa_decline(request=request, by=_person("decline_visa", actor), reasons=reason)
    return request


def _public_value(published: allocation.Published, entry_id: str, placed: bool) -> str:
    """A public value whose draw gives this entry a place (``placed``) or not: in a test, the one random input we
    may choose, so the draw's outcome for the walked request is known while the draw itself is the round's own."""
    round_ = published.round
    entries = ballot.read_entries(bytes(round_.entries_csv))
    caps = rounds.round_caps(round_)
    secret = bytes.fromhex(published.secret)
    for n in range(500):
        value = f"walk-{n:04d}"
        [mine] = [r for r in ballot.draw(entries, caps, ballot.seed_from(secret, value)) if r.entry_id == entry_id]
        if (mine.status == ballot.Status.SELECTED) == placed:
            return value
    raise NotWalkable(f"No draw of round {round_.number} {'places' if placed else 'waitlists'} entry {entry_id}: "
                      "its caps decide it whatever is drawn.")


def _round(request: Request, by: User, *, placed: bool) -> None:
    """The scheme's allocation round, run by ``by`` with the request in its pool (every eligible request of the
    scheme is), drawn if need be so that the request gets a place or a place on the waitlist. Intake is closed for
    the freeze and, if it was open, opened again until it was to close, for whatever the test does next."""
    if request.status != State.ELIGIBLE:
        raise NotWalkable(f"Request {request.reference} is {request.status}: only an eligible request is entered in "
                          "an allocation round.")
    scheme = request.scheme
    intake = scheme_intake(scheme)
    was_open_until = intake.current.closes_at if intake.is_open and intake.current is not None else None
    close_intake(scheme.code)
    opened = allocation.round_open(scheme=scheme, by=by, protocol=AllocationRound.Protocol.V1)
    frozen = allocation.round_freeze(round_=opened, by=by)
    if frozen.status != AllocationRound.Status.ALLOCATED:
        published = allocation.round_publish(round_=frozen, by=by, declaration=PUBLIC_VALUE_DECLARATION)
        value = ""
        if frozen.method == AllocationRound.Method.BALLOT:
            entry_id = AllocationEntry.objects.get(round=frozen, request=request).entry_id
            value = _public_value(published, entry_id, placed)
        allocation.round_draw(round_=published.round, by=by, secret=published.secret, public_value=value)
    if was_open_until is not None:
        window_add(scheme=scheme, opens_at=timezone.now(), closes_at=was_open_until)
    request.refresh_from_db()
    wanted = State.ALLOCATED if placed else State.WAITLISTED
    if request.status != wanted:
        raise NotWalkable(f"Allocation round {frozen.number} left request {request.reference} {request.status}, "
                          f"not {wanted.value}.")


def _allocate(request: Request, actor: Actor, reason: str) -> Request:
    _round(request, _person("allocate", actor), placed=True)
    return request


def _waitlist(request: Request, actor: Actor, reason: str) -> Request:
    """A round with one place left and a rival for it (another eligible request of the same employer and body),
    drawn so that the rival takes the place; the scheme's places are as they were afterwards."""
    by = _person("waitlist", actor)
    scheme = request.scheme
    assessor = assessment.assessors_of(request)[0]
    rival = request_create(by=request.created_by, scheme=scheme, organisation=request.organisation,
                           nominee=nominee(), assessing_body=request.assessing_body, answers=request.answers)
    walk(rival, [("lodge", request.created_by), ("start_assessment", assessor), ("find_eligible", assessor)])
    places = scheme.places
    held = Request.objects.filter(scheme=scheme, status__in=[s.value for s in HOLDS_PLACE]).count()
    Scheme.objects.filter(pk=scheme.pk).update(places=held + 1)
    schemes_changed()
    try:
        _round(request, by, placed=False)
    finally:
        Scheme.objects.filter(pk=scheme.pk).update(places=places)
        schemes_changed()
        scheme.refresh_from_db(fields=["places"])
    return request


def _promote(request: Request, actor: Actor, reason: str) -> Request:
    """A holder of a place in the request's round withdraws, and the reallocation (bordercase itself) promotes the
    first on the waitlist whom the caps allow: this request, if it is that one."""
    entry = AllocationEntry.objects.select_related("round").filter(request=request).order_by("-pk").first()
    if entry is None or request.status != State.WAITLISTED:
        raise NotWalkable(f"Request {request.reference} is not on an allocation round's waitlist.")
    leaving = TRANSITIONS["withdraw"].sources(request.scheme.steps) & HOLDS_PLACE
    holder = (entry.round.entries.filter(request__status__in=[s.value for s in leaving])
              .select_related("request").order_by("rank").first())
    if holder is None:
        raise NotWalkable(f"Nobody in round {entry.round.number} holds a place they could give up.")
    request_withdraw(request=holder.request, by=holder.request.created_by, reason=reason)
    request.refresh_from_db()
    if request.status != State.ALLOCATED:
        raise NotWalkable(f"The place given up in round {entry.round.number} went to another entry, not to request "
                          f"{request.reference}.")
    return request


def _by_name(name: str) -> WalkStep:
    action = BY_NAME[name]
    return lambda request, actor, reason: action(request, _person(name, actor), reason)


# Each transition's owning action (cases.lifecycle.OWNERS), with the defaults a test needs.
OWNING: dict[str, WalkStep] = {
    **{name: _by_name(name) for name in BY_NAME},
    # Its owner takes bordercase itself as well as a person: an invitation's expiry lapses a request, for one.
    "lapse": lambda request, actor, reason: request_lapse(request=request, by=actor, reason=reason),
    "find_eligible": _find_eligible,
    "decline": _decline,
    "allocate": _allocate,
    "waitlist": _waitlist,
    "promote": _promote,
    "recommend": _recommend,
    "invite": _invite,
    "request_travel": _request_travel,
    "grant_visa": _grant_visa,
    "decline_visa": _decline_visa,
}


def walk(request: Request, steps: list[tuple[str, Actor]], reason: str = "Because the evidence says so.") -> Request:
    """Make each (transition, actor) in turn through the transition's owning action, giving each the reason where
    it takes one; ``request`` is brought up to date in place. A transition is never named to the primitive here:
    one walk cannot make is refused (``NotWalkable``)."""
    for name, actor in steps:
        step = OWNING.get(name)
        if step is None:
            raise NotWalkable(f"walk has no owning action for {name!r}: use one of {', '.join(sorted(OWNING))}.")
        request = step(request, actor, reason)
    return request
