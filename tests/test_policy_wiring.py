"""The scheme's rules inside the case system: lodging evaluates, the API and the page show it, the `policy` command."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.cases.models import Evaluation, Event, Person, Request
from bordercase.cli import main
from bordercase.lib.errors import InvalidInput
from bordercase.policy import casebook, loader
from tests.conftest import ANSWERS, World, api_post, window_around
from tests.walking import walk

API = "/api/v1"
TECH = "tech-specialists-2022"
NOMINEE = {"given_names": "Emily", "family_name": "Hartley", "date_of_birth": "1985-09-03", "nationality": "GBR",
           "passport_number": "533201987", "email": "emily.hartley@example.com"}
# 13:30 UTC on 31 May 2024 is 01:30 on 1 June 2024 in Auckland: the two calendars disagree on the date.
UTC_EVENING = dt.datetime(2024, 5, 31, 13, 30, tzinfo=dt.UTC)
NZ_DAY = dt.date(2024, 6, 1)
MakeRequest = Callable[..., Request]
ClientFor = Callable[[User], Client]


def tech_answers(**changes: Any) -> dict[str, Any]:
    answers = {**ANSWERS[TECH], **changes}
    return {k: v for k, v in answers.items() if v is not None}


def lodge(request: Request, world: World) -> Request:
    return walk(request, [("lodge", world.employer_a)])




def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("policy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- lodging evaluates and keeps the evaluation ------------------------------------------------------------------


def test_lodging_stores_one_evaluation_as_at_the_day_in_new_zealand(world: World, make_request: MakeRequest) -> None:
    draft = make_request(answers=tech_answers(lodged_on="2021-12-13"))  # an employer may not choose the rules' date
    assert draft.answers["lodged_on"] == "2021-12-13" and not Evaluation.objects.exists()
    window_around(TECH, UTC_EVENING)

    with time_machine.travel(UTC_EVENING, tick=False):
        assert timezone.now().date() != NZ_DAY  # the test means something only if UTC is still on the day before
        lodged = lodge(draft, world)

    [evaluation] = Evaluation.objects.filter(request=lodged)
    policy = loader.scheme(TECH)
    assert evaluation.policy_version == policy.policy_version
    assert evaluation.as_at == NZ_DAY
    assert evaluation.outcome == Evaluation.Outcome.ELIGIBLE
    assert [c["id"] for c in evaluation.criteria] == [c.id for c in policy.criteria]
    assert all(c["outcome"] == "met" and c["mandatory"] is True for c in evaluation.criteria)
    assert evaluation.answers == {**ANSWERS[TECH], "lodged_on": "2024-06-01"}
    assert Request.objects.get(pk=draft.pk).answers["lodged_on"] == "2024-06-01"
    assert lodged.status == "lodged"

    # What was stored is what the rules give again for the stored answers and date.
    again = policy.evaluate(policy.check(evaluation.answers), evaluation.as_at)
    assert [c.as_json() for c in again.criteria] == evaluation.criteria
    assert again.outcome.value == evaluation.outcome


def test_lodging_records_what_the_rules_find_even_when_it_is_ineligible(
    world: World, make_request: MakeRequest
) -> None:
    lodged = lodge(make_request(answers=tech_answers(annual_salary_nzd=100000)), world)
    evaluation = Evaluation.objects.get(request=lodged)
    assert evaluation.outcome == "ineligible"
    salary = next(c for c in evaluation.criteria if c["id"] == "salary_threshold")
    assert salary["outcome"] == "not_met" and "Salary NZ$100,000 is below the NZ$120,000 threshold" in salary["reason"]


@pytest.mark.parametrize(("answers", "field"), [
    pytest.param(tech_answers(annual_salary_nzd=None), "answers.annual_salary_nzd", id="missing-salary"),
    pytest.param(tech_answers(anzsco_code=None), "answers.anzsco_code or job_title", id="no-role"),
])
def test_lodging_answers_that_break_the_rules_is_refused_and_leaves_a_draft(
    world: World, make_request: MakeRequest, answers: dict[str, Any], field: str
) -> None:
    draft = make_request(answers=answers)  # a draft may be incomplete
    events = list(Event.objects.filter(request=draft).values_list("pk", flat=True))

    with pytest.raises(InvalidInput) as refused:
        lodge(draft, world)

    assert set(refused.value.errors) == {field}
    assert "Correct it before lodging" in refused.value.errors[field]
    row = Request.objects.get(pk=draft.pk)
    assert (row.status, row.lodged_at, row.answers) == ("draft", None, answers)
    assert not Evaluation.objects.exists()
    assert list(Event.objects.filter(request=draft).values_list("pk", flat=True)) == events


def test_lodging_before_the_rules_were_in_force_is_refused(world: World, make_request: MakeRequest) -> None:
    draft = make_request()
    window_around(TECH, dt.datetime(2021, 6, 1, 9, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2021, 6, 1, 9, tzinfo=dt.UTC), tick=False), \
            pytest.raises(InvalidInput) as refused:
        lodge(draft, world)
    assert set(refused.value.errors) == {"scheme"} and "no rules in force today" in refused.value.errors["scheme"]
    assert Request.objects.get(pk=draft.pk).status == "draft" and not Evaluation.objects.exists()


def test_an_individual_s_expression_of_interest_is_left_to_an_assessor(world: World, make_request: MakeRequest) -> None:
    lodged = walk(make_request(scheme="eoi-family-2020", by=world.individual, body="inz"),
                  [("lodge", world.individual)])
    evaluation = Evaluation.objects.get(request=lodged)
    assert evaluation.outcome == "needs_review"
    assert evaluation.policy_version == loader.scheme("eoi-family-2020").policy_version
    assert [c["id"] for c in evaluation.criteria] == ["assessor_review"]


# --- the API -----------------------------------------------------------------------------------------------------


def create_body(world: World, answers: dict[str, Any]) -> dict[str, Any]:
    return {"scheme": TECH, "organisation_nzbn": world.org_a.nzbn, "assessing_body": "nztech", "nominee": NOMINEE,
            "answers": answers}


@pytest.mark.parametrize(("answers", "fields"), [
    pytest.param({"job_title": "Software Engineer", "visa_category": "work"}, {"answers.visa_category"},
                 id="unknown-name"),
    pytest.param({"annual_salary_nzd": "lots"}, {"answers.annual_salary_nzd"}, id="wrong-type"),
    pytest.param({"employment_agreement_signed": "yes", "lodged_on": "2022-02-30"},
                 {"answers.employment_agreement_signed", "answers.lodged_on"}, id="two-at-once"),
])
def test_creating_a_draft_with_bad_answers_is_422_naming_each_answer_and_stores_nothing(
    world: World, api_client: ClientFor, answers: dict[str, Any], fields: set[str]
) -> None:
    response = api_post(api_client(world.employer_a), "/requests", create_body(world, answers))
    assert response.status_code == 422
    assert set(response.json()["fields"]) == fields
    assert not Request.objects.exists() and not Event.objects.exists() and not Person.objects.exists()


def test_a_partial_draft_is_accepted_and_has_no_evaluation(world: World, api_client: ClientFor) -> None:
    response = api_post(api_client(world.employer_a),
                        "/requests", create_body(world, {"job_title": "Software Engineer"}))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["answers"] == {"job_title": "Software Engineer"} and body["evaluation"] is None
    assert Request.objects.get(reference=body["reference"]).answers == {"job_title": "Software Engineer"}


def test_the_api_shows_the_evaluation_after_lodging_and_null_before(
    world: World, make_request: MakeRequest, api_client: ClientFor
) -> None:
    client = api_client(world.employer_a)
    draft = make_request()
    assert client.get(f"{API}/requests/{draft.reference}").json()["evaluation"] is None

    lodged = api_post(client, f"/requests/{draft.reference}/transitions/lodge", {"reason": "Ready."})
    assert lodged.status_code == 200

    stored = Evaluation.objects.get(request=draft)
    shown = client.get(f"{API}/requests/{draft.reference}").json()["evaluation"]
    assert lodged.json()["evaluation"] == shown
    assert (shown["outcome"], shown["policy_version"], shown["as_at"]) == (
        "eligible", loader.scheme(TECH).policy_version, stored.as_at.isoformat())
    assert shown["criteria"] == stored.criteria
    assert [c["id"] for c in shown["criteria"]] == [c.id for c in loader.scheme(TECH).criteria]
    for criterion in shown["criteria"]:
        assert set(criterion) == {"id", "outcome", "reason", "clause", "mandatory"}
        assert criterion["reason"] and criterion["clause"]
    assert any("Salary NZ$145,000 meets" in c["reason"] for c in shown["criteria"])


def test_the_list_shows_each_request_s_evaluation(
    world: World, make_request: MakeRequest, api_client: ClientFor
) -> None:
    draft = make_request()
    lodged = lodge(make_request(answers=tech_answers(annual_salary_nzd=100000)), world)
    items = {i["reference"]: i for i in api_client(world.employer_a).get(f"{API}/requests").json()["items"]}
    assert set(items) == {draft.reference, lodged.reference}
    assert items[draft.reference]["evaluation"] is None
    assert items[lodged.reference]["evaluation"]["outcome"] == "ineligible"
    assert items[lodged.reference]["evaluation"]["policy_version"] == loader.scheme(TECH).policy_version


# --- the request page --------------------------------------------------------------------------------------------


def test_the_request_page_shows_what_the_rules_found_after_lodging(
    world: World, make_request: MakeRequest, client: Client
) -> None:
    client.force_login(world.employer_a)
    draft = make_request()
    before = html.unescape(client.get(f"/requests/{draft.reference}/").content.decode())
    assert draft.reference in before and "What the scheme's rules found" not in before

    lodge(draft, world)
    response = client.get(f"/requests/{draft.reference}/")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    evaluation = Evaluation.objects.get(request=draft)
    assert "What the scheme's rules found" in page and "likely eligible" in page
    assert "Salary NZ$145,000 meets the NZ$120,000 threshold" in page
    for criterion in evaluation.criteria:
        assert criterion["reason"] in page and criterion["clause"] in page
    assert f"Policy version {evaluation.policy_version}." in page


# --- the policy command ------------------------------------------------------------------------------------------


def test_policy_list_names_every_scheme_with_its_version() -> None:
    out, _ = run("list")
    lines = out.splitlines()
    assert len(lines) == len(loader.schemes())
    for scheme in loader.schemes().values():
        [line] = [line for line in lines if line.startswith(scheme.id + " ")]
        assert scheme.version in line and scheme.title in line


def test_bordercase_policy_reaches_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    main(["policy", "list"])
    out = capsys.readouterr().out
    assert all(scheme_id in out for scheme_id in loader.schemes())


def test_policy_list_still_lists_when_a_case_file_is_broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(casebook, "SCHEMES", tmp_path)
    cases = tmp_path / "tech_specialists_2022" / "tests"
    cases.mkdir(parents=True)
    (cases / "broken.yaml").write_text("cases: [\n", encoding="utf-8")
    out, _ = run("list")
    assert all(scheme_id in out for scheme_id in loader.schemes())


def test_policy_show_prints_parameters_with_dates_and_sources() -> None:
    out, _ = run("show", TECH)
    scheme = loader.scheme(TECH)
    assert out.startswith(f"{scheme.title} ({TECH}), policy version {scheme.version}")
    for parameter in scheme.parameters.values():
        assert f"  {parameter.name} ({parameter.unit}): " in out
        for value in parameter.values:
            assert f"    from {value.effective_from.isoformat()}: " in out
    assert "    from 2021-12-13: 600\n      source: mbie-2021" in out
    assert "  salary_threshold (mandatory): " in out
    assert "  domestic_pipeline (mandatory if industry_commitments_mandatory): " in out

    shared, _ = run("show", "other-essential-worker-2020")
    for effective_from in ("2018-11-26", "2020-02-24", "2021-07-19", "2022-07-04"):
        assert f"    from {effective_from}: " in shared


def test_policy_show_of_an_unknown_scheme_names_the_schemes() -> None:
    with pytest.raises(CommandError, match="There is no scheme 'tech-2099'") as refused:
        run("show", "tech-2099")
    assert TECH in str(refused.value) and "bordercase policy list" in str(refused.value)


def test_policy_evaluate_writes_one_line_per_input_and_exits_1_on_bad_answers(tmp_path: Path) -> None:
    entries = [{"id": "a", "answers": tech_answers()},
               {"id": "b", "answers": tech_answers(annual_salary_nzd=-1)},
               {"id": "c", "answers": tech_answers(annual_salary_nzd=100000)}]
    source = tmp_path / "answers.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("policy", "evaluate", TECH, str(source), "--as-at", "2022-03-01", stdout=out, stderr=err)

    assert exited.value.code == 1
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert [r.get("outcome") for r in results] == ["eligible", None, "ineligible"]
    assert [(e["field"], e["rule"]) for e in results[1]["errors"]] == [("annual_salary_nzd", "not_negative")]
    assert {r["as_at"] for r in results if "outcome" in r} == {"2022-03-01"}
    assert "1 line(s) had bad answers" in err.getvalue()


def test_policy_evaluate_of_good_answers_exits_normally(tmp_path: Path) -> None:
    source = tmp_path / "answers.jsonl"
    source.write_text(json.dumps({"id": 1, "answers": tech_answers(lodged_on="2022-03-01")}) + "\n", encoding="utf-8")
    out, err = run("evaluate", TECH, str(source))
    [result] = [json.loads(line) for line in out.splitlines()]
    assert (result["id"], result["outcome"], result["as_at"]) == (1, "eligible", "2022-03-01")
    assert err == ""


def test_policy_evaluate_of_a_missing_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        run("evaluate", TECH, str(tmp_path / "missing.jsonl"))


def test_policy_test_runs_a_scheme_s_cases() -> None:
    out, _ = run("test", TECH)
    count = len(casebook.run(loader.scheme(TECH)))
    assert f"{TECH}: {count} of {count} cases pass" in out and f"All {count} cases pass." in out


def test_policy_test_passes_for_every_scheme() -> None:
    out, _ = run("test")
    assert "All " in out and "FAIL" not in out
    assert all(f"{scheme_id}: " in out for scheme_id in loader.schemes())


def test_policy_test_fails_on_a_wrong_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(casebook, "SCHEMES", tmp_path)
    cases = tmp_path / "tech_specialists_2022" / "tests"
    cases.mkdir(parents=True)
    (cases / "wrong.yaml").write_text(
        "cases:\n"
        "  - name: A programmer on NZ$100,000 is wrongly expected to be eligible\n"
        "    as_at: 2022-03-01\n"
        f"    answers: {json.dumps(tech_answers(annual_salary_nzd=100000))}\n"
        "    outcome: eligible\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 cases failed"):
        call_command("policy", "test", TECH, stdout=out)
    assert f"FAIL {cases / 'wrong.yaml'}:2: A programmer on NZ$100,000" in out.getvalue()
    assert "outcome is ineligible, expected eligible" in out.getvalue()


def test_policy_simulate_reports_how_many_lodged_requests_change(world: World, make_request: MakeRequest) -> None:
    just_over = lodge(make_request(answers=tech_answers(annual_salary_nzd=145000)), world)
    lodge(make_request(answers=tech_answers(annual_salary_nzd=250000)), world)
    make_request(answers=tech_answers(annual_salary_nzd=150000))  # a draft is not in the pool

    out, _ = run("simulate", TECH, "--set", "salary_thresholds.2613=200000", "--json")

    report = json.loads(out)
    assert (report["requests"], report["changed"], report["not_in_force"]) == (2, 1, 0)
    assert report["outcomes"] == [{"from": "eligible", "to": "ineligible", "requests": 1}]
    assert report["criteria"] == [{"criterion": "salary_threshold", "from": "met", "to": "not_met", "requests": 1}]
    assert report["examples"] == [just_over.reference]
    assert report["changes"] == {"salary_thresholds.2613": 200000}
    assert report["policy_version"].startswith(loader.scheme(TECH).version + "+what-if(")

    text, _ = run("simulate", TECH, "--set", "salary_thresholds.2613=200000")
    assert "1 of 2 requests change outcome" in text and just_over.reference in text


def test_policy_simulate_refuses_a_table_for_a_money_threshold(world: World, make_request: MakeRequest) -> None:
    lodge(make_request(), world)
    with pytest.raises(CommandError, match=r"salary_thresholds\.2613 is a number"):
        run("simulate", TECH, "--set", "salary_thresholds.2613={from: 130000}")


@pytest.mark.parametrize(("change", "words"), [
    pytest.param("salary_threshold=130000", "has no parameter 'salary_threshold'", id="unknown-parameter"),
    pytest.param("salary_thresholds.9999=130000", "salary_thresholds has no part '9999'", id="unknown-part"),
    pytest.param("places=many", "places is a number, so it cannot be set to 'many'", id="wrong-kind"),
    pytest.param("salary_thresholds.2613", "is not NAME=VALUE", id="no-value"),
])
def test_policy_simulate_refuses_a_bad_set_naming_the_parameter(world: World, change: str, words: str) -> None:
    with pytest.raises(CommandError) as refused:
        run("simulate", TECH, "--set", change)
    assert words in str(refused.value)
