"""`bordercase policy simulate` over the lodged requests: every kind of parameter accepted, bad values refused naming
the parameter and what it must be (never a traceback), a value from a date, and for the capped tech class the places
and chances a changed allocation gives."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bordercase.cases.models import Request
from bordercase.cli import main
from bordercase.policy import loader
from tests.allocation_support import eligible
from tests.conftest import World
from tests.walking import walk

TECH, OEW = "tech-specialists-2022", "other-essential-worker-2020"
MakeRequest = Callable[..., Request]
CENT = Decimal("0.01")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("policy", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def twice_median_today() -> Decimal:
    return 2 * loader.scheme(OEW).value("median_wage_hourly", timezone.localdate())


def long_term_paid(world: World, make_request: MakeRequest, hourly: Decimal) -> Request:
    answers = {"role_duration_months": 12, "unique_skills_not_obtainable_in_nz": True, "time_critical": True,
               "hourly_rate_nzd": str(hourly), "hours_per_week": 40}
    return walk(make_request(scheme=OEW, body="inz", answers=answers), [("lodge", world.employer_a)])


def test_a_fractional_median_multiple_is_simulated_not_a_type_error(world: World, make_request: MakeRequest) -> None:
    # Paid 80% of twice the median: short of 2 times, over 1.5 times.
    between = long_term_paid(world, make_request, (twice_median_today() * Decimal("0.8")).quantize(Decimal("0.01")))
    long_term_paid(world, make_request, twice_median_today() + 1)

    report = json.loads(run("simulate", OEW, "--set", "median_multiple=1.5", "--json"))

    assert (report["requests"], report["changed"]) == (2, 1)
    assert report["examples"] == [between.reference]
    assert report["outcomes"] == [{"from": "ineligible", "to": "eligible", "requests": 1}]
    assert report["changes"] == {"median_multiple": 1.5}
    assert "places" not in report  # no capped places under this scheme
    assert "1 of 2 requests change outcome" in run("simulate", OEW, "--set", "median_multiple=1.5")


def test_a_value_from_a_later_date_leaves_todays_requests_alone(world: World, make_request: MakeRequest) -> None:
    long_term_paid(world, make_request, (twice_median_today() * Decimal("0.8")).quantize(Decimal("0.01")))
    later = (timezone.localdate().replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    report = json.loads(run("simulate", OEW, "--set", f"median_multiple=1.5@{later.isoformat()}", "--json"))
    assert report["changed"] == 0
    assert report["changes"] == {"median_multiple": f"1.5@{later.isoformat()}"}
    moved = json.loads(run("simulate", OEW, "--set", f"median_multiple=1.5@{later.isoformat()}",
                           "--as-at", later.isoformat(), "--json"))
    assert moved["changed"] == 1 and moved["as_at"] == later.isoformat()


def oew_lodged(world: World, make_request: MakeRequest, **answers: object) -> Request:
    given = {"role_duration_months": 12, "unique_skills_not_obtainable_in_nz": True, "time_critical": True,
             "hours_per_week": 40, **answers}
    return walk(make_request(scheme=OEW, body="inz", answers=given), [("lodge", world.employer_a)])


def tech_lodged(world: World, make_request: MakeRequest, **answers: object) -> Request:
    from tests.conftest import ANSWERS

    return walk(make_request(answers={**ANSWERS[TECH], **answers}), [("lodge", world.employer_a)])


def one_moved(report: dict[str, object], before: str, after: str) -> bool:
    return (report["changed"], report["outcomes"]) == (1, [{"from": before, "to": after, "requests": 1}])


# Each kind of parameter with a pool its change moves, and what it must move: the value read and applied, not only
# named in the report.
KINDS: list[tuple[str, str, Callable[[World, MakeRequest], object], Callable[[dict[str, Any]], bool]]] = [
    # Paid 80% of twice the median: short of 2 times, over 1.5 times.
    ("multiple", "median_multiple=1.5",
     lambda w, m: oew_lodged(w, m, hourly_rate_nzd=str((twice_median_today() * Decimal("0.8")).quantize(CENT))),
     lambda r: one_moved(r, "ineligible", "eligible")),
    # NZ$56 an hour: short of twice today's median, over twice NZ$27.50.
    ("money", "median_wage_hourly=27.50", lambda w, m: oew_lodged(w, m, hourly_rate_nzd="56.00"),
     lambda r: one_moved(r, "ineligible", "eligible")),
    ("money-in-a-table", "salary_thresholds.2613=110000", lambda w, m: tech_lodged(w, m, annual_salary_nzd=115000),
     lambda r: one_moved(r, "ineligible", "eligible")),
    # An 8-month role paid little: long-term under 6 months, short-term under 9, which needs no pay.
    ("months", "short_term_max_months=9", lambda w, m: oew_lodged(w, m, role_duration_months=8,
                                                                   hourly_rate_nzd="25.00"),
     lambda r: one_moved(r, "ineligible", "eligible")),
    # A salary without the hours: over 2,000 hours it meets twice the median, over 2,080 it does not.
    ("hours", "hours_per_year=1950",
     lambda w, m: oew_lodged(w, m, hours_per_week=None, annual_salary_nzd=str(twice_median_today() * 2000)),
     lambda r: one_moved(r, "ineligible", "needs_review")),
    ("hours-per-week", "twice_median_minimum_hours=35",
     lambda w, m: oew_lodged(w, m, hours_per_week=32, hourly_rate_nzd=str(twice_median_today())),
     lambda r: one_moved(r, "eligible", "ineligible")),
    # Without a pipeline programme: refused while the commitments are mandatory, eligible once advisory.
    ("flag", "industry_commitments_mandatory=false", lambda w, m: tech_lodged(w, m, pipeline_programmes=[]),
     lambda r: one_moved(r, "ineligible", "eligible")),
    ("names", "pipeline_programmes=Shadowtech; TechHub",
     lambda w, m: tech_lodged(w, m, pipeline_programmes=["Summer of Tech"]),
     lambda r: r["changed"] == 1 and r["outcomes"][0]["from"] == "eligible"),
    # Unique skills but not time critical: a short-term criterion only under Immigration NZ's reading.
    ("choice", "time_critical_applies_to=significant_work_only",
     lambda w, m: oew_lodged(w, m, time_critical=False, hourly_rate_nzd=str(twice_median_today())),
     lambda r: one_moved(r, "ineligible", "eligible")),
    ("count", "places=300", lambda w, m: eligible(w),
     lambda r: (r["places"]["before"]["places"], r["places"]["after"]["places"]) == (600, 300)),
    ("method", "allocation_method=order_of_receipt", lambda w, m: eligible(w),
     lambda r: (r["places"]["before"]["method"], r["places"]["after"]["method"]) == ("ballot", "order_of_receipt")),
    ("caps", "ballot_category_caps=2613: 1", lambda w, m: [eligible(w), eligible(w, employer="b")],
     lambda r: [(c["category"], c["cap_after"], c["places_before"], c["places_after"])
                for c in r["places"]["categories"]] == [("2613", 1, 2.0, 1.0)]),
    ("employer-cap", "ballot_employer_cap=1", lambda w, m: [eligible(w), eligible(w)],
     lambda r: [(c["places_before"], c["places_after"]) for c in r["places"]["categories"]] == [(2.0, 1.0)]),
    ("weights", "ballot_weight_by_salary_band.bands.150000=2",
     lambda w, m: [eligible(w, answers={"annual_salary_nzd": 200000}), eligible(w)],
     lambda r: sorted((c["weight_before"], c["weight_after"]) for c in r["places"]["chances"]) == [(1, 1), (1, 2)]),
    ("from-a-date", "places=300@2022-03-01", lambda w, m: eligible(w),
     lambda r: (r["places"]["before"]["places"], r["places"]["after"]["places"]) == (600, 300)),
]


@pytest.mark.parametrize(("change", "pool", "moved"), [pytest.param(c, p, m, id=k) for k, c, p, m in KINDS])
def test_simulate_applies_every_kind_of_parameter(world: World, make_request: MakeRequest, change: str,
                                                  pool: Callable[[World, MakeRequest], object],
                                                  moved: Callable[[dict[str, Any]], bool]) -> None:
    pool(world, make_request)
    scheme_id = TECH if change.split("=")[0].split(".")[0] in loader.scheme(TECH).parameters else OEW
    report = json.loads(run("simulate", scheme_id, "--set", change, "--json"))
    assert change.split("=")[0] in report["changes"]
    assert moved(report), report


@pytest.mark.parametrize(("change", "words"), [
    pytest.param("median_multiple=twice", "--set median_multiple: median_multiple is a number, so it cannot be set "
                 "to 'twice': give a number more than 0, such as 1.5.", id="multiple"),
    pytest.param("median_wage_hourly=-2", "--set median_wage_hourly: ", id="money"),
    pytest.param("isolation_days=7.5", "give a whole number, 0 or more", id="days"),
    pytest.param("travel_needs_employment_agreement=perhaps", "give true or false", id="flag"),
    pytest.param("median_multiple=1.5@2022-13-01", "the date after @ must be a real date", id="date"),
    pytest.param("median_multipl=1.5", "has no parameter 'median_multipl'", id="unknown"),
])
def test_simulate_refuses_a_bad_value_naming_the_parameter_and_the_rule(world: World, change: str, words: str
                                                                        ) -> None:
    with pytest.raises(CommandError) as refused:
        run("simulate", OEW, "--set", change)
    assert words in str(refused.value)


def test_an_allocation_method_the_rounds_do_not_know_is_refused(world: World) -> None:
    with pytest.raises(CommandError, match=r"--set allocation_method: allocation_method is one of ballot or "
                                           r"order_of_receipt, so it cannot be set to 'lottery'"):
        run("simulate", TECH, "--set", "allocation_method=lottery")


def test_every_bad_value_is_named_at_once(world: World) -> None:
    with pytest.raises(CommandError) as refused:
        run("simulate", TECH, "--set", "places=lots", "--set", "ballot_employer_cap=-1", "--set", "places.x=1")
    message = str(refused.value)
    assert "--set ballot_employer_cap:" in message and "--set places.x:" in message
    assert "`bordercase policy show tech-specialists-2022`" in message


def test_the_bordercase_command_refuses_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    # No database here: the value is refused before any request is read, and Django's command runner closes every
    # connection when it ends, which would take the module's world with it.
    with pytest.raises(SystemExit) as stopped:
        main(["policy", "simulate", OEW, "--set", "median_multiple=lots"])
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert "median_multiple is a number, so it cannot be set to 'lots'" in err and "Traceback" not in err


def test_more_places_are_modelled_not_reported_as_no_change(world: World) -> None:
    waiting = [eligible(world, answers={"annual_salary_nzd": 130000 + i}) for i in range(4)]

    report = json.loads(run("simulate", TECH, "--set", "places=2", "--json"))

    places = report["places"]
    assert (places["before"]["places"], places["after"]["places"], places["entries"]) == (600, 2, 4)
    assert places["exact"] is True
    assert places["categories"] == [{"category": "2613", "entries_before": 4, "entries_after": 4, "cap_before": None,
                                     "cap_after": None, "places_before": 4.0, "places_after": 2.0}]
    assert {c["request"] for c in places["chances"]} == {r.reference for r in waiting}
    assert {(c["chance_before"], c["chance_after"]) for c in places["chances"]} == {(1.0, 0.5)}
    text = run("simulate", TECH, "--set", "places=2")
    assert "Places: 600 → 2 (ballot → ballot), 4 requests waiting; chances exact." in text
    assert "100.0%" in text and "50.0%" in text


def test_caps_and_weights_are_estimated_by_simulated_draws(world: World) -> None:
    for i in range(3):
        eligible(world, answers={"annual_salary_nzd": 200000 + i})
    eligible(world, answers={"anzsco_code": "262111", "annual_salary_nzd": 130000})

    report = json.loads(run("simulate", TECH, "--set", "places=2", "--set", "ballot_category_caps.2613=1",
                            "--set", "ballot_weight_by_salary_band.bands.150000=3", "--draws", "500", "--json"))

    places = report["places"]
    assert places["exact"] is False and places["draws"] == 500
    by_category = {c["category"]: c for c in places["categories"]}
    assert by_category["2613"]["places_after"] == 1.0 and by_category["2613"]["cap_after"] == 1
    assert by_category["2621"]["places_after"] == 1.0  # the cap leaves the second place to the other category


def test_draws_out_of_range_are_refused(world: World) -> None:
    with pytest.raises(CommandError, match="--draws '5' must be a whole number from 100"):
        run("simulate", TECH, "--set", "places=2", "--draws", "5")


def test_a_waiting_entry_the_changed_rules_find_ineligible_leaves_the_pool(world: World) -> None:
    programmers = [eligible(world) for _ in range(2)]
    analyst = eligible(world, answers={"anzsco_code": "262111", "annual_salary_nzd": 130000})

    report = json.loads(run("simulate", TECH, "--set", "places=2", "--set", "salary_thresholds.2621=140000",
                            "--json"))

    assert report["examples"] == [analyst.reference] and report["places"]["leaving"] == 1
    chances = {c["request"]: c["chance_after"] for c in report["places"]["chances"]}
    assert chances == {programmers[0].reference: 1.0, programmers[1].reference: 1.0, analyst.reference: 0.0}


def test_the_places_read_the_occupation_as_freezing_does(world: World) -> None:
    from tests.test_occupations_assessment import eligible_by_title

    devops = eligible_by_title(world, "DevOps Engineer")  # coded from its title by the maintained table
    manager = eligible_by_title(world, "Product Manager", "135199")  # the assessor's finding

    report = json.loads(run("simulate", TECH, "--set", "places=1", "--set", "ballot_category_caps.1351=0",
                            "--json"))

    chances = {c["request"]: (c["category"], c["chance_after"]) for c in report["places"]["chances"]}
    assert chances == {devops.reference: ("2613", 1.0), manager.reference: ("1351", 0.0)}
    assert report["places"]["leaving"] == 0  # the rules read the assessor's finding, as they did when found eligible
    lowered = json.loads(run("simulate", TECH, "--set", "salary_thresholds.1351=200000", "--json"))
    assert lowered["categories"] == [{"category": "1351", "from": "eligible", "to": "ineligible", "requests": 1}]


def test_the_outcomes_by_category_read_a_title_coded_to_one_occupation(world: World) -> None:
    from tests.test_occupations_assessment import eligible_by_title

    devops = eligible_by_title(world, "DevOps Engineer")  # no code given, no finding: coded from its title

    report = json.loads(run("simulate", TECH, "--set", "salary_thresholds.2613=200000", "--set", "places=1",
                            "--json"))

    # Counted under the category the places and chances give it, not under none.
    assert report["categories"] == [{"category": "2613", "from": "eligible", "to": "ineligible", "requests": 1}]
    assert [c["category"] for c in report["places"]["categories"]] == ["2613"]
    assert report["places"]["leaving"] == 1 and report["examples"] == [devops.reference]


@pytest.mark.parametrize(("change", "words"), [
    pytest.param("ballot_weight_by_salary_band.bands.abc=2", "--set ballot_weight_by_salary_band.bands.abc: "
                 "ballot_weight_by_salary_band.bands.abc: a band is named by its lower bound in whole New Zealand "
                 "dollars a year, such as 150000, not 'abc'.", id="band"),
    pytest.param("ballot_category.answer=salary", "--set ballot_category.answer: ballot_category.answer: 'salary' "
                 "is not a question of tech-specialists-2022", id="answer"),
    pytest.param("ballot_category=answer: [x]", "--set ballot_category.answer: ballot_category.answer is text, so "
                 "it cannot be set to '[x]'", id="answer-a-list"),
])
def test_simulate_refuses_an_answer_or_band_the_scheme_does_not_have(world: World, change: str, words: str) -> None:
    eligible(world)
    with pytest.raises(CommandError) as refused:
        run("simulate", TECH, "--set", change)
    assert words in str(refused.value)
