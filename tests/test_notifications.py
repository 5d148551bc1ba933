"""Email on lodging and on every status change the applicant should know of, delivered over real SMTP."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import django_rq
import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from django_tasks_rq.backend import Job as RQJob
from rq import SimpleWorker

from bordercase.accounts.models import User
from bordercase.accounts.organisations import membership_add
from bordercase.cases.lifecycle import IllegalTransition
from bordercase.cases.models import Request, Scheme
from bordercase.cases.services.requests import request_create
from bordercase.cases.services.transitions import request_transition
from bordercase.immigration.services.recommendations import batch_send
from tests.conftest import ANSWERS, MailServer, World, nominee, signed_in
from tests.immigration_support import allocated
from tests.walking import walk, worker_account


@pytest.fixture
def world(per_test_world: World) -> World:
    # Two tests here let a worker read what was committed, so nothing can sit inside a module's transaction.
    return per_test_world


MakeRequest = Callable[..., Request]
Capture = Callable[..., Any]


def body(message: Any) -> str:
    return message.get_content()


def test_lodging_delivers_a_receipt_to_the_employer_s_staff_over_smtp(
    world: World, make_request: MakeRequest, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    colleague = world.outsider
    membership_add(user=colleague, organisation=world.org_a, role="employer")
    draft = make_request()
    with django_capture_on_commit_callbacks(execute=True):
        walk(draft, [("lodge", world.employer_a)])
    messages = smtp.wait_for(2)
    assert sorted(str(m["To"]) for m in messages) == sorted([world.employer_a.email, colleague.email])
    receipt = smtp.to(world.employer_a.email)[0]
    assert receipt["Subject"] == f"Request {draft.reference} has been lodged"
    text = body(receipt)
    assert draft.reference in text and "Keep this email as your receipt" in text and "NZTech" in text
    assert f"http://127.0.0.1:8000/requests/{draft.reference}/" in text
    assert "(New Zealand time)" in text


def test_an_information_request_and_a_decline_carry_the_assessor_s_words(
    world: World, make_request: MakeRequest, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    lodged = walk(make_request(), [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech)])
    with django_capture_on_commit_callbacks(execute=True):
        walk(lodged, [("request_information", world.assessor_nztech)],
             reason="Please upload the signed employment agreement.")
        walk(lodged, [("provide_information", world.employer_a)], reason="Uploaded.")
        walk(lodged, [("decline", world.assessor_nztech)], reason="The salary is below the threshold for 2613.")
    subjects = [m["Subject"] for m in smtp.wait_for(2)]
    assert subjects == [f"Request {lodged.reference} needs more information",
                        f"Request {lodged.reference} has been declined"]
    assert "Please upload the signed employment agreement." in body(smtp.messages[0])
    assert "The salary is below the threshold for 2613." in body(smtp.messages[1])


def test_an_invitation_and_a_visa_decision_are_not_told_twice(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    # bordercase.immigration tells the worker and the employer of these, with a PDF letter (tests/test_immigration.py);
    # the generic notice stays silent, so nobody gets two emails about one event.
    request = request_create(by=world.employer_a, scheme=Scheme.objects.get(code="other-essential-worker-2020"),
                             organisation=world.org_a, nominee=nominee(email="jonas@example.com"),
                             answers=ANSWERS["other-essential-worker-2020"])
    walk(request, [("lodge", world.employer_a), ("start_assessment", world.assessor_inz),
                   ("find_eligible", world.assessor_inz)])
    with django_capture_on_commit_callbacks(execute=True):
        walk(request, [("invite", world.inz_officer), ("request_travel", worker_account(request)),
                       ("grant_visa", world.inz_officer)])
    time.sleep(0.5)  # delivery ran in the commit callbacks; give the server a moment to hand the messages over
    # Each of the worker and the employer has immigration's one email of the invitation and one of the visa.
    for to in ("jonas@example.com", world.employer_a.email):
        subjects = [str(m["Subject"]).lower() for m in smtp.to(to)]
        assert len([s for s in subjects if "invit" in s]) == 1, subjects
        assert len([s for s in subjects if "visa" in s]) == 1, subjects


def test_a_transition_that_rolls_back_sends_nothing(
    world: World, make_request: MakeRequest, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    draft = make_request()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        walk(draft, [("lodge", world.employer_a)])
        raise RuntimeError("something after the lodging failed")
    assert Request.objects.get(pk=draft.pk).status == "draft"
    with pytest.raises(AssertionError):
        smtp.wait_for(1, timeout=0.5)


def test_a_refused_transition_sends_nothing(
    world: World, make_request: MakeRequest, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    draft = make_request()
    # The primitive itself, named on purpose: what it refuses must send nothing (the owning action, request_decide,
    # refuses a draft before it gets that far).
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(IllegalTransition):
        request_transition(request=draft, name="decline", by=world.assessor_nztech, reason="No.")
    assert callbacks == []


def test_the_same_worker_tells_both_employers_without_naming_either_to_the_other(
    world: World, make_request: MakeRequest, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    ours = walk(make_request(), [("lodge", world.employer_a)])
    p = ours.nominee
    twin = nominee(passport_number=p.passport_number, nationality=p.nationality, date_of_birth=p.date_of_birth)
    theirs = request_create(by=world.employer_b, scheme=ours.scheme, organisation=world.org_b, nominee=twin,
                            assessing_body=ours.assessing_body, answers=ANSWERS["tech-specialists-2022"])
    with django_capture_on_commit_callbacks(execute=True):
        walk(theirs, [("lodge", world.employer_b)])
    smtp.wait_for(3)  # their receipt, and a same-worker notice to each employer
    [to_us] = [m for m in smtp.to(world.employer_a.email) if "also nominated" in m["Subject"]]
    [to_them] = [m for m in smtp.to(world.employer_b.email) if "also nominated" in m["Subject"]]
    assert ours.reference in to_us["Subject"] and theirs.reference in to_them["Subject"]
    for message, other_org, other_ref in ((to_us, world.org_b, theirs.reference),
                                          (to_them, world.org_a, ours.reference)):
        text = body(message)
        assert "counted once" in text and other_org.name not in text and other_ref not in text


def test_no_one_is_emailed_about_a_request_they_may_not_see(
    world: World, make_request: MakeRequest, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    draft = make_request()
    with django_capture_on_commit_callbacks(execute=True):
        walk(draft, [("lodge", world.employer_a)])
    received = {str(m["To"]) for m in smtp.wait_for(1)}
    assert received == {world.employer_a.email}  # not employer_b, not the assessor, not the worker


def test_an_individual_is_emailed_about_their_own_expression_of_interest(
    world: World, make_request: MakeRequest, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    draft = make_request(scheme="eoi-family-2020", by=world.individual, body="inz")
    with django_capture_on_commit_callbacks(execute=True):
        walk(draft, [("lodge", world.individual)])
    [message] = smtp.wait_for(1)
    assert str(message["To"]) == world.individual.email and draft.reference in message["Subject"]


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_email_waits_for_the_worker(
    world: World, make_request: MakeRequest, smtp: MailServer
) -> None:
    # Real commits, as in production: the worker closes its database connection between tasks.
    draft = make_request()
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        walk(draft, [("lodge", world.employer_a)])
        # The lodging itself only queued its notice; the worker writes it, which queues its delivery.
        [queued] = DBTaskResult.objects.all()
        assert queued.status == "READY" and queued.task_path.endswith("request_changed_task")
        assert smtp.messages == []
        call_command("db_worker", "--batch", "--no-startup-delay")
    [message] = smtp.wait_for(1)
    assert message["Subject"] == f"Request {draft.reference} has been lodged"
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert DBTaskResult.objects.count() == 2


class BurstWorker(SimpleWorker):
    """rq's worker, without the pub/sub thread it listens on for commands (stop, kill) from other processes: a
    burst in a test takes none, and closing that thread's connection can wait out its 60-second read, which once
    in a few runs held this test for a minute."""

    def subscribe(self) -> None:
        self.pubsub_thread = None

    def unsubscribe(self) -> None:
        pass


@pytest.mark.django_db(transaction=True)
def test_with_the_redis_queue_email_waits_for_the_worker(
    world: World, make_request: MakeRequest, smtp: MailServer, worker_id: str
) -> None:
    # The Redis beside the tests, a database of its own for each test process so that parallel runs keep apart.
    url = f"redis://127.0.0.1:6379/{10 + (int(worker_id[2:]) if worker_id.startswith('gw') else 0) % 6}"
    draft = make_request()
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend"}},
                           RQ_QUEUES={"default": {"URL": url}}):
        queue = django_rq.get_queue("default")
        queue.connection.flushdb()
        walk(draft, [("lodge", world.employer_a)])
        # The lodging only queued its notice, in Redis; the worker writes it, which queues its delivery.
        [queued] = queue.get_jobs()
        assert queued.func_name.endswith("request_changed_task") and smtp.messages == []
        BurstWorker([queue], connection=queue.connection, job_class=RQJob).work(burst=True)
        assert queue.count == 0 and queue.failed_job_registry.count == 0
        queue.connection.flushdb()
    [message] = smtp.wait_for(1)
    assert message["Subject"] == f"Request {draft.reference} has been lodged"


def test_a_recommendation_batch_tells_each_employer_once_listing_its_requests(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Any
) -> None:
    kowhai = [allocated(world), allocated(world)]
    harbourside = allocated(world, employer="b")
    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        batch_send(scheme=harbourside.scheme, body=harbourside.assessing_body, requests=[*kowhai, harbourside],
                   by=world.assessor_nztech)
    smtp.wait_for(2)
    [to_kowhai] = smtp.to(world.employer_a.email)
    assert str(to_kowhai["Subject"]).startswith("2 of your Specialist tech workers class exception requests: a "
                                                "recommendation to Immigration NZ by NZTech")
    assert all(r.reference in to_kowhai.get_content() for r in kowhai)
    [to_harbourside] = smtp.to(world.employer_b.email)
    assert harbourside.reference in to_harbourside.get_content()
    assert not any(r.reference in to_harbourside.get_content() for r in kowhai)  # nobody learns of another's
    assert len(smtp.messages) == 2


def test_an_employer_who_chose_a_daily_digest_gets_one_email_a_day_and_colleagues_still_each(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Any
) -> None:
    colleague = User.objects.create_user("wiremu@kowhai.example", "x" * 16, full_name="Wiremu Parata")
    membership_add(user=colleague, organisation=world.org_a, role="employer")
    page = signed_in(world.employer_a).post("/account/email/", {"notices": "daily"})
    assert page.status_code == 302 and User.objects.get(pk=world.employer_a.pk).notices_daily
    draft = request_create(by=world.employer_a, scheme=Scheme.objects.get(code="tech-specialists-2022"),
                           organisation=world.org_a, nominee=nominee(), assessing_body=None,
                           answers=ANSWERS["tech-specialists-2022"])
    draft.assessing_body_id = world.assessor_nztech.memberships.get().organisation_id
    draft.save(update_fields=["assessing_body"])
    with django_capture_on_commit_callbacks(execute=True):
        walk(draft, [("lodge", world.employer_a)])
    with django_capture_on_commit_callbacks(execute=True):
        walk(draft, [("withdraw", world.employer_a)], reason="The worker took another offer.")
    smtp.wait_for(2)
    assert not smtp.to(world.employer_a.email)  # kept for the digest
    assert len(smtp.to(colleague.email)) == 2  # who did not choose one is told each change
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notices", "digest", stdout=out)
    assert "Sent 1 daily digest" in out.getvalue()
    smtp.wait_for(3)
    [digest] = smtp.to(world.employer_a.email)
    assert "2 changes since yesterday" in str(digest["Subject"])
    body = digest.get_content()
    assert body.count(draft.reference) == 4  # named, and linked, once for each of the two changes
    assert "Your request has been lodged." in body and "The request has been withdrawn." in body
    again = io.StringIO()
    call_command("notices", "digest", stdout=again)
    assert "Sent 0 daily digests" in again.getvalue()  # each change is told once


def test_the_email_page_refuses_an_unknown_choice_and_keeps_the_setting(world: World) -> None:
    response = signed_in(world.employer_a).post("/account/email/", {"notices": "hourly"})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert not User.objects.get(pk=world.employer_a.pk).notices_daily
