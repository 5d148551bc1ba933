"""An assessor records a request's occupation: a finding with a note, in the request's hash-chained history, which
the rules read over the coded title and the ballot's category counts."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from bordercase.accounts.organisations import organisation_by_code
from bordercase.cases.audit import audit_problems
from bordercase.cases.models import AllocationEntry, Event, OccupationFinding, Request, Scheme
from bordercase.cases.services import assessment
from bordercase.cases.services.evaluations import evaluation_latest
from bordercase.cases.services.occupations import Found, occupation_of
from bordercase.cases.services.requests import request_create
from bordercase.lib.errors import InvalidInput, Refused
from tests.allocation_support import TECH, drawn_round, override_parameters
from tests.conftest import ANSWERS, API, World, nominee, set_places, signed_in
from tests.walking import walk

NOTE = "Directs what the SaaS product does and how the engineers build it: an ICT manager's work."


def in_assessment(world: World, job_title: str, *, employer: str = "a", **answers: Any) -> Request:
    """A tech nomination with a job title instead of a code, lodged and claimed by an NZTech assessor."""
    user, organisation = (world.employer_a, world.org_a) if employer == "a" else (world.employer_b, world.org_b)
    given = {**{k: v for k, v in ANSWERS[TECH].items() if k != "anzsco_code"}, "job_title": job_title, **answers}
    draft = request_create(by=user, scheme=Scheme.objects.get(code=TECH), organisation=organisation,
                           nominee=nominee(), assessing_body=organisation_by_code("nztech"), answers=given)
    walk(draft, [("lodge", user)])
    return assessment.request_claim(request=draft, by=world.assessor_nztech)


def rule(request: Request, criterion: str) -> tuple[str, str]:
    found = {r.id: r for r in assessment.rules_of(request)}[criterion]
    return found.outcome, found.reason


def test_the_assessor_s_occupation_settles_a_title_the_rules_left_open(world: World) -> None:
    request = in_assessment(world, "Product Manager", annual_salary_nzd=150000)
    assert rule(request, "role_in_short_supply")[0] == "needs_review"
    assert occupation_of(request) is None

    evaluation = assessment.occupation_record(request=request, by=world.assessor_nztech, code="135199", note=NOTE)

    assert evaluation is not None and evaluation.outcome == "eligible"
    outcome, reason = rule(request, "role_in_short_supply")
    assert outcome == "met" and reason.startswith("The assessor found the occupation to be ANZSCO 135199")
    assert rule(request, "salary_threshold")[0] == "met"
    # Evaluated at the date the rules were first applied, so recording the occupation cannot change the rules.
    first, latest = request.evaluations.order_by("created_at", "pk")
    assert latest.as_at == first.as_at and evaluation_latest(request) == latest
    assert latest.answers["occupation_found"] == "135199"
    found = occupation_of(request)
    assert found is not None and (found.code, found.found, found.note) == ("135199", Found.ASSESSOR, NOTE)


def test_the_finding_is_an_event_in_the_request_s_chained_history(world: World) -> None:
    request = in_assessment(world, "Product Manager")
    assessment.occupation_record(request=request, by=world.assessor_nztech, code="135199", note=NOTE)
    assessment.occupation_record(request=request, by=world.assessor_nztech, code="225113",
                                 note="On the evidence the role markets the product; it builds nothing.")
    events = list(Event.objects.filter(request=request, transition="occupation_finding").order_by("position"))
    assert [(e.data["occupation"], e.data["previous"], e.actor_id) for e in events] == [
        ("135199", None, world.assessor_nztech.pk), ("225113", "135199", world.assessor_nztech.pk)]
    assert events[0].reason == NOTE
    assert OccupationFinding.objects.get(request=request).code == "225113"  # one home, replaced
    assert list(audit_problems()) == []
    # The same finding sent again records nothing.
    assert assessment.occupation_record(request=request, by=world.assessor_nztech, code="225113",
                                        note="On the evidence the role markets the product; it builds nothing.") is None
    assert Event.objects.filter(request=request, transition="occupation_finding").count() == 2


def test_the_assessor_s_finding_stands_over_a_title_that_coded(world: World) -> None:
    request = in_assessment(world, "Software Engineer")
    assert rule(request, "role_in_short_supply")[0] == "met"
    assessment.occupation_record(request=request, by=world.assessor_nztech, code="225113",
                                 note="The agreement's duties are the product's marketing, not its engineering.")
    outcome, reason = rule(request, "role_in_short_supply")
    assert outcome == "not_met" and "225113 Marketing Specialist" in reason


def test_a_criterion_the_occupation_changes_is_found_again(world: World) -> None:
    request = in_assessment(world, "Product Manager", annual_salary_nzd=150000)
    assessment.findings_record(request=request, by=world.assessor_nztech, found={
        "role_in_short_supply": ("met", "Product manager of a software product."),
        "employment_agreement": ("met", "")})
    assessment.occupation_record(request=request, by=world.assessor_nztech, code="135199", note=NOTE)
    # The rules now find the role met, not "needs review": the assessor confirms it again; the rest stand.
    assert set(assessment.findings_of(request)) == {"employment_agreement"}
    event = Event.objects.get(request=request, transition="occupation_finding")
    assert event.data["reopened"] == ["role_in_short_supply"]


@pytest.mark.parametrize(("code", "note", "field"), [
    ("2613", NOTE, "occupation"),  # a unit group is not an occupation
    ("999999", NOTE, "occupation"),
    ("", NOTE, "occupation"),
    ("２６１３１３", NOTE, "occupation"),  # noqa: RUF001 - full-width digits are not the code
    ("261313", "   ", "occupation_note"),
])
def test_a_bad_finding_is_refused_naming_the_field_and_records_nothing(
        world: World, code: str, note: str, field: str) -> None:
    request = in_assessment(world, "Product Manager")
    with pytest.raises(InvalidInput) as refused:
        assessment.occupation_record(request=request, by=world.assessor_nztech, code=code, note=note)
    assert field in refused.value.errors
    assert not OccupationFinding.objects.filter(request=request).exists()
    assert not Event.objects.filter(request=request, transition="occupation_finding").exists()


def test_only_an_assessor_at_the_body_records_it_and_only_in_assessment(world: World) -> None:
    request = in_assessment(world, "Product Manager")
    with pytest.raises(Refused):
        assessment.occupation_record(request=request, by=world.assessor_itpnz, code="135199", note=NOTE)
    with pytest.raises(Refused):
        assessment.occupation_record(request=request, by=world.employer_a, code="135199", note=NOTE)
    assessment.information_request(request=request, by=world.assessor_nztech, text="Send the duties.")
    with pytest.raises(InvalidInput, match="cannot be recorded"):
        assessment.occupation_record(request=request, by=world.assessor_nztech, code="135199", note=NOTE)


def test_a_request_without_an_occupation_cannot_be_recommended_until_one_is_recorded(world: World) -> None:
    request = in_assessment(world, "Product Manager", annual_salary_nzd=150000)
    found = {r.id: ("met", "Found met on the duties.") for r in assessment.rules_of(request)}
    assessment.findings_record(request=request, by=world.assessor_nztech, found=found)
    with pytest.raises(InvalidInput) as refused:
        assessment.request_decide(request=request, by=world.assessor_nztech, decision="recommend")
    assert "occupation" in refused.value.errors
    assessment.occupation_record(request=request, by=world.assessor_nztech, code="135199", note=NOTE)
    found = {r.id: ("met", "") for r in assessment.rules_of(request)}
    assessment.findings_record(request=request, by=world.assessor_nztech, found=found)
    decided = assessment.request_decide(request=request, by=world.assessor_nztech, decision="recommend")
    assert decided.status == "eligible"


# --- the ballot's category -----------------------------------------------------------------------------------------


def eligible_by_title(world: World, job_title: str, occupation: str | None = None, employer: str = "a") -> Request:
    request = in_assessment(world, job_title, employer=employer, annual_salary_nzd=150000)
    if occupation:
        assessment.occupation_record(request=request, by=world.assessor_nztech, code=occupation, note=NOTE)
    return walk(request, [("find_eligible", world.assessor_nztech)])


def test_a_nomination_coded_from_its_title_enters_the_ballot_in_its_category(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    override_parameters(monkeypatch, ballot_category_caps={"1351": 1})
    set_places(3)
    devops = eligible_by_title(world, "DevOps Engineer")  # coded by the table: 261399
    managers = [eligible_by_title(world, "Product Manager", "135199"),  # the assessor's finding
                eligible_by_title(world, "Product Manager", "135199", employer="b")]
    drawn = drawn_round(world)
    categories = dict(AllocationEntry.objects.filter(round=drawn).values_list("request_id", "category"))
    assert categories == {devops.pk: "2613", managers[0].pk: "1351", managers[1].pk: "1351"}
    # The cap of one ICT manager holds: before, both entered without a category and both could be drawn.
    held = Counter(categories[pk] for pk in Request.objects.filter(
        allocation_entries__round=drawn, status="allocated").values_list("pk", flat=True))
    assert held == {"2613": 1, "1351": 1}
    enter = Event.objects.get(request=managers[0], transition="enter_round")
    assert enter.data["category"] == "1351"


# --- the assessor's page ---------------------------------------------------------------------------------------------


def test_the_assessor_s_page_offers_the_title_s_candidates_and_records_the_choice(world: World) -> None:
    request = in_assessment(world, "Product Manager", annual_salary_nzd=150000)
    client = signed_in(world.assessor_nztech)
    page = client.get(f"/assessment/requests/{request.reference}/").content.decode()
    assert "matches no single ANZSCO occupation" in page
    assert 'value="225113"' in page and 'value="135199"' in page
    url = f"/occupations/assessment/{request.reference}/"

    refused = client.post(url, {"occupation": "135199", "occupation_note": ""})
    assert refused.status_code == 200
    assert "There is a problem" in refused.content.decode() and 'href="#occupation_note"' in refused.content.decode()
    assert not OccupationFinding.objects.filter(request=request).exists()

    done = client.post(url, {"occupation": "135199", "occupation_note": NOTE}, follow=True)
    shown = done.content.decode()
    assert "You recorded the occupation as 135199 ICT Managers nec" in shown
    assert "from the assessor&#x27;s finding" in shown or "from the assessor's finding" in shown
    assert "Occupation found by the assessor" in shown


def test_another_occupation_can_be_given_by_its_code(world: World) -> None:
    request = in_assessment(world, "Growth Hacker")
    client = signed_in(world.assessor_nztech)
    client.post(f"/occupations/assessment/{request.reference}/",
                {"occupation": "other", "occupation_code": " 225113 ", "occupation_note": "Markets the app."})
    assert OccupationFinding.objects.get(request=request).code == "225113"


def test_the_page_says_why_the_rules_did_not_evaluate_the_occupation_again(world: World) -> None:
    from bordercase.cases.models import Evaluation

    request = in_assessment(world, "Product Manager", annual_salary_nzd=150000)
    client = signed_in(world.assessor_nztech)
    url = f"/occupations/assessment/{request.reference}/"
    Evaluation.objects.filter(request=request).delete()  # lodged before the scheme had rules, say

    done = client.post(url, {"occupation": "135199", "occupation_note": NOTE}, follow=True).content.decode()
    assert "The occupation is recorded as 135199 ICT Managers nec. The rules have not evaluated this request" in done
    assert "already recorded" not in done and OccupationFinding.objects.get(request=request).code == "135199"

    again = client.post(url, {"occupation": "135199", "occupation_note": NOTE}, follow=True).content.decode()
    assert "The occupation is recorded as 135199" in again  # still no evaluation: the true reason, not the other


def test_the_same_finding_sent_again_is_already_recorded(world: World) -> None:
    request = in_assessment(world, "Product Manager", annual_salary_nzd=150000)
    client = signed_in(world.assessor_nztech)
    url = f"/occupations/assessment/{request.reference}/"
    client.post(url, {"occupation": "135199", "occupation_note": NOTE})
    again = client.post(url, {"occupation": "135199", "occupation_note": NOTE}, follow=True).content.decode()
    assert "The occupation was already recorded as that, with that note: nothing changed." in again


def test_a_note_past_the_limit_is_refused_on_the_page_as_by_the_api(world: World, api_client: Any) -> None:
    from bordercase.cases.services.occupations import NOTE_MAX_LENGTH

    request = in_assessment(world, "Product Manager", annual_salary_nzd=150000)
    long = "x" * (NOTE_MAX_LENGTH + 1)
    page = signed_in(world.assessor_nztech).post(f"/occupations/assessment/{request.reference}/",
                                                 {"occupation": "135199", "occupation_note": long})
    assert page.status_code == 200 and 'href="#occupation_note"' in page.content.decode()
    assert "Shorten the note to 5,000 characters or fewer: it has 5,001." in page.content.decode()
    api = api_client(world.assessor_nztech).put(f"{API}/requests/{request.reference}/assessment/occupation",
                                                {"code": "135199", "note": long}, content_type="application/json")
    assert api.status_code == 422
    assert not OccupationFinding.objects.filter(request=request).exists()
    # At the limit it is taken, by both.
    done = signed_in(world.assessor_nztech).post(f"/occupations/assessment/{request.reference}/",
                                                 {"occupation": "135199", "occupation_note": long[:-1]}, follow=True)
    assert "You recorded the occupation as 135199" in done.content.decode()


def test_nobody_else_can_post_the_finding(world: World) -> None:
    request = in_assessment(world, "Growth Hacker")
    for user in (world.employer_a, world.assessor_itpnz):
        response = signed_in(user).post(f"/occupations/assessment/{request.reference}/",
                                        {"occupation": "other", "occupation_code": "225113",
                                         "occupation_note": "Markets the app."})
        assert response.status_code == 404
    assert not OccupationFinding.objects.filter(request=request).exists()


# --- the API, for an assessing body's own systems ------------------------------------------------------------------


def test_an_assessing_body_s_system_reads_and_records_the_occupation(world: World, api_client: Any) -> None:
    request = in_assessment(world, "Product Manager", annual_salary_nzd=150000)
    client = api_client(world.assessor_nztech)
    url = f"{API}/requests/{request.reference}/assessment/occupation"
    before = client.get(url).json()
    assert (before["occupation"], before["found_by"], before["pre_assessment"]) == (None, None, "needs_review")

    refused = client.put(url, {"code": "1351", "note": ""}, content_type="application/json")
    assert refused.status_code == 422 and set(refused.json()["fields"]) == {"occupation", "occupation_note"}

    done = client.put(url, {"code": "135199", "note": NOTE}, content_type="application/json")
    assert done.status_code == 200
    assert done.json() == {"reference": request.reference, "occupation": "135199",
                           "described": "135199 ICT Managers nec", "found_by": "assessor", "note": NOTE,
                           "pre_assessment": "eligible"}
    for outsider in (world.assessor_itpnz, world.employer_a):
        assert api_client(outsider).put(url, {"code": "225113", "note": "No."},
                                        content_type="application/json").status_code == 404
    assert OccupationFinding.objects.get(request=request).code == "135199"


# --- a whole pool ----------------------------------------------------------------------------------------------------


def test_a_pool_past_sqlite_s_limit_on_variables_is_read_in_one_query_of_few(world: World) -> None:
    import sqlite3

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bordercase.cases.services.occupations import occupations_of

    found = in_assessment(world, "Product Manager", annual_salary_nzd=150000)
    assessment.occupation_record(request=found, by=world.assessor_nztech, code="135199", note=NOTE)
    # A round's pool as large as a popular scheme's: rows as read (never saved, so the test is quick), with ids past
    # the 32,766 variables SQLite allows a query by default.
    pool = [Request(pk=10_000_000 + i, scheme_id=found.scheme_id, answers={"anzsco_code": "261313"})
            for i in range(33_000)]
    limited = connection.vendor == "sqlite"
    if limited:
        connection.ensure_connection()
        was = connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)
    try:
        with CaptureQueriesContext(connection) as queries:
            occupations = occupations_of([*pool, found])
    finally:
        if limited:
            connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, was)
    assert len(queries) == 1 and len(queries[0]["sql"]) < 1_000  # not a list of every request's id
    assert occupations[found.pk] is not None and occupations[found.pk].found is Found.ASSESSOR
    assert {o.code for pk, o in occupations.items() if pk != found.pk} == {"261313"}
