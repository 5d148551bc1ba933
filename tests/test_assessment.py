"""Assessing a request: the queue, claiming and assigning, findings, decisions with reasons, four eyes, and
information requests; through the services and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from bordercase.accounts.organisations import organisation_by_code
from bordercase.cases.assessment import (
    AssessmentProblem,
    CriterionRule,
    Finding,
    Kind,
    decision_check,
    finding_make,
)
from bordercase.cases.models import CriterionFinding, DeclineProposal, Event, Request, Scheme
from bordercase.cases.services import assessment, queue
from bordercase.cases.services.people import person_create
from bordercase.cases.services.queue import QueueFilter, clock_of, queue_filtered
from bordercase.cases.services.requests import request_create
from bordercase.lib.errors import InvalidInput, Refused
from bordercase.workdays import NZ
from tests.conftest import ANSWERS, MailServer, World, _user, api_post, request_snapshot, window_around
from tests.walking import walk

API = "/api/v1"
ClientFor = Callable[[Any], Client]

TECH_CRITERIA = ["role_in_short_supply", "salary_threshold", "employment_agreement", "domestic_pipeline",
                 "industry_membership"]


def snapshot(request: Request) -> tuple[Any, ...]:
    """The request as request_snapshot sees it, and its findings and proposed declines."""
    return (request_snapshot(request), CriterionFinding.objects.filter(request=request).count(),
            DeclineProposal.objects.filter(request=request).count())






# --- the pure rules of a decision ----------------------------------------------------------------------------------

RULES = [CriterionRule("salary_threshold", "not_met", "NZ$100,000 is below NZ$120,000.", True),
         CriterionRule("domestic_pipeline", "needs_review", "Programme not on the list.", False)]


def test_an_override_and_a_resolution_need_a_note_and_a_confirmation_does_not() -> None:
    assert finding_make(RULES[0], "not_met", "").kind is Kind.CONFIRMED
    with pytest.raises(AssessmentProblem) as exc:
        finding_make(RULES[0], "met", "  ")
    assert set(exc.value.problems) == {"note.salary_threshold"} and "overriding" in str(exc.value)
    assert finding_make(RULES[0], "met", "Salary letter shows NZ$125,000.").kind is Kind.OVERRIDDEN
    with pytest.raises(AssessmentProblem, match="deciding what the rules left open"):
        finding_make(RULES[1], "met", "")
    with pytest.raises(AssessmentProblem, match="met or not met"):
        finding_make(RULES[1], "needs_review", "still unsure")


def test_a_decision_needs_every_finding_and_a_recommendation_needs_every_mandatory_one_met() -> None:
    with pytest.raises(AssessmentProblem) as exc:
        decision_check("recommend", RULES, {}, [], "")
    assert set(exc.value.problems) == {"finding.salary_threshold", "finding.domestic_pipeline"}
    findings = {"salary_threshold": Finding("salary_threshold", "not_met", "not_met", ""),
                "domestic_pipeline": Finding("domestic_pipeline", "needs_review", "not_met", "Not a programme.")}
    with pytest.raises(AssessmentProblem, match="salary threshold is found not met"):
        decision_check("recommend", RULES, findings, [], "")
    # An advisory criterion found not met does not stop a recommendation.
    findings["salary_threshold"] = Finding("salary_threshold", "not_met", "met", "Letter shows NZ$125,000.")
    assert decision_check("recommend", RULES, findings, [], "") == []
    with pytest.raises(AssessmentProblem, match="is not found not met"):
        decision_check("decline", RULES, findings, ["salary_threshold"], "")
    with pytest.raises(AssessmentProblem, match="at least one reason"):
        decision_check("decline", RULES, findings, [], " ")
    assert decision_check("decline", RULES, findings, ["domestic_pipeline"], "") == ["domestic_pipeline"]
    with pytest.raises(AssessmentProblem, match="recommend the request or decline"):
        decision_check("approve", RULES, findings, [], "")


# --- the queue -----------------------------------------------------------------------------------------------------


def test_each_assessor_sees_only_their_own_bodys_queue(world: World, make_request: Callable[..., Request]) -> None:
    at_nztech = walk(make_request(), [("lodge", world.employer_a)])
    at_itpnz = walk(make_request(body="itpnz"), [("lodge", world.employer_a)])
    essential = walk(make_request(scheme="other-essential-worker-2020", body="inz"), [("lodge", world.employer_a)])
    make_request()  # a draft is in nobody's queue

    def refs(user: Any) -> set[str]:
        return {r.reference for r in queue_filtered(user, QueueFilter())}

    assert refs(world.assessor_nztech) == {at_nztech.reference}
    assert refs(world.assessor_itpnz) == {at_itpnz.reference}
    assert refs(world.assessor_inz) == {essential.reference}
    assert not queue.is_assessor(world.inz_officer) and not queue.is_assessor(world.employer_a)


def test_the_queue_filters_by_scheme_status_outcome_assignee_and_overdue(
    world: World, make_request: Callable[..., Request]
) -> None:
    eligible = walk(make_request(), [("lodge", world.employer_a)])
    low_salary = walk(make_request(answers={**ANSWERS["tech-specialists-2022"], "annual_salary_nzd": 90000}),
                      [("lodge", world.employer_a)])
    assessment.request_claim(request=low_salary, by=world.assessor_nztech)
    me = world.assessor_nztech

    def refs(**chosen: Any) -> list[str]:
        return [r.reference for r in queue_filtered(me, QueueFilter(**chosen))]

    assert refs(outcome="ineligible") == [low_salary.reference]
    assert refs(outcome="eligible") == [eligible.reference]
    assert refs(assignee="me") == [low_salary.reference]
    assert refs(assignee="nobody") == [eligible.reference]
    assert refs(status="lodged") == [eligible.reference]
    assert refs(status="in_assessment") == [low_salary.reference]
    assert refs(scheme="other-essential-worker-2020") == []
    assert refs(overdue=True) == []  # lodged today
    assert refs(waited_at_least=1) == []
    assert len(refs(waited_at_least=0)) == 2
    assert refs(sort="newest") == [low_salary.reference, eligible.reference]


# --- claiming and assigning ----------------------------------------------------------------------------------------


def test_claiming_assigns_the_request_and_starts_its_assessment(world: World, lodged: Request) -> None:
    claimed = assessment.request_claim(request=lodged, by=world.assessor_nztech)
    assert claimed.status == "in_assessment" and claimed.assignee == world.assessor_nztech
    transitions = list(claimed.events.order_by("position").values_list("transition", flat=True))
    assert transitions == ["create", "lodge", "claim", "start_assessment"]


def test_assigning_to_someone_who_is_not_a_colleague_is_refused_and_changes_nothing(
    world: World, lodged: Request
) -> None:
    before = snapshot(lodged)
    for stranger in (world.assessor_itpnz, world.employer_a, world.inz_officer):
        with pytest.raises(InvalidInput) as exc:
            assessment.request_assign(request=lodged, to=stranger, by=world.assessor_nztech)
        assert set(exc.value.errors) == {"assignee"} and "not an assessor at NZTech" in exc.value.errors["assignee"]
    with pytest.raises(Refused):
        assessment.request_assign(request=lodged, to=world.assessor_itpnz, by=world.assessor_itpnz)
    assert snapshot(lodged) == before


def test_bulk_assignment_is_all_or_nothing(world: World, make_request: Callable[..., Request]) -> None:
    first, second = (walk(make_request(), [("lodge", world.employer_a)]) for _ in range(2))
    decided = walk(make_request(), [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech),
                                    ("decline", world.assessor_nztech)])
    with pytest.raises(InvalidInput) as exc:
        assessment.requests_assign(requests=[first, second, decided], to=world.assessor_nztech,
                                   by=world.assessor_nztech)
    assert decided.reference in exc.value.errors["requests"] and "Nothing was assigned" in exc.value.errors["requests"]
    assert Request.objects.filter(pk__in=[first.pk, second.pk], assignee__isnull=False).count() == 0
    assert not Event.objects.filter(request__in=[first, second], transition="assign").exists()
    done = assessment.requests_assign(requests=[first, second], to=world.assessor_nztech, by=world.assessor_nztech)
    assert {r.assignee_id for r in done} == {world.assessor_nztech.pk}


# --- findings, decisions and four eyes -----------------------------------------------------------------------------


def _all_met(request: Request) -> dict[str, tuple[str, str]]:
    return {c: ("met", "") for c in TECH_CRITERIA}


def test_an_override_is_recorded_as_such_beside_the_rules_finding(world: World, lodged: Request) -> None:
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    found = {**_all_met(lodged), "industry_membership": ("not_met", "Membership lapsed in 2021.")}
    assessment.findings_record(request=lodged, by=world.assessor_nztech, found=found)
    row = CriterionFinding.objects.get(request=lodged, criterion="industry_membership")
    assert (row.rule_outcome, row.outcome, row.kind, row.note) == ("met", "not_met", "overridden",
                                                                    "Membership lapsed in 2021.")
    event = lodged.events.get(transition="criterion_finding", data__criterion="industry_membership")
    assert event.data["kind"] == "overridden" and event.reason == "Membership lapsed in 2021."
    # Sending the same findings again records nothing new.
    count = Request.objects.get(pk=lodged.pk).events_count
    assessment.findings_record(request=lodged, by=world.assessor_nztech, found=found)
    assert Request.objects.get(pk=lodged.pk).events_count == count


def test_bad_findings_are_refused_all_together_and_nothing_is_kept(world: World, lodged: Request) -> None:
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    before = snapshot(lodged)
    with pytest.raises(InvalidInput) as exc:
        assessment.findings_record(request=lodged, by=world.assessor_nztech, found={
            "salary_threshold": ("not_met", ""), "industry_membership": ("maybe", ""), "no_such": ("met", "")})
    assert set(exc.value.errors) == {"note.salary_threshold", "finding.industry_membership", "finding.no_such"}
    assert snapshot(lodged) == before


def test_recommending_finds_the_request_eligible_and_tells_the_employer_with_reasons(
    world: World, lodged: Request, smtp: MailServer, django_capture_on_commit_callbacks: Any
) -> None:
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    with pytest.raises(InvalidInput) as exc:
        assessment.request_decide(request=lodged, by=world.assessor_nztech, decision="recommend")
    assert set(exc.value.errors) == {f"finding.{c}" for c in TECH_CRITERIA}
    found = {**_all_met(lodged), "domestic_pipeline": ("met", "Runs a Summer of Tech internship each year.")}
    assessment.findings_record(request=lodged, by=world.assessor_nztech, found=found)
    with django_capture_on_commit_callbacks(execute=True):
        decided = assessment.request_decide(request=lodged, by=world.assessor_nztech, decision="recommend",
                                            text="Strong nomination.")
    assert decided.status == "eligible"
    event = decided.events.get(transition="find_eligible")
    assert "Strong nomination." in event.reason
    message = smtp.wait_for(1)[-1]
    assert "found eligible" in str(message["Subject"]) and "Strong nomination." in message.get_content()


def test_a_decline_waits_for_a_second_assessor_who_is_not_the_first(
    world: World, lodged: Request, smtp: MailServer, django_capture_on_commit_callbacks: Any
) -> None:
    colleague = _user("ana@nztech.example", "Ana Moana", organisation_by_code("nztech"), "assessor")
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    found = {**_all_met(lodged), "salary_threshold": ("not_met", "Payslips show NZ$98,000, not NZ$145,000.")}
    assessment.findings_record(request=lodged, by=world.assessor_nztech, found=found)
    proposed = assessment.request_decide(request=lodged, by=world.assessor_nztech, decision="decline",
                                         reasons=["salary_threshold"], text="Please check the salary offered.")
    assert proposed.status == "in_assessment"
    pending = assessment.pending_decline(proposed)
    assert pending is not None and "Payslips show NZ$98,000" in pending.reasons
    with pytest.raises(Refused, match="different assessor"):
        assessment.decline_confirm(request=proposed, by=world.assessor_nztech)
    with pytest.raises(InvalidInput, match="waiting for a second assessor"):
        assessment.information_request(request=proposed, by=world.assessor_nztech, text="More?")
    with pytest.raises(InvalidInput) as exc:
        assessment.decline_send_back(request=proposed, by=colleague, note="")
    assert set(exc.value.errors) == {"note"}
    with django_capture_on_commit_callbacks(execute=True):
        declined = assessment.decline_confirm(request=proposed, by=colleague)
    assert declined.status == "declined"
    assert declined.events.get(transition="decline").actor == colleague
    body = smtp.wait_for(1)[-1].get_content()
    assert "declined" in body and "Salary threshold: not met. Payslips show NZ$98,000" in body
    assert "Please check the salary offered." in body


def test_the_queue_marks_a_decline_waiting_for_a_second_assessor_and_only_until_it_is_decided(
    world: World, lodged: Request
) -> None:
    colleague = _user("ana@nztech.example", "Ana Moana", organisation_by_code("nztech"), "assessor")
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    assessment.findings_record(request=lodged, by=world.assessor_nztech, found=_all_met(lodged))
    assessment.request_decide(request=lodged, by=world.assessor_nztech, decision="decline", text="Doubts.")
    waiting = {r.reference: r.decline_pending for r in queue.queue_of(colleague)}
    assert waiting == {lodged.reference: True}
    assessment.decline_send_back(request=lodged, by=colleague, note="Every criterion is met: recommend it.")
    assert [r.decline_pending for r in queue.queue_of(colleague)] == [False]


def test_a_sent_back_decline_leaves_the_request_in_assessment(world: World, lodged: Request) -> None:
    colleague = _user("ana@nztech.example", "Ana Moana", organisation_by_code("nztech"), "assessor")
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    assessment.findings_record(request=lodged, by=world.assessor_nztech, found=_all_met(lodged))
    assessment.request_decide(request=lodged, by=world.assessor_nztech, decision="decline", text="Doubts.")
    back = assessment.decline_send_back(request=lodged, by=colleague, note="Every criterion is met: recommend it.")
    assert back.status == "in_assessment" and assessment.pending_decline(back) is None
    assert DeclineProposal.objects.get(request=lodged).status == "rejected"
    assert assessment.request_decide(request=lodged, by=world.assessor_nztech,
                                     decision="recommend").status == "eligible"


def test_an_essential_worker_decline_needs_no_second_assessor(
    world: World, make_request: Callable[..., Request]
) -> None:
    request = walk(make_request(scheme="other-essential-worker-2020", body="inz"), [("lodge", world.employer_a)])
    assessment.request_claim(request=request, by=world.assessor_inz)
    rules = [r.id for r in assessment.rules_of(request)]
    assessment.findings_record(request=request, by=world.assessor_inz,
                               found={r: ("not_met", "No evidence the skills are unavailable in NZ.") for r in rules})
    declined = assessment.request_decide(request=request, by=world.assessor_inz, decision="decline",
                                         reasons=rules)
    assert declined.status == "declined"


# --- information requests ------------------------------------------------------------------------------------------


def test_an_information_request_waits_for_the_applicant_whose_answer_returns_it_to_the_queue(
    world: World, lodged: Request
) -> None:
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    with pytest.raises(InvalidInput) as exc:
        assessment.information_request(request=lodged, by=world.assessor_nztech, text="  ")
    assert set(exc.value.errors) == {"reason"}
    waiting = assessment.information_request(request=lodged, by=world.assessor_nztech,
                                             text="Send the signed employment agreement.")
    assert waiting.status == "info_requested"
    assert [r.reference for r in queue_filtered(world.assessor_nztech, QueueFilter(status="info_requested"))] == [
        lodged.reference]
    with pytest.raises(Refused):
        assessment.information_provide(request=waiting, by=world.employer_b, text="Here.")
    back = assessment.information_provide(request=waiting, by=world.employer_a, text="Signed on 3 March.",
                                          answers={"annual_salary_nzd": 150000})
    assert back.status == "in_assessment" and back.assignee == world.assessor_nztech
    event = back.events.get(transition="provide_information")
    assert event.reason == "Signed on 3 March." and event.data["answers_changed"] == ["annual_salary_nzd"]
    assert back.answers["annual_salary_nzd"] == 150000


def test_corrected_answers_that_break_a_rule_refuse_the_answer_and_change_nothing(
    world: World, lodged: Request
) -> None:
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    assessment.information_request(request=lodged, by=world.assessor_nztech, text="Which salary?")
    before = snapshot(lodged)
    with pytest.raises(InvalidInput) as exc:
        assessment.information_provide(request=lodged, by=world.employer_a, text="This one.",
                                       answers={"annual_salary_nzd": "lots"})
    assert set(exc.value.errors) == {"answers.annual_salary_nzd"}
    assert snapshot(lodged) == before


def test_warnings_name_the_same_worker_elsewhere_and_answers_that_changed_the_rules_findings(
    world: World, make_request: Callable[..., Request]
) -> None:
    worker = {"given_names": "Ravi", "family_name": "Twice", "date_of_birth": dt.date(1988, 4, 12),
              "nationality": "IND", "passport_number": "Z7777777", "email": "ravi.twice@example.com"}
    scheme = Scheme.objects.get(code="tech-specialists-2022")
    mine, theirs = (
        walk(request_create(by=by, scheme=scheme, organisation=org, nominee=person_create(**worker),
                            assessing_body=organisation_by_code(body), answers=ANSWERS["tech-specialists-2022"]),
             [("lodge", by)])
        for by, org, body in ((world.employer_a, world.org_a, "nztech"), (world.employer_b, world.org_b, "itpnz")))
    assert [w.kind for w in queue.warnings_of(mine)] == ["same_worker"]
    assert [w.kind for w in queue.warnings_of(theirs)] == ["same_worker"]

    assessment.request_claim(request=mine, by=world.assessor_nztech)
    assessment.information_request(request=mine, by=world.assessor_nztech, text="Confirm the salary.")
    assessment.information_provide(request=mine, by=world.employer_a, text="It is lower.",
                                   answers={"annual_salary_nzd": 90000})
    warnings = {w.kind: w.message for w in queue.warnings_of(Request.objects.get(pk=mine.pk))}
    assert set(warnings) == {"same_worker", "pre_assessment_stale"}
    assert "salary threshold" in warnings["pre_assessment_stale"] and "ineligible" in warnings["pre_assessment_stale"]


# --- the API -------------------------------------------------------------------------------------------------------


def test_an_assessing_bodys_system_works_the_queue_over_the_api(
    world: World, lodged: Request, api_client: ClientFor
) -> None:
    client = api_client(world.assessor_nztech)
    listed = client.get(f"{API}/assessment/queue?assignee=nobody").json()
    assert listed["count"] == 1 and listed["items"][0]["reference"] == lodged.reference
    assert listed["items"][0]["clock"] == {"working_days": 0, "target": 10, "overdue": False, "paused": False,
                                           "stopped": False}
    claimed = api_post(client, f"/requests/{lodged.reference}/assessment/claim").json()
    assert claimed["assignee"] == world.assessor_nztech.email and claimed["request"]["status"] == "in_assessment"
    asked = api_post(client, f"/requests/{lodged.reference}/assessment/information-request", {"text": "Agreement?"})
    assert asked.status_code == 200 and asked.json()["clock"]["paused"] is True
    answered = api_post(api_client(world.employer_a), f"/requests/{lodged.reference}/information", {"text": "Sent."})
    assert answered.status_code == 200 and answered.json()["status"] == "in_assessment"
    assert client.get(f"{API}/requests/{lodged.reference}/assessment").json()["answer"] == "Sent."
    bad = api_post(client, f"/requests/{lodged.reference}/assessment/findings",
                   {"findings": {"salary_threshold": {"outcome": "met"},
                                 "industry_membership": {"outcome": "not_met"}}},
                   method="put")
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"note.industry_membership"}
    found = api_post(client, f"/requests/{lodged.reference}/assessment/findings",
                     {"findings": {c: {"outcome": "met"} for c in TECH_CRITERIA}}, method="put")
    assert found.status_code == 200 and all(c["finding"]["kind"] == "confirmed" for c in found.json()["criteria"])
    decided = api_post(client, f"/requests/{lodged.reference}/assessment/decision", {"decision": "recommend"})
    assert decided.status_code == 200 and decided.json()["request"]["status"] == "eligible"


def test_the_generic_transition_route_cannot_skip_the_decision_route(
    world: World, lodged: Request, api_client: ClientFor
) -> None:
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    before = snapshot(lodged)
    response = api_post(api_client(world.assessor_nztech), f"/requests/{lodged.reference}/transitions/decline",
                        {"reason": "No."})
    assert response.status_code == 403 and "/assessment/decision" in response.json()["message"]
    assert snapshot(lodged) == before


def test_assigning_over_the_api_names_the_field_when_the_assessor_is_unknown(
    world: World, lodged: Request, api_client: ClientFor
) -> None:
    client = api_client(world.assessor_nztech)
    before = snapshot(lodged)
    for assignee in ("nobody@nowhere.example", world.assessor_itpnz.email):
        response = api_post(client, f"/requests/{lodged.reference}/assessment/assign", {"assignee": assignee})
        assert response.status_code == 422 and set(response.json()["fields"]) == {"assignee"}
    bulk = api_post(client, "/assessment/assign",
                    {"references": [lodged.reference], "assignee": world.assessor_nztech.email})
    assert bulk.status_code == 200 and bulk.json()["items"][0]["assignee"] == world.assessor_nztech.email
    assert Request.objects.get(pk=lodged.pk).assignee_id == world.assessor_nztech.pk
    assert before[0][1] is None  # nobody held it before


def test_overdue_requests_are_found_by_the_filters_and_highlighted_on_the_queue(
    world: World, make_request: Callable[..., Request], staff_client: Callable[[Any], Client]
) -> None:
    lodged_at = dt.datetime(2022, 3, 1, 10, tzinfo=NZ)  # a Tuesday
    with time_machine.travel(lodged_at, tick=False):
        window_around("tech-specialists-2022", lodged_at)
        old = walk(make_request(), [("lodge", world.employer_a)])
    fresh = walk(make_request(), [("lodge", world.employer_a)])
    me = world.assessor_nztech
    overdue = list(queue_filtered(me, QueueFilter(overdue=True)))
    assert [r.reference for r in overdue] == [old.reference]
    late = clock_of(overdue[0])
    assert late is not None and late.waited > 10 and late.overdue and overdue[0].waited == late.waited
    assert [r.reference for r in queue_filtered(me, QueueFilter(waited_at_least=11))] == [old.reference]
    assert [r.reference for r in queue_filtered(me, QueueFilter(sort="waited"))] == [old.reference,
                                                                                       fresh.reference]
    page = staff_client(me).get("/assessment/?overdue=yes").content.decode()
    assert old.reference in page and fresh.reference not in page
    assert "govuk-tag--red\">Overdue" in page and "1 overdue." in page


def test_the_applicant_never_reads_the_assessors_working_events_in_the_api_or_on_the_page(
    world: World, lodged: Request, api_client: ClientFor
) -> None:
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    assessment.findings_record(request=lodged, by=world.assessor_nztech,
                               found={**_all_met(lodged), "salary_threshold": ("not_met", "Private working note.")})
    assessment.request_decide(request=lodged, by=world.assessor_nztech, decision="decline", text="Salary too low.")
    theirs = [e["transition"] for e in api_client(world.employer_a).get(
        f"{API}/requests/{lodged.reference}/events").json()]
    assert theirs == ["create", "lodge", "start_assessment"]
    staff = [e["transition"] for e in api_client(world.assessor_nztech).get(
        f"{API}/requests/{lodged.reference}/events").json()]
    assert {"claim", "criterion_finding", "decline_proposed"} <= set(staff)
    client = Client()
    client.force_login(world.employer_a)
    page = client.get(f"/requests/{lodged.reference}/").content.decode()
    assert "Private working note." not in page and "Decline proposed" not in page


def test_findings_cannot_change_under_a_decline_waiting_for_its_second_assessor(
    world: World, lodged: Request
) -> None:
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    assessment.findings_record(request=lodged, by=world.assessor_nztech,
                               found={**_all_met(lodged), "salary_threshold": ("not_met", "Payslips disagree.")})
    assessment.request_decide(request=lodged, by=world.assessor_nztech, decision="decline",
                              reasons=["salary_threshold"])
    before = snapshot(lodged)
    with pytest.raises(InvalidInput) as exc:
        assessment.findings_record(request=lodged, by=world.assessor_nztech,
                                   found={"salary_threshold": ("met", "On reflection it is met.")})
    assert set(exc.value.errors) == {"status"} and "second assessor" in exc.value.errors["status"]
    with pytest.raises(InvalidInput, match="waiting for a second assessor"):
        assessment.request_decide(request=lodged, by=world.assessor_nztech, decision="recommend")
    assert snapshot(lodged) == before


def test_a_claim_takes_only_a_request_nobody_holds(world: World, lodged: Request) -> None:
    colleague = _user("ana@nztech.example", "Ana Moana", organisation_by_code("nztech"), "assessor")
    assessment.request_claim(request=lodged, by=world.assessor_nztech)
    before = snapshot(lodged)
    with pytest.raises(InvalidInput) as exc:
        assessment.request_claim(request=lodged, by=colleague)
    assert "already assigned to Mere Tawhiri" in exc.value.errors["assignee"]
    assert snapshot(lodged) == before
    # Taking it over is an explicit assignment, recorded as such.
    taken = assessment.request_assign(request=lodged, to=colleague, by=colleague)
    assert taken.assignee == colleague and taken.events.order_by("-position")[0].transition == "assign"


def test_a_waited_filter_that_is_not_a_number_is_named_on_the_queue(
    world: World, lodged: Request, staff_client: Callable[[Any], Client]
) -> None:
    client = staff_client(world.assessor_nztech)
    # Words, a superscript digit, and a number beyond any wait (and any database's integers).
    for typed in ("five", "²", "9" * 40):
        page = client.get("/assessment/", {"waited": typed}).content.decode()
        assert "There is a problem" in page and 'href="#waited"' in page
        assert "whole number from 0 to 100,000, like 5" in page
        assert lodged.reference in page  # the other filters still apply


def test_the_api_refuses_a_waited_filter_beyond_any_wait_naming_it(
    world: World, lodged: Request, api_client: ClientFor
) -> None:
    answer = api_client(world.assessor_nztech).get(f"{API}/assessment/queue", {"waited_at_least": "9" * 40})
    assert answer.status_code == 422
    assert list(answer.json()["fields"]) == ["waited_at_least"]
