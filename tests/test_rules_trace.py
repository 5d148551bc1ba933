"""The traced evaluation (policy.trace) finds what Scheme.evaluate finds, and records every value read with its date
and source; policy.editions gives the rules as at a date and what the edition in force changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bordercase.policy import casebook
from bordercase.policy.answers import InvalidAnswers
from bordercase.policy.editions import editions, rules_at, sources_in, takes_effect
from bordercase.policy.loader import scheme, schemes
from bordercase.policy.parameters import Parameter, ParameterNotInForce, Value
from bordercase.policy.trace import evaluate_answers, evaluate_traced, plain

OEW = "other-essential-worker-2020"
TECH = "tech-specialists-2022"
LONG_TERM = {"role_duration_months": 12, "unique_skills_not_obtainable_in_nz": True, "time_critical": True,
             "annual_salary_nzd": 110000, "hours_per_week": 40}


def _cases() -> list[tuple[str, casebook.CaseFile]]:
    found = []
    for s in schemes().values():
        for path in casebook.case_files(s):
            parsed, _ = casebook.parse(path, casebook.CasesFile)
            found.extend((s.id, case) for case in parsed.cases)
    return found


def test_every_yaml_case_finds_the_same_evaluation_traced_as_untraced() -> None:
    compared = 0
    for scheme_id, case in _cases():
        variant = scheme(scheme_id).what_if(case.set) if case.set else scheme(scheme_id)
        try:
            answers = variant.check(case.answers)
        except InvalidAnswers:
            continue
        try:
            expected = variant.evaluate(answers, case.as_at)
        except ParameterNotInForce:
            with pytest.raises(ParameterNotInForce):
                evaluate_traced(variant, answers, case.as_at)
            continue
        traced = evaluate_traced(variant, answers, case.as_at)
        assert traced.evaluation == expected, (scheme_id, case.name)
        compared += 1
    assert compared > 150  # the casebook's cases that evaluate, not a handful


def test_the_trace_holds_each_value_read_with_the_date_it_took_effect_and_its_source() -> None:
    oew = scheme(OEW)
    later = evaluate_traced(oew, oew.check(LONG_TERM), dt.date(2021, 8, 1))
    median = [r for r in later.trace if r.parameter == "median_wage_hourly"]
    assert [(r.criterion, r.value, r.effective_from) for r in median] == [
        ("long_term_criteria", Decimal("27.00"), dt.date(2021, 7, 19))]
    assert "malcolmpacific.com" in median[0].reference
    earlier = evaluate_traced(oew, oew.check(LONG_TERM), dt.date(2020, 7, 1))
    assert [(r.value, r.effective_from) for r in earlier.trace if r.parameter == "median_wage_hourly"] == [
        (Decimal("25.50"), dt.date(2020, 2, 24))]
    # NZ$110,000 is more than twice NZ$25.50 an hour over 2,080 hours, less than twice NZ$27.00.
    assert (earlier.evaluation.outcome.value, later.evaluation.outcome.value) == ("eligible", "ineligible")


def test_the_trace_holds_only_what_a_criterion_read_not_all_it_may_read() -> None:
    oew = scheme(OEW)
    short = {**LONG_TERM, "role_duration_months": 4}
    read = {(r.criterion, r.parameter) for r in evaluate_traced(oew, oew.check(short), dt.date(2021, 8, 1)).trace}
    # A short-term role is never compared with the median wage.
    assert read == {("short_term_criteria", "time_critical_applies_to"),
                    ("long_term_criteria", "short_term_max_months")}


def test_a_parameter_that_makes_a_criterion_mandatory_is_traced_as_such() -> None:
    tech = scheme(TECH)
    answers = {"anzsco_code": "261313", "annual_salary_nzd": 130000, "employment_agreement_signed": True}
    traced = evaluate_answers(tech, answers, dt.date(2022, 3, 1))
    mandatory = [(r.criterion, r.value) for r in traced.trace if r.purpose == "mandatory"]
    assert mandatory == [("domestic_pipeline", True), ("industry_membership", True)]
    salary = next(r for r in traced.trace if r.criterion == "salary_threshold")
    assert (salary.parameter, salary.effective_from, salary.reference[:11]) == (
        "salary_thresholds", dt.date(2021, 12, 13), "nztech-2021")
    assert not [r for r in traced.trace if r.criterion == "employment_agreement"]  # it reads only the answers


def test_a_what_if_value_is_traced_as_set_by_the_what_if() -> None:
    tech = scheme(TECH).what_if({"industry_commitments_mandatory": False})
    answers = {"anzsco_code": "261313", "annual_salary_nzd": 130000, "employment_agreement_signed": True}
    traced = evaluate_answers(tech, answers, dt.date(2022, 3, 1))
    read = next(r for r in traced.trace if r.parameter == "industry_commitments_mandatory")
    assert read.value is False and read.effective_from is None and "what-if" in read.reference
    assert traced.evaluation.outcome.value == "eligible"


def test_answers_are_checked_in_full_before_any_rule_applies() -> None:
    with pytest.raises(InvalidAnswers) as refused:
        evaluate_answers(scheme(TECH), {"anzsco_code": "261313"}, dt.date(2022, 3, 1))
    assert {e.field for e in refused.value.errors} == {"annual_salary_nzd", "employment_agreement_signed"}


def test_values_as_json_hold_money_as_numbers_and_lists_for_tuples() -> None:
    assert plain({"2613": Decimal("120000"), "x": (Decimal("25.50"), True)}) == {"2613": 120000, "x": [25.5, True]}


def test_the_editions_of_the_rules_start_when_every_parameter_is_in_force_then_at_each_change() -> None:
    assert editions(scheme(OEW)) == (dt.date(2020, 6, 18), dt.date(2021, 7, 19), dt.date(2022, 7, 4),
                                     dt.date(2023, 2, 27), dt.date(2024, 2, 28))
    assert editions(scheme(TECH)) == (dt.date(2021, 12, 13),)


def test_the_rules_as_at_a_date_say_what_the_edition_in_force_changed() -> None:
    rules = rules_at(scheme(OEW), dt.date(2021, 8, 1))
    assert (rules.edition, rules.previous, rules.following) == (
        dt.date(2021, 7, 19), dt.date(2020, 6, 18), dt.date(2022, 7, 4))
    assert [(c.parameter.name, c.before and c.before.value, c.after.value) for c in rules.changes] == [
        ("median_wage_hourly", Decimal("25.50"), Decimal("27.00"))]
    current = {p.name: p.current.value for p in rules.parameters if p.current}
    assert current["median_wage_hourly"] == Decimal("27.00")
    first = rules_at(scheme(OEW), dt.date(2020, 7, 1))
    assert (first.edition, first.previous, first.changes) == (dt.date(2020, 6, 18), None, ())


def test_before_the_rules_took_effect_they_are_not_in_force_and_no_value_is() -> None:
    rules = rules_at(scheme(TECH), dt.date(2021, 1, 1))
    assert not rules.in_force and rules.takes_effect == dt.date(2021, 12, 13)
    assert all(p.current is None for p in rules.parameters)
    by_id = {c.criterion.id: c for c in rules.criteria}
    assert by_id["domestic_pipeline"].mandatory is None and by_id["salary_threshold"].mandatory is True
    assert rules.options(scheme(TECH).questions["pipeline_programmes"]) == []


def test_a_clause_names_the_sources_it_cites() -> None:
    tech = scheme(TECH)
    assert [s.id for s in sources_in(tech, 'nztech-2021, Cabinet criteria: "…"; mbie-2021')] == [
        "nztech-2021", "mbie-2021"]
    assert sources_in(tech, "the nztech-20210 draft") == ()


@pytest.mark.parametrize("scheme_id", sorted(schemes()))
def test_the_rules_take_effect_on_the_first_day_the_evaluation_finds_every_parameter_in_force(scheme_id: str) -> None:
    scheme = schemes()[scheme_id]
    first = takes_effect(scheme)
    for p in scheme.parameters.values():
        p.at(first)  # every parameter has a value that day
    with pytest.raises(ParameterNotInForce):
        for p in scheme.parameters.values():
            p.at(first - dt.timedelta(days=1))
    assert rules_at(scheme, first).in_force and not rules_at(scheme, first - dt.timedelta(days=1)).in_force


def test_the_editions_read_a_value_in_force_as_the_evaluation_does(monkeypatch: pytest.MonkeyPatch) -> None:
    # One definition of when a dated value is in force (Parameter.at): were it to change, the explorer follows.
    scheme = schemes()["tech-specialists-2022"]
    later = dt.date(2022, 1, 1)

    def at(self: Parameter, as_at: dt.date) -> Value:
        if self.name == "places" and as_at < later:
            raise ParameterNotInForce("places: not yet")
        return real(self, as_at)

    real = Parameter.at
    monkeypatch.setattr(Parameter, "at", at)
    shown = {p.name: p.current for p in rules_at(scheme, dt.date(2021, 12, 20)).parameters}
    assert shown["places"] is None and shown["salary_thresholds"] is not None
