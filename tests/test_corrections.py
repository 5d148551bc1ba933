"""Correction of personal information (IPP 7): asked by the applicant or the worker, sent to the body holding the
request, answered once by that body's staff with a recorded decision, emailed, shown on the request's page and
recorded in its hash-chained history."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bordercase.accounts.models import User
from bordercase.accounts.organisations import membership_add
from bordercase.cases.audit import audit_problems
from bordercase.cases.lifecycle import EventKind
from bordercase.cases.models import Event, Request
from bordercase.cases.services.transitions import request_lapse, request_withdraw
from bordercase.lib.errors import InvalidInput, NotFound, Refused
from bordercase.privacy import corrections
from bordercase.privacy.corrections import TEXT_LIMIT, CorrectionRequest, correction_answer, correction_ask
from bordercase.privacy.models import StaffRead
from tests.conftest import World, request_snapshot, signed_in
from tests.immigration_support import recommended, travelling
from tests.mail import MailServer
from tests.walking import walk, worker_account

Capture = Callable[..., Any]
ASKED = {"information": "passport", "should_say": "Passport number Z1234567, issued 2024.",
         "why": "My passport was renewed after the nomination was lodged."}


@pytest.fixture
def assessed(world: World, make_request: Callable[..., Request]) -> Request:
    """Kōwhai Software's tech nomination, in assessment at NZTech, its worker with an account."""
    request = walk(make_request(), [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech)])
    worker_account(request)
    return request


def worker(request: Request) -> User:
    request.nominee.refresh_from_db()
    user = request.nominee.user
    assert user is not None
    return user


def ask(user: User, request: Request, **changes: str) -> CorrectionRequest:
    return correction_ask(user=user, reference=request.reference, **{**ASKED, **changes})


def chain_sound() -> None:
    assert list(audit_problems()) == []


# --- who holds it -------------------------------------------------------------------------------------------------


def test_a_request_in_assessment_is_held_by_its_assessing_body_and_its_staff_alone_see_the_correction(
    world: World, assessed: Request, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        correction = ask(worker(assessed), assessed)
    assert correction.body.code == "nztech"
    assert list(corrections.for_staff(world.assessor_nztech)) == [correction]
    for elsewhere in (world.assessor_itpnz, world.inz_officer, world.administrator, world.employer_a):
        assert not corrections.for_staff(elsewhere).exists()
        with pytest.raises(NotFound):
            corrections.correction_for_staff(elsewhere, correction.pk)
    told = smtp.about("Correction asked for")
    assert str(told["To"]) == world.assessor_nztech.email
    assert ASKED["should_say"] not in told.get_content(), "the email says there is one, not what it says"
    event = Event.objects.get(request=assessed, transition=EventKind.CORRECTION_ASKED)
    assert (event.actor, event.from_state, event.to_state) == (worker(assessed), "in_assessment", "in_assessment")
    assert event.data == {"correction": correction.pk, "information": "passport", "body": "nztech"}
    assert ASKED["should_say"] not in event.reason, "what the person says stays out of the hashed history"
    chain_sound()


def test_once_recommended_immigration_nz_holds_it_and_its_officers_see_it_not_the_assessing_body(
    world: World
) -> None:
    request = recommended(world)
    correction = ask(world.employer_a, request, information="answers")
    assert correction.body.code == "inz"
    assert list(corrections.for_staff(world.inz_officer)) == [correction]
    assert list(corrections.for_staff(world.assessor_inz)) == [correction]
    assert not corrections.for_staff(world.assessor_nztech).exists()


def test_a_withdrawn_request_is_held_by_whoever_held_it_when_it_ended(world: World, assessed: Request) -> None:
    request_withdraw(request=assessed, by=world.employer_a, reason="The role was filled locally.")
    assessed.refresh_from_db()
    assert ask(worker(assessed), assessed).body.code == "nztech"


def test_a_request_lapsed_after_its_recommendation_stays_with_immigration_nz(world: World) -> None:
    request = recommended(world)
    request_lapse(request=request, by=world.inz_officer, reason="The employer did not answer the invitation.")
    request.refresh_from_db()
    assert (request.status, ask(world.employer_a, request).body.code) == ("lapsed", "inz")


# --- who may ask ----------------------------------------------------------------------------------------------------


def test_the_employer_asks_for_its_nomination_and_the_worker_for_theirs(world: World, assessed: Request) -> None:
    assert corrections.may_ask(world.employer_a, assessed) and corrections.may_ask(worker(assessed), assessed)
    for nobody in (world.employer_b, world.assessor_nztech, world.inz_officer, world.outsider):
        assert not corrections.may_ask(nobody, assessed)
        with pytest.raises(NotFound):
            ask(nobody, assessed)
    assert not CorrectionRequest.objects.exists()


def test_a_draft_is_changed_by_its_applicant_not_corrected(world: World, make_request: Callable[..., Request]) -> None:
    draft = make_request()
    assert not corrections.may_ask(world.employer_a, draft)
    with pytest.raises(Refused, match="change it yourself"):
        ask(world.employer_a, draft)
    assert signed_in(world.employer_a).get(f"/requests/{draft.reference}/corrections/new/").status_code == 404


def test_a_foreign_or_unreadable_reference_is_a_404_on_the_page(world: World, assessed: Request) -> None:
    for user, reference in ((world.employer_b, assessed.reference), (world.employer_a, "BX-0000-0000")):
        client = signed_in(user)
        assert client.get(f"/requests/{reference}/corrections/new/").status_code == 404
        assert client.post(f"/requests/{reference}/corrections/new/", ASKED).status_code == 404
    assert not CorrectionRequest.objects.exists()


# --- what makes a request complete --------------------------------------------------------------------------------


def test_empty_unknown_and_huge_boxes_are_each_named_and_nothing_is_stored(world: World, assessed: Request) -> None:
    before = request_snapshot(assessed)
    with pytest.raises(InvalidInput) as empty:
        ask(world.employer_a, assessed, information="", should_say="  ", why="")
    assert set(empty.value.errors) == {"information", "should_say", "why"}
    with pytest.raises(InvalidInput) as huge:
        ask(world.employer_a, assessed, information="salary", why="x" * (TEXT_LIMIT + 1))
    assert huge.value.errors == {"information": "Select which information is wrong",
                                 "why": f"Why it is wrong must be {TEXT_LIMIT:,} characters or fewer: you gave "
                                        f"{TEXT_LIMIT + 1:,}. Shorten it."}
    assert not CorrectionRequest.objects.exists() and request_snapshot(assessed) == before


def test_the_page_shows_each_problem_in_an_error_summary_linked_to_its_box(world: World, assessed: Request) -> None:
    client = signed_in(world.employer_a)
    page = client.post(f"/requests/{assessed.reference}/corrections/new/",
                       {"information": "passport", "should_say": "", "why": "y" * (TEXT_LIMIT + 5)})
    text = page.content.decode()
    assert page.status_code == 200 and "govuk-error-summary" in text
    assert '<a href="#id_should_say">Say what the information should say</a>' in text
    assert "Why it is wrong must be 2,000 characters or fewer: you gave 2,005." in text
    assert "<title>Error:" in text
    assert not CorrectionRequest.objects.exists()


def test_asking_on_the_page_goes_back_to_the_request_which_shows_it_waiting(world: World, assessed: Request) -> None:
    client = signed_in(world.employer_a)
    page = client.get(f"/requests/{assessed.reference}/")
    assert "Ask for a correction" in page.content.decode()
    response = client.post(f"/requests/{assessed.reference}/corrections/new/", ASKED)
    assert response.status_code == 302 and response["Location"].endswith(f"/requests/{assessed.reference}/#corrections")
    text = client.get(f"/requests/{assessed.reference}/").content.decode()
    assert "Passport details: asked" in text and "Waiting" in text and "NZTech" in text
    assert "Correction of personal information asked for" in text


# --- answering -------------------------------------------------------------------------------------------------------


def test_staff_answer_once_the_person_is_emailed_and_reads_the_decision_on_the_request(
    world: World, assessed: Request, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    asker = worker(assessed)
    correction = ask(asker, assessed)
    staff = signed_in(world.assessor_nztech)
    listing = staff.get("/corrections/").content.decode()
    assert assessed.reference in listing and f"/corrections/{correction.pk}/" in listing
    assert ASKED["should_say"] in staff.get(f"/corrections/{correction.pk}/").content.decode()
    assert StaffRead.objects.filter(request=assessed, reader=world.assessor_nztech,
                                    what=f"request details: correction request {correction.pk}").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/corrections/{correction.pk}/",
                              {"outcome": "corrected", "answer": "Passport number changed to Z1234567."})
    assert response.status_code == 302
    correction.refresh_from_db()
    assert (correction.outcome, correction.answered_by, correction.answer) == (
        "corrected", world.assessor_nztech, "Passport number changed to Z1234567.")
    assert correction.answered_at is not None
    told = smtp.about("Your correction request")
    assert str(told["To"]) == asker.email and "Passport number changed to Z1234567." in told.get_content()
    event = Event.objects.get(request=assessed, transition=EventKind.CORRECTION_ANSWERED)
    assert event.data == {"correction": correction.pk, "outcome": "corrected"}
    assert event.actor == world.assessor_nztech
    page = signed_in(asker).get(f"/requests/{assessed.reference}/").content.decode()
    assert "Corrected" in page and "Passport number changed to Z1234567." in page
    chain_sound()

    before = request_snapshot(assessed)
    again = staff.post(f"/corrections/{correction.pk}/", {"outcome": "declined", "answer": "Changed my mind."})
    assert again.status_code == 200 and "has already been answered: its decision stands" in again.content.decode()
    with pytest.raises(Refused, match="already been answered"):
        correction_answer(user=world.assessor_nztech, correction_id=correction.pk, outcome="declined",
                          answer="Changed my mind.")
    correction.refresh_from_db()
    assert correction.outcome == "corrected" and request_snapshot(assessed) == before


def test_an_answer_needs_an_outcome_and_words_named_on_the_page(world: World, assessed: Request) -> None:
    correction = ask(world.employer_a, assessed)
    page = signed_in(world.assessor_nztech).post(f"/corrections/{correction.pk}/", {"outcome": "", "answer": ""})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Select whether you corrected the information or declined to" in text
    with pytest.raises(InvalidInput) as declined:
        correction_answer(user=world.assessor_nztech, correction_id=correction.pk, outcome="declined", answer=" ")
    assert declined.value.errors == {"answer": "Give your reasons for declining"}
    correction.refresh_from_db()
    assert not correction.answered


def test_staff_of_another_body_and_everyone_else_find_nothing(world: World, assessed: Request) -> None:
    correction = ask(world.employer_a, assessed)
    for other in (world.assessor_itpnz, world.inz_officer):
        client = signed_in(other)
        assert client.get(f"/corrections/{correction.pk}/").status_code == 404
        assert client.post(f"/corrections/{correction.pk}/", {"outcome": "declined", "answer": "No."}).status_code \
            == 404
        assert assessed.reference not in client.get("/corrections/").content.decode()
    for outsider in (world.employer_a, world.outsider, world.administrator):
        assert signed_in(outsider).get("/corrections/").status_code == 404
    assert Client().get("/corrections/").status_code == 302
    correction.refresh_from_db()
    assert not correction.answered


def test_after_a_decline_the_person_has_their_statement_attached_once(world: World, assessed: Request) -> None:
    asker = worker(assessed)
    correction = ask(asker, assessed)
    client = signed_in(asker)
    statement = f"/requests/{assessed.reference}/corrections/{correction.pk}/statement/"
    with pytest.raises(Refused):
        corrections.statement_attach(user=asker, request=assessed, correction_id=correction.pk)
    correction_answer(user=world.assessor_nztech, correction_id=correction.pk, outcome="declined",
                      answer="The passport on file is the one the nomination was assessed on.")
    assert "Attach my statement" in client.get(f"/requests/{assessed.reference}/").content.decode()
    assert signed_in(world.employer_a).post(statement).status_code == 404, "only the person who asked"
    assert client.post(statement).status_code == 302
    correction.refresh_from_db()
    attached = correction.statement_attached_at
    assert attached is not None
    assert client.post(statement).status_code == 302
    correction.refresh_from_db()
    assert correction.statement_attached_at == attached
    assert "Attach my statement" not in client.get(f"/requests/{assessed.reference}/").content.decode()
    assert "Yes, on" in signed_in(world.assessor_nztech).get(f"/corrections/{correction.pk}/").content.decode()


# --- review: who reads what, statements shown to staff, odd input --------------------------------------------------


def test_the_employer_does_not_read_what_the_worker_asked_nor_the_worker_what_the_employer_asked(
    world: World, assessed: Request
) -> None:
    person = worker(assessed)
    theirs = ask(person, assessed, should_say="Passport P7654321, and my partner is Wiremu Tamihana-Quill.")
    employers = ask(world.employer_a, assessed, information="answers", should_say="Salary is NZD 91,000.")
    assert list(corrections.corrections_of(person, assessed)) == [theirs]
    assert list(corrections.corrections_of(world.employer_a, assessed)) == [employers]
    employer_page = signed_in(world.employer_a).get(f"/requests/{assessed.reference}/").content.decode()
    assert "Tamihana-Quill" not in employer_page and "Salary is NZD 91,000." in employer_page
    worker_page = signed_in(person).get(f"/requests/{assessed.reference}/").content.decode()
    assert "Tamihana-Quill" in worker_page and "Salary is NZD 91,000." not in worker_page


def _declined_with_statement(world: World, request: Request, staff: User) -> CorrectionRequest:
    asker = worker(request)
    correction = ask(asker, request, should_say="My family name is Ngā-Rangi, with a macron.")
    correction_answer(user=staff, correction_id=correction.pk, outcome="declined",
                      answer="The passport shows Nga-Rangi without a macron.")
    return corrections.statement_attach(user=asker, request=request, correction_id=correction.pk)


def test_a_statement_attached_after_a_decline_is_on_the_assessors_request_page(world: World, assessed: Request) -> None:
    page = signed_in(world.assessor_nztech).get(f"/assessment/requests/{assessed.reference}/").content.decode()
    assert "Statements of correction" not in page
    correction = _declined_with_statement(world, assessed, world.assessor_nztech)
    page = signed_in(world.assessor_nztech).get(f"/assessment/requests/{assessed.reference}/").content.decode()
    assert "Statements of correction" in page and "My family name is Ngā-Rangi, with a macron." in page
    assert "The passport shows Nga-Rangi without a macron." in page and f"/corrections/{correction.pk}/" in page
    # Immigration NZ's officers read the request too, and the statement with it, though the correction went to NZTech.
    inz = signed_in(world.inz_officer).get(f"/requests/{assessed.reference}/").content.decode()
    assert "My family name is Ngā-Rangi, with a macron." in inz and f"/corrections/{correction.pk}/" not in inz
    # A statement is not a thing the employer reads: the worker's correction is the worker's.
    employer = signed_in(world.employer_a).get(f"/requests/{assessed.reference}/").content.decode()
    assert "Statements of correction" not in employer and "Ngā-Rangi" not in employer


def test_a_statement_is_on_immigration_nz_s_visa_page_beside_the_passports_it_may_be_about(world: World) -> None:
    request = travelling(world, recommended(world))
    correction = _declined_with_statement(world, request, world.inz_officer)
    page = signed_in(world.inz_officer).get(f"/immigration/visas/{request.reference}/").content.decode()
    assert "Statements of correction" in page and "My family name is Ngā-Rangi, with a macron." in page
    assert f"/corrections/{correction.pk}/" in page


def test_posts_need_the_csrf_token(world: World, assessed: Request) -> None:
    correction = ask(worker(assessed), assessed)
    asker = Client(enforce_csrf_checks=True)
    asker.force_login(worker(assessed))
    assert asker.post(f"/requests/{assessed.reference}/corrections/new/", ASKED).status_code == 403
    assert asker.post(f"/requests/{assessed.reference}/corrections/{correction.pk}/statement/").status_code == 403
    staff = signed_in(world.assessor_nztech)
    staff.handler.enforce_csrf_checks = True
    assert staff.post(f"/corrections/{correction.pk}/", {"outcome": "declined", "answer": "No."}).status_code == 403
    correction.refresh_from_db()
    assert not correction.answered and CorrectionRequest.objects.count() == 1


ODD_TEXT = ["a\x00b", "x" * 100_000, "\u202eevil\u202c مرحبا 漢字 🙂", "<script>alert(1)</script>", "  \t\n ", "\ufeff"]
ODD_IDS = ["0", "-1", "99999999999999999999", "1.5", "%00", "abc", "..%2F..", "BX-0000-0000", "ﬀ", "x" * 500]


def test_odd_ids_and_input_never_answer_500_and_html_is_escaped(world: World, assessed: Request) -> None:
    correction = ask(worker(assessed), assessed)
    clients = {"worker": signed_in(worker(assessed)), "employer": signed_in(world.employer_a),
               "staff": signed_in(world.assessor_nztech), "other staff": signed_in(world.assessor_itpnz),
               "outsider": signed_in(world.outsider)}
    for who, client in clients.items():
        for odd in ODD_IDS:
            for url in (f"/requests/{odd}/corrections/new/", f"/corrections/{odd}/", f"/corrections/?page={odd}",
                        f"/requests/{assessed.reference}/corrections/{odd}/statement/"):
                for method in (client.get, client.post):
                    status = method(url).status_code
                    assert status in (200, 302, 400, 404, 405), (who, method.__name__, url, status)
        for text in ODD_TEXT:
            for posted in ({**ASKED, "should_say": text}, {**ASKED, "why": text}, {**ASKED, "information": text}):
                status = client.post(f"/requests/{assessed.reference}/corrections/new/", posted).status_code
                assert status in (200, 302, 404), (who, posted, status)
            status = client.post(f"/corrections/{correction.pk}/", {"outcome": text, "answer": text}).status_code
            assert status in (200, 404), (who, text, status)
    # A GET with the answer's fields in its query string changes nothing.
    clients["staff"].get(f"/corrections/{correction.pk}/?outcome=declined&answer=No")
    correction.refresh_from_db()
    assert not correction.answered, "no odd outcome, and no GET, answered it"
    # Script the person typed is shown as text to the staff who read it.
    ask(worker(assessed), assessed, should_say="<script>alert(1)</script>", why="<b>bold</b>")
    shown = "".join(clients["staff"].get(f"/corrections/{c.pk}/").content.decode()
                    for c in CorrectionRequest.objects.all())
    assert "<script>alert(1)</script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<b>bold</b>" not in shown
    # Unicode and RTL text survive as typed; a NUL byte is refused on its box, not stored.
    page = clients["worker"].post(f"/requests/{assessed.reference}/corrections/new/", {**ASKED, "should_say": "a\x00b"})
    assert page.status_code == 200 and "Null characters are not allowed" in page.content.decode()
    kept = ask(worker(assessed), assessed, should_say="\u202eevil\u202c مرحبا 漢字 🙂")
    kept.refresh_from_db()
    assert kept.should_say == "\u202eevil\u202c مرحبا 漢字 🙂"


def test_an_answer_is_not_emailed_to_someone_who_has_left_the_employer_since_asking(
    world: World, assessed: Request, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    colleague = User.objects.create_user("left@kowhai.example", "a long enough password 7", full_name="Left Soon")
    membership = membership_add(user=colleague, organisation=world.org_a, role="employer")
    correction = ask(colleague, assessed)
    still_here = ask(worker(assessed), assessed)
    membership.delete()
    with django_capture_on_commit_callbacks(execute=True):
        correction_answer(user=world.assessor_nztech, correction_id=correction.pk, outcome="corrected",
                          answer="Passport number changed to Z1234567.")
        correction_answer(user=world.assessor_nztech, correction_id=still_here.pk, outcome="corrected",
                          answer="Done.")
    assert str(smtp.about("Your correction request")["To"]) == worker(assessed).email
    time.sleep(0.3)
    assert smtp.to(colleague.email) == []
    correction.refresh_from_db()
    assert correction.outcome == "corrected", "the decision is recorded all the same"
