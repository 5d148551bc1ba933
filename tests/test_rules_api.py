"""The rules API: a scheme's rules as at a date, and evaluation with its trace, for anyone, without a token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from bordercase.api.api import api
from bordercase.lib.throttle import CallRateThrottle

pytestmark = pytest.mark.django_db

OEW = "other-essential-worker-2020"
LONG_TERM = {"role_duration_months": 12, "unique_skills_not_obtainable_in_nz": True, "time_critical": True,
             "annual_salary_nzd": 110000, "hours_per_week": 40}


def _evaluate(body: Any, scheme: str = OEW) -> Any:
    return Client().post(f"/api/v1/rules/{scheme}/evaluate", json.dumps(body), content_type="application/json")


def test_the_rules_as_at_two_dates_give_each_date_s_values_and_what_changed() -> None:
    client = Client()
    earlier = client.get(f"/api/v1/rules/{OEW}?as_at=2020-07-01").json()
    later = client.get(f"/api/v1/rules/{OEW}?as_at=2021-08-01").json()
    median = {r["as_at"]: next(p for p in r["parameters"] if p["name"] == "median_wage_hourly")
              for r in (earlier, later)}
    assert (median["2020-07-01"]["value"], median["2020-07-01"]["effective_from"]) == (25.5, "2020-02-24")
    assert (median["2021-08-01"]["value"], median["2021-08-01"]["effective_from"]) == (27, "2021-07-19")
    assert len(median["2021-08-01"]["values"]) == 6 and "malcolmpacific" in median["2021-08-01"]["reference"]
    assert earlier["edition"]["changes"] == [] and earlier["edition"]["previous"] is None
    assert later["edition"]["effective_from"] == "2021-07-19" and later["edition"]["previous"] == "2020-06-18"
    assert [(c["parameter"], c["before"]["value"], c["after"]["value"]) for c in later["edition"]["changes"]] == [
        ("median_wage_hourly", 25.5, 27)]
    assert [c["id"] for c in later["criteria"]] == ["short_term_criteria", "long_term_criteria"]
    assert later["criteria"][0]["sources"] == ["stuff-2020"] and later["criteria"][0]["clause"].startswith("stuff")
    names = [q["name"] for q in later["questions"]]
    assert names[0] == "role_duration_months" and later["policy_version"] == earlier["policy_version"]


def test_before_the_rules_took_effect_they_are_not_in_force_and_say_when_they_were() -> None:
    rules = Client().get("/api/v1/rules/tech-specialists-2022?as_at=2021-01-01").json()
    assert (rules["in_force"], rules["takes_effect"]) == (False, "2021-12-13")
    assert all(p["value"] is None for p in rules["parameters"])


def test_evaluate_answers_the_outcome_each_criterion_and_the_trace_of_every_value_read() -> None:
    answered = _evaluate({"answers": LONG_TERM, "as_at": "2021-08-01"})
    assert answered.status_code == 200
    got = answered.json()
    assert (got["outcome"], got["as_at"]) == ("ineligible", "2021-08-01")
    assert got["reasons"][0].startswith("A 12-month role is long-term and meets no long-term criterion")
    assert [(c["id"], c["outcome"]) for c in got["criteria"]] == [
        ("short_term_criteria", "met"), ("long_term_criteria", "not_met")]
    read = {(r["criterion"], r["parameter"]): r for r in got["trace"]}
    assert set(read) == {("short_term_criteria", "time_critical_applies_to"),
                         ("long_term_criteria", "short_term_max_months"), ("long_term_criteria", "hours_per_year"),
                         ("long_term_criteria", "median_multiple"), ("long_term_criteria", "median_wage_hourly")}
    median = read[("long_term_criteria", "median_wage_hourly")]
    assert (median["value"], median["effective_from"], median["purpose"]) == (27, "2021-07-19", "value")
    earlier = _evaluate({"answers": LONG_TERM, "as_at": "2020-07-01"}).json()
    assert earlier["outcome"] == "eligible"
    assert next(r for r in earlier["trace"] if r["parameter"] == "median_wage_hourly")["value"] == 25.5


def test_an_unknown_scheme_is_a_404_in_the_error_shape() -> None:
    for answered in (Client().get("/api/v1/rules/no-such-scheme"), _evaluate({"answers": {}}, "no-such-scheme")):
        assert answered.status_code == 404
        assert "There is no scheme 'no-such-scheme'" in answered.json()["message"]


@pytest.mark.parametrize("as_at", ["2021-02-30", "01/08/2021", "1800-01-01"])
def test_a_bad_date_is_a_422_naming_as_at(as_at: str) -> None:
    answered = Client().get(f"/api/v1/rules/{OEW}?as_at={as_at}")
    assert answered.status_code == 422 and set(answered.json()["fields"]) == {"as_at"}
    assert "YYYY-MM-DD" in answered.json()["fields"]["as_at"] or "1900" in answered.json()["fields"]["as_at"]
    evaluated = _evaluate({"answers": LONG_TERM, "as_at": as_at})
    assert evaluated.status_code == 422 and set(evaluated.json()["fields"]) == {"as_at"}


def test_bad_answers_and_a_bad_date_are_refused_together_each_field_with_its_rule() -> None:
    answered = _evaluate({"answers": {"role_duration_months": "twelve", "visa": "work"}, "as_at": "2021-13-01"})
    assert answered.status_code == 422
    fields = answered.json()["fields"]
    assert set(fields) == {"as_at", "answers.role_duration_months", "answers.visa",
                           "answers.unique_skills_not_obtainable_in_nz", "answers.time_critical"}
    assert fields["answers.role_duration_months"].endswith("(type).")
    assert fields["answers.time_critical"].endswith("(required).")


def test_a_date_before_the_rules_took_effect_is_a_422_saying_when_they_did() -> None:
    answered = _evaluate({"answers": {"anzsco_code": "261313", "annual_salary_nzd": 130000,
                                      "employment_agreement_signed": True}, "as_at": "2021-06-30"},
                         "tech-specialists-2022")
    assert answered.status_code == 422
    assert "took effect on 13 December 2021" in answered.json()["fields"]["as_at"]


@pytest.mark.parametrize("body", [{"answers": []}, {"answers": "x"}, {}, [], {"answers": {}, "as_at": 20210801}])
def test_a_body_of_the_wrong_shape_is_a_422_never_a_500(body: Any) -> None:
    answered = _evaluate(body)
    assert answered.status_code == 422 and answered.json()["fields"]


def test_no_token_is_needed_and_the_calls_are_counted_per_address(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    [throttle] = api.throttle
    assert isinstance(throttle, CallRateThrottle)
    monkeypatch.setattr(throttle, "num_requests", 3)
    monkeypatch.setattr(throttle, "duration", 60)
    try:
        statuses = [Client().get(f"/api/v1/rules/{OEW}").status_code for _ in range(3)]
        statuses.append(_evaluate({"answers": LONG_TERM}).status_code)
        other_address = Client(REMOTE_ADDR="192.0.2.7").get(f"/api/v1/rules/{OEW}").status_code
    finally:
        cache.clear()
    assert statuses == [200, 200, 200, 429] and other_address == 200


def test_the_openapi_document_says_the_rules_need_no_token_and_what_each_can_answer() -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    evaluate = paths["/api/v1/rules/{scheme}/evaluate"]["post"]
    read = paths["/api/v1/rules/{scheme}"]["get"]
    assert "security" not in evaluate and "security" not in read
    assert {"404", "422", "429"} <= set(evaluate["responses"]) and "401" not in evaluate["responses"]
    assert {"404", "422", "429"} <= set(read["responses"])
