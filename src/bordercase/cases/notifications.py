"""Telling applicants, by email, what happened to their requests and what to do next.

Every transition's notice is queued (``request_changed``): in its own transaction when the queue is a table of this
database, else after its commit; either way the email is sent only once the transition has committed. The notice
of a lodging whose worker is nominated elsewhere (``same_worker_nominated``) is queued after the commit. Nobody is
emailed about a request they may not see.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import NamedTuple

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from django_tasks_db import DatabaseBackend

from bordercase.accounts.models import Membership, User
from bordercase.cases.lifecycle import TRANSITIONS
from bordercase.cases.models import Event, NoticeWaiting, Request
from bordercase.cases.windows import nz_time
from bordercase.lib.email import absolute_url, email_send


class Notice(NamedTuple):
    subject: str  # completes "Request BX-… …"
    happened: str
    next_step: str
    with_reason: bool = False


# What the applicant is told after each transition. Starting an assessment is internal to the assessing body
# and a draft's creation is the applicant's own act, so neither is emailed. An invitation to apply and a visa
# decision are told by bordercase.immigration (to the worker and the employer, each with a PDF letter), so they
# are not here: nobody gets two emails about one event.
NOTICES: dict[str, Notice] = {
    "lodge": Notice("has been lodged", "Your request has been lodged.",
                    "It will be assessed; you will be emailed when it is decided or if more information is needed."),
    "request_information": Notice(
        "needs more information", "The assessor needs more information before they can decide.",
        "Sign in, open the request and answer the assessor's question. The request waits for your answer.", True),
    "decline": Notice("has been declined", "Your request has been declined. The assessor gave these reasons:",
                      "The reasons are also on the request's page.", True),
    "find_eligible": Notice("has been found eligible", "The assessor found your request eligible.",
                            "Where the scheme's places are capped and it has more eligible requests than places, a "
                            "ballot decides who gets one; otherwise Immigration NZ decides whether to invite the "
                            "worker to apply.",
                            True),
    # The allocation's reason says where the request came in the round, which the public results show by entry id.
    "allocate": Notice("has been allocated a place", "Your request has been allocated a place.",
                       "Immigration New Zealand will be in touch about the next step.", True),
    "waitlist": Notice("is on the waitlist", "Your request is eligible but did not get a place this time.",
                       "It is on the waitlist and may be offered a place if one is released.", True),
    "promote": Notice("has been allocated a place", "A place was released and your request has been allocated it.",
                      "Immigration New Zealand will be in touch about the next step.", True),
    "recommend": Notice("has been recommended to Immigration NZ",
                        "Your request has been recommended to Immigration New Zealand.",
                        "Immigration New Zealand decides whether to invite the worker to apply."),
    "request_travel": Notice("- request to travel lodged", "The worker has lodged their request to travel.",
                             "Immigration New Zealand will decide the visa."),
    "withdraw": Notice("has been withdrawn", "The request has been withdrawn.",
                       "Nothing more will happen to it. To apply again, start a new request."),
    "lapse": Notice("has lapsed", "The request has lapsed:", "To apply again, start a new request.", True),
}


def _applicants(request: Request) -> list[User]:
    """Everyone who acts for the applicant: the employer's active staff, or the individual who made it."""
    if request.organisation_id is None:
        return [request.created_by] if request.created_by.is_active else []
    return list(User.objects.filter(memberships__organisation_id=request.organisation_id,
                                    memberships__role=Membership.Role.EMPLOYER, is_active=True).distinct())


def applicant_addresses(request: Request) -> list[str]:
    return [user.email for user in _applicants(request)]


def _told_now(request: Request, event_ids: list[int]) -> list[str]:
    """The addresses to email about these events now; those who chose a daily digest get them kept for it."""
    now, daily = [], []
    for user in _applicants(request):
        (daily if user.notices_daily else now).append(user)
    NoticeWaiting.objects.bulk_create([NoticeWaiting(user=user, event_id=event_id) for user in daily
                                       for event_id in event_ids], ignore_conflicts=True)
    return [user.email for user in now]


def _request_url(request: Request) -> str:
    return absolute_url(reverse("web:request", kwargs={"reference": request.reference}))


def request_changed(event_id: int) -> None:
    """Queue the notice of one transition: the web request that made it pays for one task row, no more."""
    request_changed_task.enqueue(event_id)


# The events of a bulk step in progress (a draw, a recommendation batch): their notices go out together at its end.
_TOGETHER: ContextVar[list[int] | None] = ContextVar("bordercase_notices_together", default=None)


def notice_after_commit(event_id: int) -> None:
    """Tell the applicant of a transition once it has committed: on its own, or with the rest of a bulk step.

    A queue that is a table of this database takes the notice in the transition's own transaction, so the two
    commit together (no notice of a change rolled back, no change without its notice if the process dies between
    the two) and the transition pays for one commit, not two; a worker sees the task only once it has committed.
    Any other queue is given it after the commit.
    """
    collecting = _TOGETHER.get()
    if collecting is not None:
        collecting.append(event_id)
    elif _queued_in_this_database() and transaction.get_connection().in_atomic_block:
        request_changed(event_id)
    else:
        transaction.on_commit(partial(request_changed, event_id))


def _queued_in_this_database() -> bool:
    return isinstance(request_changed_task.get_backend(), DatabaseBackend)


@contextmanager
def notices_together(step: str) -> Iterator[None]:
    """A bulk step's notices as one email to each applicant, listing their requests, once the step has committed:
    an employer with 300 nominations in a draw gets one email, not 300."""
    collected: list[int] = []
    token = _TOGETHER.set(collected)
    try:
        yield
    finally:
        _TOGETHER.reset(token)
    if collected:
        transaction.on_commit(partial(requests_changed_task.enqueue, collected, step))


def same_worker_nominated(request_id: int, other_request_ids: list[int]) -> None:
    same_worker_task.enqueue(request_id, other_request_ids)


@task()
def request_changed_task(event_id: int) -> None:
    event = Event.objects.select_related("request__scheme", "request__nominee", "request__created_by",
                                         "request__organisation").get(pk=event_id)
    notice = NOTICES.get(event.transition)
    if notice is None:
        return
    request = event.request
    context = {
        "req": request, "notice": notice, "reason": event.reason if notice.with_reason else "",
        "when": nz_time(event.at), "url": _request_url(request),
        "transition": TRANSITIONS[event.transition].done, "first_lodging": event.transition == "lodge",
    }
    email_send(to=_told_now(request, [event.pk]), template="request_changed", context=context)


@task()
def same_worker_task(request_id: int, other_request_ids: list[int]) -> None:
    """Tell the employers of every request for the same person under the scheme, without naming one to another."""
    requests = Request.objects.select_related("scheme", "nominee", "created_by").filter(
        pk__in=[request_id, *other_request_ids])
    now = nz_time(timezone.now())
    for request in requests:
        email_send(to=applicant_addresses(request), template="same_worker",
                   context={"req": request, "url": _request_url(request), "when": now})


class Told(NamedTuple):
    req: Request
    notice: Notice
    reason: str
    url: str


@task()
def requests_changed_task(event_ids: list[int], step: str) -> None:
    """One email to each applicant for all their requests a bulk step moved, each with what happened to it."""
    events = (Event.objects.filter(pk__in=event_ids).select_related(
        "request__scheme", "request__nominee", "request__created_by", "request__organisation").order_by("pk"))
    by_applicant: dict[tuple[str, int], list[Told]] = {}
    ids: dict[tuple[str, int], list[int]] = {}
    for event in events:
        notice = NOTICES.get(event.transition)
        if notice is None:
            continue
        request = event.request
        key = (("organisation", request.organisation_id) if request.organisation_id
               else ("person", request.created_by_id))
        by_applicant.setdefault(key, []).append(
            Told(request, notice, event.reason if notice.with_reason else "", _request_url(request)))
        ids.setdefault(key, []).append(event.pk)
    for key, told in by_applicant.items():
        email_send(to=_told_now(told[0].req, ids[key]), template="requests_changed",
                   context={"items": told, "step": step, "count": len(told), "scheme": told[0].req.scheme})


def digests_send() -> int:
    """Each person who chose a daily digest gets one email of the status changes kept for them; how many were sent.

    Run once a day from a timer (`bordercase notices digest`). A change is marked told only with its email.
    """
    sent = 0
    waiting_users = (NoticeWaiting.objects.filter(sent_at__isnull=True).values_list("user_id", flat=True)
                     .distinct())
    for user in User.objects.filter(pk__in=list(waiting_users), is_active=True):
        with transaction.atomic():
            waiting = list(NoticeWaiting.objects.select_for_update(of=("self",)).filter(user=user, sent_at__isnull=True)
                           .select_related("event__request__scheme", "event__request__nominee")
                           .order_by("event__at", "event_id"))
            told = [Told(w.event.request, NOTICES[w.event.transition],
                         w.event.reason if NOTICES[w.event.transition].with_reason else "",
                         _request_url(w.event.request))
                    for w in waiting if w.event.transition in NOTICES]
            if told:
                email_send(to=[user.email], template="daily_digest", context={"items": told, "count": len(told)})
                sent += 1
            NoticeWaiting.objects.filter(pk__in=[w.pk for w in waiting]).update(sent_at=timezone.now())
    return sent
