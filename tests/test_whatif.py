"""The what-if's pure parts: overrides read into each parameter's own kind (and refused naming the parameter and
what it must be), values that apply from a date, the outcome changes by category, and the places a capped scheme
expects under changed places, caps, weights and method."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from bordercase.cases.places_whatif import Waiting, places_whatif
from bordercase.policy import loader
from bordercase.policy.outcomes import Outcome
from bordercase.policy.overrides import Refusals, change_read, changes_read, value_read, value_text
from bordercase.policy.parameters import BadOverride, Dated
from bordercase.policy.scheme import Scheme
from bordercase.policy.whatif import simulate, table
from tests.conftest import ANSWERS

TECH, OEW = "tech-specialists-2022", "other-essential-worker-2020"
DAY = dt.date(2022, 3, 1)


def tech() -> Scheme:
    return loader.scheme(TECH)


def oew() -> Scheme:
    return loader.scheme(OEW)


def long_term(hourly: str) -> dict[str, Any]:
    """A 12-month role paid by the hour, 40 hours a week: only the pay limb can make it eligible."""
    return {"role_duration_months": 12, "unique_skills_not_obtainable_in_nz": True, "time_critical": True,
            "hourly_rate_nzd": hourly, "hours_per_week": 40}


# --- every parameter kind is read into its own kind ----------------------------------------------------------------


@pytest.mark.parametrize(("scheme_id", "text", "name", "value"), [
    pytest.param(OEW, "median_multiple=1.5", "median_multiple", Decimal("1.5"), id="multiple-as-decimal"),
    pytest.param(OEW, "median_wage_hourly=27.50", "median_wage_hourly", Decimal("27.50"), id="money-hourly"),
    pytest.param(TECH, "salary_thresholds.2613=NZ$110,000", "salary_thresholds.2613", Decimal(110000),
                 id="money-part-of-a-table"),
    pytest.param(TECH, "places=300", "places", 300, id="count"),
    pytest.param(OEW, "short_term_max_months=9", "short_term_max_months", 9, id="months"),
    pytest.param(OEW, "isolation_days=7", "isolation_days", 7, id="days"),
    pytest.param(OEW, "hours_per_year=1950", "hours_per_year", 1950, id="hours"),
    pytest.param(OEW, "twice_median_minimum_hours=35", "twice_median_minimum_hours", 35, id="hours-per-week"),
    pytest.param(TECH, "industry_commitments_mandatory=false", "industry_commitments_mandatory", False, id="flag"),
    pytest.param(TECH, "pipeline_programmes=Summer of Tech; Shadowtech", "pipeline_programmes",
                 ("Summer of Tech", "Shadowtech"), id="names"),
    pytest.param(TECH, "industry_bodies=[NZTech, AI Forum]", "industry_bodies", ("NZTech", "AI Forum"),
                 id="names-as-yaml"),
    pytest.param(OEW, "time_critical_applies_to=significant_work_only", "time_critical_applies_to",
                 "significant_work_only", id="choice"),
    pytest.param(TECH, "allocation_method=order_of_receipt", "allocation_method", "order_of_receipt",
                 id="method"),
    pytest.param(TECH, "ballot_category_caps=2613: 100, 2621: 50", "ballot_category_caps",
                 {"2613": 100, "2621": 50}, id="caps-table"),
    pytest.param(TECH, "ballot_category_caps.2613=100", "ballot_category_caps.2613", 100, id="one-cap"),
    pytest.param(TECH, "ballot_employer_cap=10", "ballot_employer_cap", 10, id="employer-cap"),
    pytest.param(TECH, "ballot_weight_by_salary_band.bands.150000=2", "ballot_weight_by_salary_band.bands.150000",
                 2, id="weight-band"),
    pytest.param(TECH, "ballot_weight_by_salary_band=bands: {0: 1, 150000: 3}", "ballot_weight_by_salary_band",
                 {"answer": "annual_salary_nzd", "bands": {"0": 1, "150000": 3}}, id="weights-table"),
])
def test_each_kind_of_parameter_is_read_into_its_own_kind(scheme_id: str, text: str, name: str, value: Any) -> None:
    scheme = loader.scheme(scheme_id)
    read_name, read_value = change_read(scheme, text)
    assert (read_name, read_value) == (name, value)
    assert type(read_value) is type(value)
    scheme.what_if({read_name: read_value})  # the scheme takes what was read


@pytest.mark.parametrize(("scheme_id", "text", "field", "rule"), [
    pytest.param(OEW, "median_multiple=0", "median_multiple", "a number more than 0", id="multiple-zero"),
    pytest.param(OEW, "median_multiple=twice", "median_multiple", "a number more than 0", id="multiple-text"),
    pytest.param(OEW, "median_wage_hourly=-1", "median_wage_hourly", "New Zealand dollars, 0 or more",
                 id="money-negative"),
    pytest.param(TECH, "places=1.5", "places", "a whole number, 0 or more", id="count-fraction"),
    pytest.param(TECH, "places=many", "places", "a whole number, 0 or more", id="count-text"),
    pytest.param(TECH, "places=-3", "places", "a whole number, 0 or more", id="count-negative"),
    pytest.param(TECH, "places=", "places", "has no value", id="count-empty"),
    pytest.param(TECH, "industry_commitments_mandatory=maybe", "industry_commitments_mandatory", "true or false",
                 id="flag"),
    pytest.param(TECH, "pipeline_programmes=[unclosed", "pipeline_programmes", "a list of names", id="names"),
    pytest.param(TECH, "ballot_category_caps=2613: lots", "ballot_category_caps.2613", "a whole number",
                 id="cap-in-a-table"),
    pytest.param(TECH, "ballot_weight_by_salary_band.bands.150000=0", "ballot_weight_by_salary_band.bands.150000",
                 "1 or more", id="weight-zero"),
    pytest.param(TECH, "allocation_method={ballot: 1}", "allocation_method", "text", id="choice-table"),
    pytest.param(TECH, "salary_thresholds.2613={from: 130000}", "salary_thresholds.2613", "New Zealand dollars",
                 id="money-table"),
    pytest.param(TECH, "salary_thresholds.9999=100000", "salary_thresholds.9999", "has no part '9999'",
                 id="unknown-part"),
    pytest.param(TECH, "ballot_category.digits=4", "ballot_category.digits", "its parts are answer, characters",
                 id="unknown-named-part"),
    pytest.param(TECH, "salary_threshold=130000", "salary_threshold", "has no parameter", id="unknown-parameter"),
    pytest.param(TECH, "places=300@2022-02-30", "places", "a real date written YYYY-MM-DD", id="bad-date"),
    pytest.param(TECH, "places=300@March", "places", "a real date written YYYY-MM-DD", id="not-a-date"),
    # Numbers no scheme could mean, which would overflow the version's or the ballot's arithmetic, or take minutes.
    pytest.param(TECH, "places=1e100000", "places", "no more than 1,000,000,000,000", id="huge-count"),
    pytest.param(TECH, "places=1e1000000", "places", "no more than 1,000,000,000,000", id="vast-count"),
    pytest.param(TECH, "ballot_weight_by_salary_band.bands.150000=99999999999999999999",
                 "ballot_weight_by_salary_band.bands.150000", "no more than 1,000,000,000,000", id="huge-weight"),
    pytest.param(OEW, "median_multiple=-1e30", "median_multiple", "no more than", id="huge-multiple"),
    # Values of the right kind that mean nothing to the scheme: the ballot would have read them as no answer.
    pytest.param(TECH, "ballot_weight_by_salary_band.bands.abc=2", "ballot_weight_by_salary_band.bands.abc",
                 "a band is named by its lower bound in whole New Zealand dollars a year, such as 150000, not 'abc'",
                 id="band-not-an-amount"),
    pytest.param(TECH, "ballot_weight_by_salary_band=answer: annual_salary_nzd, bands: {abc: 1}",
                 "ballot_weight_by_salary_band", "not 'abc'", id="band-not-an-amount-in-a-whole-table"),
    pytest.param(TECH, "ballot_category.answer=salary", "ballot_category.answer",
                 "'salary' is not a question of tech-specialists-2022, so no request has that answer: name one of "
                 "its questions, such as anzsco_code, job_title", id="answer-not-a-question"),
    pytest.param(TECH, "ballot_category=answer: [x]", "ballot_category.answer",
                 "ballot_category.answer is text, so it cannot be set to '[x]': give text, such as anzsco_code",
                 id="answer-a-list"),
    pytest.param(TECH, "ballot_category=answer: x, characters: 4", "ballot_category", "'x' is not a question",
                 id="answer-not-a-question-in-a-whole-table"),
    pytest.param(TECH, "ballot_weight_by_salary_band.answer=job_title", "ballot_weight_by_salary_band.answer",
                 "'job_title' is not a figure: name annual_salary_nzd", id="bands-over-text"),
])
def test_a_value_that_does_not_fit_is_refused_naming_the_field_and_the_rule(
    scheme_id: str, text: str, field: str, rule: str
) -> None:
    with pytest.raises(BadOverride) as refused:
        change_read(loader.scheme(scheme_id), text)
    assert refused.value.field == field
    assert rule in str(refused.value) and field.split(".")[0] in str(refused.value)


def test_answers_and_bands_the_scheme_has_are_taken() -> None:
    assert change_read(tech(), "ballot_category.answer=job_title") == ("ballot_category.answer", "job_title")
    _, weights = change_read(tech(), "ballot_weight_by_salary_band=answer: annual_salary_nzd, bands: {0: 1, 150000: 2}")
    assert weights == {"answer": "annual_salary_nzd", "bands": {"0": 1, "150000": 2}}


def test_every_refusal_is_reported_at_once_by_field() -> None:
    with pytest.raises(Refusals) as refused:
        changes_read(tech(), ["places=many", "ballot_employer_cap=2", "industry_commitments_mandatory=maybe"])
    assert set(refused.value.by_field()) == {"places", "industry_commitments_mandatory"}


def test_a_table_of_thresholds_given_whole_keeps_the_unit_groups_not_given() -> None:
    _, value = change_read(tech(), "salary_thresholds=2613: 110000")
    assert value["2613"] == Decimal(110000) and value["2612"] == Decimal(95000)
    _, caps = change_read(tech(), "ballot_category_caps=2613: 100")
    assert caps == {"2613": 100}
    assert change_read(tech(), "ballot_category_caps=none") == ("ballot_category_caps", {})


def test_a_value_written_as_a_form_shows_it_reads_back_the_same() -> None:
    for scheme in (tech(), oew()):
        for name, parameter in scheme.parameters.items():
            current = parameter.values[-1].value
            assert value_read(scheme, name, value_text(current)) == current, name


# --- the Decimal crash, and values from a date ---------------------------------------------------------------------


def test_a_fractional_median_multiple_evaluates_instead_of_crashing() -> None:
    base = oew()
    day = dt.date(2022, 3, 1)  # median NZ$27.00 an hour: twice is NZ$54.00, 1.5 times NZ$40.50
    entries = [("paid-45", base.check(long_term("45")), day), ("paid-40", base.check(long_term("40")), day),
               ("paid-60", base.check(long_term("60")), day)]
    changes = dict([change_read(base, "median_multiple=1.5")])

    report = simulate(base, changes, entries)

    assert (report.total, report.changed) == (3, 1)
    assert report.examples == ["paid-45"]
    assert report.criteria == {("long_term_criteria", "not_met", "met"): 1}
    variant = base.what_if(changes)
    assert variant.evaluate(entries[0][1], day).outcome is Outcome.ELIGIBLE
    assert "NZ$40.50 an hour" in next(c.reason for c in variant.evaluate(entries[0][1], day).criteria
                                       if c.id == "long_term_criteria")


def test_a_dated_value_applies_from_its_date_and_the_policy_keeps_its_own_before() -> None:
    base = oew()
    name, value = change_read(base, "median_multiple=1.5@2022-03-01")
    assert value == Dated(Decimal("1.5"), dt.date(2022, 3, 1))
    variant = base.what_if({name: value})
    assert variant.value("median_multiple", dt.date(2022, 2, 28)) == 2
    assert variant.value("median_multiple", dt.date(2022, 3, 1)) == Decimal("1.5")
    assert variant.policy_version.endswith("+what-if(median_multiple=1.5@2022-03-01)")
    assert base.value("median_multiple", dt.date(2022, 3, 1)) == 2

    answers = base.check(long_term("45"))
    entries = [("before", answers, dt.date(2022, 2, 1)), ("after", answers, dt.date(2022, 4, 1))]
    report = simulate(base, {name: value}, entries)
    assert report.examples == ["after"]


def test_a_dated_part_of_a_table_changes_only_that_part_from_the_date() -> None:
    base = tech()
    variant = base.what_if(dict([change_read(base, "salary_thresholds.2613=150000@2022-06-01")]))
    assert variant.value("salary_thresholds", dt.date(2022, 5, 31))["2613"] == Decimal(120000)
    assert variant.value("salary_thresholds", dt.date(2022, 6, 1))["2613"] == Decimal(150000)
    assert variant.value("salary_thresholds", dt.date(2022, 6, 1))["2612"] == Decimal(95000)


def test_simulate_as_at_a_date_evaluates_every_request_then() -> None:
    base = oew()
    answers = base.check(long_term("45"))
    changes = {"median_multiple": Dated(Decimal("1.5"), dt.date(2022, 3, 1))}
    entries = [("a", answers, dt.date(2021, 1, 1)), ("b", answers, dt.date(2021, 1, 1))]
    assert simulate(base, changes, entries).changed == 0
    assert simulate(base, changes, entries, as_at=dt.date(2022, 3, 1)).changed == 2


def test_changed_outcomes_are_counted_by_category() -> None:
    base = tech()
    pool = [("programmer", base.check({**ANSWERS[TECH], "anzsco_code": "261313", "annual_salary_nzd": 125000})),
            ("analyst", base.check({**ANSWERS[TECH], "anzsco_code": "261111", "annual_salary_nzd": 125000})),
            ("well-paid", base.check({**ANSWERS[TECH], "anzsco_code": "261313", "annual_salary_nzd": 200000}))]
    report = simulate(base, {"salary_thresholds.2613": Decimal(130000)}, [(i, a, DAY) for i, a in pool],
                      category=lambda answers: str(answers["anzsco_code"])[:4])
    assert report.categories == {("2613", "eligible", "ineligible"): 1}
    assert report.as_json()["categories"] == [{"category": "2613", "from": "eligible", "to": "ineligible",
                                               "requests": 1}]
    assert "2613" in table(report)


# --- places ----------------------------------------------------------------------------------------------------------


def waiting(n: int, *, code: str = "261313", salary: int = 130000, employer: str = "e1", start: int = 0
            ) -> list[Waiting]:
    return [Waiting(f"BX-{start + i:04d}", {"anzsco_code": code, "annual_salary_nzd": salary}, f"w{start + i}",
                    employer, f"2022-03-01T00:00:{start + i:02d}.000000Z") for i in range(n)]


def test_more_places_raise_every_chance_and_the_places_expected() -> None:
    base = tech()
    pool = waiting(10)
    variant = base.what_if({"places": 5})
    found = places_whatif(pool, variant, base.what_if({"places": 8}), DAY, held=0)
    assert (found.before.places, found.after.places, found.entries, found.exact) == (5, 8, 10, True)
    assert {e.chance_before for e in found.chances} == {0.5} and {e.chance_after for e in found.chances} == {0.8}
    assert [(c.category, c.places_before, c.places_after) for c in found.categories] == [
        ("2613", pytest.approx(5), pytest.approx(8))]


def test_places_held_already_are_not_offered_again() -> None:
    base = tech()
    found = places_whatif(waiting(10), base, base.what_if({"places": 12}), DAY, held=4)
    assert (found.before.places, found.after.places) == (596, 8)
    assert {round(e.chance_after, 6) for e in found.chances} == {0.8}


def test_a_category_cap_limits_its_places_and_leaves_the_rest_to_the_others() -> None:
    base = tech().what_if({"places": 10})
    pool = waiting(10, code="261313") + waiting(10, code="262111", start=10)
    capped = base.what_if({"ballot_category_caps": {"2613": 2}})
    found = places_whatif(pool, base, capped, DAY, held=0, draws=2000)
    by_category = {c.category: c for c in found.categories}
    assert by_category["2613"].places_before == pytest.approx(5, abs=0.3)
    assert by_category["2613"].places_after == pytest.approx(2, abs=1e-9)
    assert by_category["2621"].places_after == pytest.approx(8, abs=1e-9)
    assert by_category["2613"].cap_after == 2 and by_category["2613"].cap_before is None
    assert not found.exact and found.draws == 2000 and 0 < found.margin < 0.05


def test_an_employer_cap_limits_one_employers_entries() -> None:
    base = tech().what_if({"places": 6})
    pool = waiting(6, employer="big") + waiting(6, employer="small", start=6)
    found = places_whatif(pool, base, base.what_if({"ballot_employer_cap": 2}), DAY, held=0)
    big = sum(e.chance_after for e in found.chances if e.reference < "BX-0006")
    assert big == pytest.approx(2, abs=1e-9)
    assert sum(e.chance_after for e in found.chances) == pytest.approx(4, abs=1e-9)


def test_weights_by_salary_band_favour_the_higher_paid() -> None:
    base = tech().what_if({"places": 5})
    pool = waiting(10, salary=130000) + waiting(10, salary=200000, start=10)
    weighted = base.what_if({"ballot_weight_by_salary_band.bands.150000": 3})
    found = places_whatif(pool, base, weighted, DAY, held=0, draws=3000)
    low = [e for e in found.chances if e.weight_after == 1]
    high = [e for e in found.chances if e.weight_after == 3]
    assert len(low) == len(high) == 10
    assert sum(e.chance_after for e in high) > 2 * sum(e.chance_after for e in low)
    assert all(e.chance_before == 0.25 for e in found.chances)


def test_order_of_receipt_gives_the_first_lodged_their_places() -> None:
    base = tech().what_if({"places": 3})
    found = places_whatif(waiting(5), base, base.what_if({"allocation_method": "order_of_receipt"}), DAY, held=0)
    assert [e.chance_after for e in found.chances] == [1.0, 1.0, 1.0, 0.0, 0.0]
    assert found.after.method == "order_of_receipt" and found.exact


def test_a_long_run_tells_its_progress_every_so_many_requests() -> None:
    base = tech()
    answers = base.check(ANSWERS[TECH])
    heard: list[int] = []
    simulate(base, {"places": 300}, [(f"r{i}", answers, DAY) for i in range(7)], progress=heard.append, every=3)
    assert heard == [3, 6]


def test_an_entry_the_changed_rules_find_ineligible_leaves_its_place_to_the_rest() -> None:
    base = tech().what_if({"places": 2})
    pool = waiting(2) + waiting(1, code="262111", start=2)
    found = places_whatif(pool, base, base, DAY, held=0, leaving=frozenset({"BX-0002"}))
    assert found.leaving == 1
    assert [(e.reference, e.chance_after) for e in found.chances] == [
        ("BX-0000", 1.0), ("BX-0001", 1.0), ("BX-0002", 0.0)]
    assert [round(e.chance_before, 3) for e in found.chances] == [0.667, 0.667, 0.667]
