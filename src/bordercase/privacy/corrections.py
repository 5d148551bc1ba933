"""Correction of personal information (Privacy Act 2020, IPP 7): the person asks, the body holding the request
answers with a recorded decision.

A correction request goes to the body that holds the request when it is asked: the assessing body while the
request is with it, Immigration NZ once the request has gone on to it (recommended, invited, travelling, a visa
decided). Only that body's staff see it; anyone else finds nothing (a 404). Staff never change data through this
flow: they correct through the pages that already change it and record here what they changed, or decline with
reasons, after which the person may ask for a statement of the correction they sought to be attached to their
information (IPP 7(2)(b)).

Both the asking and the answer are events in the request's hash-chained history (``lifecycle.EventKind``), carrying
only the correction's number, the kind of information and the outcome: what the person says their information
should be stays in this table, out of the hashed content, so it can be reduced later without breaking the chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from bordercase.accounts.models import Organisation, User
from bordercase.accounts.organisations import organisation_by_code
from bordercase.accounts.roles import roles_of
from bordercase.cases import access
from bordercase.cases.lifecycle import EventKind, Party, State
from bordercase.cases.models import Request
from bordercase.cases.services.events import event_append
from bordercase.immigration.services.status import with_ended_from
from bordercase.lib.email import absolute_url, email_send
from bordercase.lib.errors import InvalidInput, NotFound, Refused

# The longest text a person or staff member may give in one box: a paragraph or two, not a document.
TEXT_LIMIT = 2000
IMMIGRATION_NZ = "inz"
# Once a request reaches one of these, Immigration NZ holds it; before, its assessing body does.
_WITH_IMMIGRATION = frozenset({State.RECOMMENDED, State.INVITED, State.TRAVEL_REQUESTED, State.VISA_GRANTED,
                               State.VISA_DECLINED})
_ENDED_ELSEWHERE = frozenset({State.WITHDRAWN, State.LAPSED})


class CorrectionRequest(models.Model):
    """A person's request to correct their information on one request, and the holding body's decision."""

    class Information(models.TextChoices):
        PERSONAL_DETAILS = "personal_details", "Personal details (name, date of birth, nationality, email)"
        PASSPORT = "passport", "Passport details"
        ANSWERS = "answers", "Answers to the scheme's questions"
        OTHER = "other", "Something else"

    class Outcome(models.TextChoices):
        CORRECTED = "corrected", "Corrected"
        DECLINED = "declined", "Declined"

    request = models.ForeignKey("cases.Request", on_delete=models.CASCADE, related_name="correction_requests")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                             help_text="The body that held the request when the correction was asked for.")
    information = models.CharField(max_length=20, choices=Information.choices)
    should_say = models.TextField(help_text="What the person says the information should say.")
    why = models.TextField(help_text="Why the person says it is wrong.")
    asked_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    answer = models.TextField(blank=True, help_text="What staff changed, or their reasons for declining.")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    statement_attached_at = models.DateTimeField(
        null=True, blank=True, help_text="When, after a decline, the person's statement of the correction they "
        "sought was attached to their information at their request (IPP 7(2)(b)).")

    class Meta:
        ordering = ["-asked_at", "-pk"]
        indexes = [models.Index(fields=["body", "answered_at"], name="correction_body_open")]
        constraints = [
            models.CheckConstraint(
                name="correction_answered_whole",
                condition=(Q(outcome="", answered_at__isnull=True)
                           | (~Q(outcome="") & Q(answered_at__isnull=False) & ~Q(answer="")))),
            models.CheckConstraint(
                name="correction_statement_after_decline",
                condition=Q(statement_attached_at__isnull=True) | Q(outcome="declined")),
        ]

    def __str__(self) -> str:
        return f"correction {self.pk} of {self.request_id}"

    @property
    def answered(self) -> bool:
        return bool(self.outcome)


# --- who holds a request, and who works for them -----------------------------------------------------------------


def holding_body(request: Request) -> Organisation | None:
    """The body that holds the request now: its assessing body, or Immigration NZ once the request has gone on to
    it. A withdrawn or lapsed request is held by whoever held it when it ended; a draft by no one (the applicant
    changes a draft themselves)."""
    state = request.state
    if state in _ENDED_ELSEWHERE:
        # The state it ended from, as the journey reads it (immigration.services.status), not a rule of our own.
        before = (with_ended_from(Request.objects.filter(pk=request.pk))
                  .values_list("ended_from", flat=True).first())
        state = State(before) if before else state
    if state == State.DRAFT:
        return None
    if state in _WITH_IMMIGRATION:
        return organisation_by_code(IMMIGRATION_NZ)
    return request.assessing_body


def bodies_served(user: User) -> list[Organisation]:
    """The bodies whose correction requests this user answers (none for anyone who is not their staff)."""
    roles = roles_of(user)
    bodies = Organisation.objects.filter(pk__in=roles.assessor_at)
    if roles.inz_officer:
        bodies = bodies | Organisation.objects.filter(kind=Organisation.Kind.IMMIGRATION)
    return list(bodies.distinct().order_by("name"))


# --- asking ---------------------------------------------------------------------------------------------------------

_ASKERS = frozenset({Party.APPLICANT, Party.NOMINEE})


def may_ask(user: User, request: Request) -> bool:
    """The applicant (the employer's staff for its nomination, or the individual) and the nominated worker may ask,
    once the request is lodged."""
    return bool(access.parties(user, request) & _ASKERS) and holding_body(request) is not None


@dataclass(frozen=True)
class Asked:
    information: str
    should_say: str
    why: str


def _text(errors: dict[str, str], field: str, value: str, missing: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        errors[field] = missing
    elif len(text) > TEXT_LIMIT:
        errors[field] = f"{what} must be {TEXT_LIMIT:,} characters or fewer: you gave {len(text):,}. Shorten it."
    return text


def asked_check(*, information: str, should_say: str, why: str) -> Asked:
    """The person's correction request, checked: InvalidInput naming each box that is empty, too long or unknown."""
    errors: dict[str, str] = {}
    if information not in CorrectionRequest.Information.values:
        errors["information"] = "Select which information is wrong"
    said = _text(errors, "should_say", should_say, "Say what the information should say", "What it should say")
    reason = _text(errors, "why", why, "Say why the information is wrong", "Why it is wrong")
    if errors:
        raise InvalidInput(errors)
    return Asked(information, said, reason)


def correction_ask(*, user: User, reference: str, information: str, should_say: str, why: str) -> CorrectionRequest:
    """Ask the body holding the request to correct the user's information on it; the body's staff are told.

    A request the user may not see, or sees only as staff, is NotFound (a 404); a draft is refused, since its
    applicant changes it themselves.
    """
    found = access.request_get(user, reference)
    if not access.parties(user, found) & _ASKERS:
        raise NotFound(f"No request {found.reference} that you can see. Check the reference.")
    asked = asked_check(information=information, should_say=should_say, why=why)
    with transaction.atomic():
        current = Request.objects.select_for_update(of=("self",)).select_related(
            "scheme", "assessing_body", "nominee").get(pk=found.pk)
        body = holding_body(current)
        if body is None:
            raise Refused(f"Request {current.reference} is a draft: change it yourself before you lodge it.")
        correction = CorrectionRequest.objects.create(
            request=current, asked_by=user, body=body, information=asked.information, should_say=asked.should_say,
            why=asked.why)
        event_append(request=current, by=user, transition=EventKind.CORRECTION_ASKED, from_state=current.status,
                     to_state=current.status,
                     data={"correction": correction.pk, "information": asked.information, "body": body.code})
    staff = _staff_emails(body)
    if staff:
        email_send(to=staff, template="correction_asked",
                   context={"correction": correction, "reference": current.reference,
                            "url": absolute_url(f"/corrections/{correction.pk}/")})
    return correction


def _staff_emails(body: Organisation) -> list[str]:
    roles = ["assessor", "inz_officer"] if body.kind == Organisation.Kind.IMMIGRATION else ["assessor"]
    return list(User.objects.filter(is_active=True, memberships__organisation=body, memberships__role__in=roles)
                .values_list("email", flat=True).distinct())


def corrections_of(user: User, request: Request) -> QuerySet[CorrectionRequest]:
    """The correction requests on this request that the user may read: those asked in the capacity in which they
    stand to it. The worker reads the ones they asked; the applicant (an employer's staff, or the individual) the
    ones the applicant's side asked. What a worker says their passport or family should be is the worker's own
    information, which the employer that nominated them has no need to read, and the other way round."""
    held = access.parties(user, request)
    if not held & _ASKERS:
        return CorrectionRequest.objects.none()
    found = request.correction_requests.select_related("body").order_by("asked_at", "pk")
    worker_id = request.nominee.user_id if request.nominee_id is not None else None
    if Party.APPLICANT in held and (Party.NOMINEE in held or worker_id is None):
        return found  # both sides are this person (an individual applying for themselves), or there is no worker
    if Party.APPLICANT in held:
        return found.exclude(asked_by_id=worker_id)
    return found.filter(asked_by_id=user.pk)


_STAFF = frozenset({Party.ASSESSOR, Party.INZ_OFFICER, Party.ADMINISTRATOR})


def statements_of(user: User, request: Request) -> QuerySet[CorrectionRequest]:
    """The statements of correction attached to this request's information (IPP 7(3)): once a person has asked
    for theirs to be attached after a decline, every member of staff who reads the information reads it with it,
    whichever body held the request when it was declined. None for anyone who does not read it as staff."""
    if not access.parties(user, request) & _STAFF:
        return CorrectionRequest.objects.none()
    return (request.correction_requests.filter(statement_attached_at__isnull=False)
            .select_related("body", "asked_by").order_by("statement_attached_at", "pk"))


# --- answering ------------------------------------------------------------------------------------------------------


def for_staff(user: User) -> QuerySet[CorrectionRequest]:
    """The correction requests of the bodies this user works for: none for anyone else."""
    bodies = [b.pk for b in bodies_served(user)]
    return (CorrectionRequest.objects.filter(body_id__in=bodies)
            .select_related("request", "request__scheme", "body", "asked_by", "answered_by"))


def correction_for_staff(user: User, correction_id: int) -> CorrectionRequest:
    """One correction request, if the user works for the body it went to; NotFound otherwise."""
    try:
        return for_staff(user).get(pk=correction_id)
    except CorrectionRequest.DoesNotExist as exc:
        raise NotFound("No correction request for you with that number.") from exc


def answer_check(*, outcome: str, answer: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    if outcome not in CorrectionRequest.Outcome.values:
        errors["outcome"] = "Select whether you corrected the information or declined to"
    missing = ("Say what you changed, and where" if outcome == CorrectionRequest.Outcome.CORRECTED
               else "Give your reasons for declining")
    text = _text(errors, "answer", answer, missing, "Your answer")
    if errors:
        raise InvalidInput(errors)
    return outcome, text


def correction_answer(*, user: User, correction_id: int, outcome: str, answer: str) -> CorrectionRequest:
    """Record the body's decision, once: who and when, an event in the request's history, and an email to the
    person who asked. A second answer is refused and changes nothing."""
    found = correction_for_staff(user, correction_id)
    outcome, text = answer_check(outcome=outcome, answer=answer)
    with transaction.atomic():
        request = Request.objects.select_for_update(of=("self",)).get(pk=found.request_id)
        now = timezone.now()
        changed = CorrectionRequest.objects.filter(pk=found.pk, outcome="").update(
            outcome=outcome, answer=text, answered_by=user, answered_at=now)
        if not changed:
            raise Refused(f"Correction request {found.pk} has already been answered: its decision stands.")
        event_append(request=request, by=user, transition=EventKind.CORRECTION_ANSWERED, from_state=request.status,
                     to_state=request.status, data={"correction": found.pk, "outcome": outcome})
    found.refresh_from_db()
    # The answer may quote the information itself: it goes only to someone who still stands to the request as they
    # did when they asked (an employer's staff member who has since left, or a closed account, is not told).
    asker = found.asked_by
    if access.parties(asker, request) & _ASKERS:
        email_send(to=asker.email, template="correction_answered",
                   context={"correction": found, "reference": request.reference,
                            "url": absolute_url(f"/requests/{request.reference}/#corrections")})
    return found


def statement_attach(*, user: User, request: Request, correction_id: int) -> CorrectionRequest:
    """After a decline, the person who asked has the statement of the correction they sought attached to their
    information (IPP 7(2)(b)): recorded once, and shown with the correction request to the body's staff."""
    try:
        found = CorrectionRequest.objects.select_related("request").get(pk=correction_id, request=request,
                                                                                 asked_by=user)
    except CorrectionRequest.DoesNotExist as exc:
        raise NotFound("No correction request of yours with that number.") from exc
    if found.outcome != CorrectionRequest.Outcome.DECLINED:
        raise Refused("A statement can be attached only once a correction has been declined.")
    if not CorrectionRequest.objects.filter(pk=found.pk, statement_attached_at__isnull=True).update(
            statement_attached_at=timezone.now()):
        raise Refused("Your statement is already attached.")
    found.refresh_from_db()
    return found

