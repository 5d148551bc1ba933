"""Invitations to apply: issued by an Immigration NZ officer, one at a time or in bulk, and lapsed when unused.

Issuing moves the request to ``invited`` and makes an ``Invitation`` whose single-use link is kept only as its
SHA-256. The worker is emailed the link; the employer is emailed a link to the request's page; both get the
PDF invitation letter, which never carries the link (its QR code leads to the letter's public page instead:
``issued_letters``). The link expires after the scheme's ``invitation_valid_days``; ``invitations_expire`` (run
by ``bordercase invitations expire``) lapses every request still invited whose newest invitation expired unused,
and in a capped scheme the lapse passes its place to the waitlist (``cases.services.reallocation``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.cases.lifecycle import TRANSITIONS, LifecycleError, State, Step
from bordercase.cases.models import Request, Scheme
from bordercase.cases.notifications import applicant_addresses
from bordercase.cases.services.evaluations import policy_of
from bordercase.cases.services.events import System
from bordercase.cases.services.transitions import request_lapse, request_transition
from bordercase.cases.windows import NZ, nz_time
from bordercase.immigration import letters
from bordercase.immigration.access import is_inz_officer
from bordercase.immigration.models import Invitation
from bordercase.immigration.services.issued_letters import ForWhom, Kind, letter_issue
from bordercase.immigration.services.tokens import token_new
from bordercase.immigration.services.travel_terms import terms_of
from bordercase.lib.email import absolute_url, email_send
from bordercase.lib.errors import ConcurrentChange, InvalidInput, Refused
from bordercase.policy.parameters import ParameterNotInForce

# For schemes without the parameter (the expressions of interest, schemes with no policy folder): the value the
# two worker schemes carry, and for the same reasons (see their policy.yaml).
DEFAULT_VALID_DAYS = 60
EXPIRY = System(label="invitation-expiry")


def invitable() -> QuerySet[Request]:
    """Every request that may be invited now: recommended, allocated or eligible, as its scheme's steps say."""
    ready = Q(pk__in=[])
    for scheme in Scheme.objects.all():
        ready |= Q(scheme=scheme, status__in=TRANSITIONS["invite"].sources(scheme.steps))
    return (Request.objects.filter(ready).select_related("scheme", "organisation", "nominee", "assessing_body")
            .order_by("status_changed_at", "pk"))


def valid_days(scheme: Scheme, day: dt.date) -> int:
    """How many days an invitation issued on ``day`` may be used for: the scheme's ``invitation_valid_days``."""
    policy = policy_of(scheme)
    if policy is None or "invitation_valid_days" not in policy.parameters:
        return DEFAULT_VALID_DAYS
    try:
        return int(policy.value("invitation_valid_days", day))
    except ParameterNotInForce:
        return DEFAULT_VALID_DAYS


def latest_invitation(request: Request) -> Invitation | None:
    return request.invitations.order_by("-issued_at", "-pk").first()


def _refuse(request: Request, why: str) -> InvalidInput:
    return InvalidInput({"requests": f"{request.reference}: {why} No invitation was issued: take it out of the "
                                     "selection, or reload the page and choose again."})


def invitations_issue(*, requests: Sequence[Request], by: User) -> list[Invitation]:
    """Invite every one of ``requests`` to apply, or (if any cannot be) none; the emails go once all commit."""
    if not is_inz_officer(by):
        raise Refused("Only an Immigration NZ officer can issue invitations to apply.")
    chosen = sorted({r.pk: r for r in requests}.values(), key=lambda r: r.pk)
    if not chosen:
        raise InvalidInput({"requests": "Choose at least one request to invite."})
    for request in chosen:
        sources = TRANSITIONS["invite"].sources(request.scheme.steps)
        if request.state not in sources:
            raise _refuse(request, f"its status is {request.state.label}, and only a request whose status is "
                                   f"{' or '.join(sorted(s.label for s in sources))} can be invited.")
        if request.nominee is None:
            raise _refuse(request, "it names no worker to invite.")
    issued: list[Invitation] = []
    told: dict[tuple[str, int], list[_EmployerNotice]] = {}
    with transaction.atomic():
        for request in chosen:
            try:
                invitation, notice = _issue(request, by)
            except (LifecycleError, ConcurrentChange) as exc:
                raise _refuse(request, str(exc)) from exc
            issued.append(invitation)
            key = (("organisation", request.organisation_id) if request.organisation_id
                   else ("person", request.created_by_id))
            told.setdefault(key, []).append(notice)
        # Each employer is told once, with every letter, however many of its workers were invited together.
        for notices in told.values():
            first = notices[0]
            if len(notices) == 1:
                email_send(to=applicant_addresses(first.request), template="invitation_employer",
                           attachments=[first.letter], context=first.context)
            else:
                email_send(to=applicant_addresses(first.request), template="invitations_employer",
                           attachments=[n.letter for n in notices],
                           context={"items": [n.context for n in notices], "count": len(notices),
                                    "scheme": first.request.scheme})
    return issued


def invitation_issue(*, request: Request, by: User) -> Invitation:
    [issued] = invitations_issue(requests=[request], by=by)
    return issued


@dataclass(frozen=True)
class _EmployerNotice:
    request: Request
    letter: tuple[str, bytes, str]
    context: dict[str, object]


def _issue(request: Request, by: User) -> tuple[Invitation, _EmployerNotice]:
    now = timezone.now()
    days = valid_days(request.scheme, timezone.localdate(now, NZ))
    expires = now + dt.timedelta(days=days)
    moved = request_transition(
        request=request, name="invite", by=by,
        reason=f"The invitation to apply is valid for {days} days, until {nz_time(expires)}.",
        data={"expires_at": expires.isoformat(), "valid_days": days})
    token, digest = token_new()
    invitation = Invitation.objects.create(request=moved, token_sha256=digest, worker_email=moved.nominee.email,
                                           issued_by=by, issued_at=now, expires_at=expires)
    invitation.token = token
    # One letter, naming both, for the worker and the employer alike.
    _, content = letter_issue(request=moved, kind=Kind.INVITATION, for_whom=ForWhom.WORKER_AND_EMPLOYER,
                              decided=f"Invited to apply, valid until {nz_time(expires)}",
                              letter=invitation_letter(moved, invitation))
    letter = ("invitation-to-apply-" + moved.reference + ".pdf", content, "application/pdf")
    context = {"req": moved, "expires": nz_time(expires), "days": days}
    email_send(to=invitation.worker_email, template="invitation_worker", attachments=[letter], carries_secret=True,
               context={
        **context, "link": absolute_url(reverse("web:invitation-to-apply", kwargs={"token": token}))})
    employer = {**context, "url": absolute_url(reverse("web:request", kwargs={"reference": moved.reference}))}
    return invitation, _EmployerNotice(moved, letter, employer)


def _payers(labels: Sequence[str]) -> str:
    names = [label[0].lower() + label[1:] for label in labels]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def invitation_letter(request: Request, invitation: Invitation) -> letters.Letter:
    """The letter sent to the worker and the employer alike: it names both, and holds no link."""
    person, employer = request.nominee, request.organisation
    issued = timezone.localdate(invitation.issued_at, NZ)
    terms = terms_of(request.scheme, issued)
    worker = person.full_name if person else "the worker"
    by = f", nominated by {employer.name}" if employer else ""
    needs = ["personal details", "passport details (number, country, expiry, and the second line of the "
             "machine-readable zone)"]
    if terms.needs_employment_agreement:
        needs.append("the signed employment agreement")
    needs += ["the partner and dependent children travelling, each with their own passport", "the travel date",
              "the managed-isolation voucher"]
    lapses = ("the invitation lapses and the place goes to the next request on the waitlist"
              if Step.ALLOCATION in request.scheme.steps else "the invitation lapses")
    facts = [("Reference", request.reference), ("Scheme", request.scheme.title)]
    if person:
        facts.append(("Worker", f"{worker}, born {person.date_of_birth:%-d %B %Y}, {person.nationality_name}"))
    if employer:
        facts.append(("Employer", f"{employer.name} (NZBN {employer.nzbn})"))
    facts += [("Issued", nz_time(invitation.issued_at)), ("Expires", nz_time(invitation.expires_at))]
    return letters.Letter(
        title="Invitation to apply", reference=request.reference, dated=issued,
        to=[worker, *([employer.name] if employer else [])], facts=facts,
        sections=[
            ("What this invitation means", [
                f"Immigration New Zealand invites {worker} to apply to travel to New Zealand under the "
                f"{request.scheme.title}{by}. This letter is not a visa: Immigration New Zealand decides the visa "
                "on the request to travel."]),
            ("What the worker does next", [
                f"{worker} has been emailed a link that works once. They follow it to set up their access and "
                f"lodge a request to travel before {nz_time(invitation.expires_at)}.",
                "The request to travel asks for " + "; ".join(needs) + "."]),
            ("Conditions", [
                f"Everyone travelling completes {terms.isolation_days} days of managed isolation on arrival, booked "
                f"before travel and paid for by {_payers([label for _, label in terms.paid_by])}.",
                "The travel date must fit the managed-isolation booking, every passport must be valid beyond the "
                f"travel date, and a dependent child must be {terms.child_max_age} or younger.",
                f"If no request to travel is lodged by the expiry, {lapses}."]),
        ])


def invitations_due_to_expire(now: dt.datetime) -> QuerySet[Request]:
    """Requests still invited whose newest invitation expired, unused, by ``now``."""
    newest = Invitation.objects.filter(request=OuterRef("pk")).order_by("-issued_at", "-pk")
    return (Request.objects.filter(status=State.INVITED)
            .annotate(newest_expires=Subquery(newest.values("expires_at")[:1]),
                      newest_used=Subquery(newest.values("used_at")[:1]))
            .filter(newest_expires__lte=now, newest_used__isnull=True).select_related("scheme").order_by("pk"))


def expiry_reason(expires_at: dt.datetime) -> str:
    local = expires_at.astimezone(NZ)
    clock = local.strftime("%I:%M %p").lstrip("0").lower()
    return (f"The invitation to apply expired on {local.day} {local:%B %Y} at {clock} (New Zealand time) without "
            "being used.")


def invitations_expire(*, now: dt.datetime | None = None) -> list[Request]:
    """Lapse each request whose invitation expired unused; the lapsed requests, each changed on its own."""
    now = now or timezone.now()
    lapsed = []
    for request in invitations_due_to_expire(now):
        with transaction.atomic():
            # Held while checked again: the worker may have lodged, or been sent a new link, since the query.
            locked = Request.objects.select_for_update(of=("self",)).get(pk=request.pk)
            newest = latest_invitation(locked)
            if locked.status != State.INVITED or newest is None or newest.used_at or newest.expires_at > now:
                continue
            try:
                lapsed.append(request_lapse(request=locked, by=EXPIRY, reason=expiry_reason(newest.expires_at),
                                            data={"invitation_expired_at": newest.expires_at.isoformat()}))
            except (LifecycleError, ConcurrentChange):
                continue  # moved on as we looked: nothing to lapse
    return lapsed
