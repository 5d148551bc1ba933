"""The rules-as-code package bordercase.policy on its own: no database, no Django."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bordercase.policy import casebook, loader
from bordercase.policy.answers import InvalidAnswers
from bordercase.policy.anzsco import Match, anzsco
from bordercase.policy.files import PolicyFileError
from bordercase.policy.jsonl import evaluate_lines
from bordercase.policy.outcomes import Finding, Outcome
from bordercase.policy.parameters import BadOverride, ParameterNotInForce
from bordercase.policy.scheme import Scheme
from bordercase.policy.whatif import simulate, simulate_parallel, table
from tests.conftest import ANSWERS

TECH_ID, OEW_ID = "tech-specialists-2022", "other-essential-worker-2020"
TECH_FOLDER = loader.SCHEMES / "tech_specialists_2022"
TECH_CRITERIA = importlib.import_module("bordercase.policy.schemes.tech_specialists_2022.criteria")
IN_FORCE = dt.date(2022, 3, 1)  # the tech scheme took its first values on 13 December 2021


def tech() -> Scheme:
    return loader.scheme(TECH_ID)


def oew() -> Scheme:
    return loader.scheme(OEW_ID)


def tech_answers(**changes: Any) -> dict[str, Any]:
    """conftest's valid tech answers with some changed; a value of None removes the answer."""
    answers = {**ANSWERS[TECH_ID], **changes}
    return {k: v for k, v in answers.items() if v is not None}


def finding(evaluation: Any, criterion_id: str) -> Any:
    return next(c for c in evaluation.criteria if c.id == criterion_id)


# --- a broken policy.yaml fails with its file and line -----------------------------------------------------------


@pytest.fixture
def tech_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "tech_specialists_2022"
    shutil.copytree(TECH_FOLDER, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the tech policy.yaml no longer has exactly one {old!r}: update this test"
    return text.replace(old, new)


def line_number(text: str, line: str, after: str = "") -> int:
    """The 1-based number of the line equal to ``line``: the only one, or the first after the only ``after``."""
    lines = text.splitlines()
    start = 0
    if after:
        anchors = [i for i, text_line in enumerate(lines) if text_line == after]
        assert len(anchors) == 1, f"expected one line {after!r}"
        start = anchors[0] + 1
    found = [i + 1 for i, text_line in enumerate(lines) if i >= start and text_line == line]
    assert found and (after or len(found) == 1), f"expected one line {line!r}"
    return found[0]


NEW_CRITERION = "  - id: years_of_experience\n    clause: 'nztech-2021: \"a proxy for senior/experienced\"'\n"
AGREEMENT_CRITERION = ("  - id: employment_agreement\n    clause: 'nztech-2021, Cabinet criteria: \"They have employed "
                       "someone\"; the request to travel needs \"an employment agreement\"'\n")
PLACES_REFERENCE = "        reference: 'mbie-2021: \"600 Border Class Exceptions for Specialist Tech Workers\"'\n"


def _yaml_syntax(text: str) -> tuple[str, int, str]:
    broken = replace_once(text, "    label: Job title\n", "    label: Job title: as in the agreement\n")
    return broken, line_number(broken, "    label: Job title: as in the agreement"), "not valid YAML"


def _unknown_question_type(text: str) -> tuple[str, int, str]:
    broken = replace_once(text, "    type: anzsco\n", "    type: occupation\n")
    # The error belongs to the question that has the type, and is reported where that question starts.
    return broken, line_number(broken, "  - name: anzsco_code"), "type 'occupation' is not one of text, number"


def _criterion_without_function(text: str) -> tuple[str, int, str]:
    broken = replace_once(text, "\ncriteria:\n", "\ncriteria:\n" + NEW_CRITERION)
    return (broken, line_number(broken, "  - id: years_of_experience"),
            "criterion 'years_of_experience' has no @criterion function in criteria.py")


def _function_not_listed(text: str) -> tuple[str, int, str]:
    broken = replace_once(text, AGREEMENT_CRITERION, "")
    return broken, line_number(broken, "criteria:"), "criteria.py has employment_agreement, not listed under criteria"


def _values_out_of_date_order(text: str) -> tuple[str, int, str]:
    earlier = "      - from: 2021-01-01\n        value: 500\n        reference: an earlier value, listed last\n"
    broken = replace_once(text, PLACES_REFERENCE, PLACES_REFERENCE + earlier)
    return broken, line_number(broken, "  places:"), "parameters.places: Value error, values must be in date order"


def _value_without_reference(text: str) -> tuple[str, int, str]:
    broken = replace_once(text, PLACES_REFERENCE, "")
    return (broken, line_number(broken, "      - from: 2021-12-13", after="  places:"),
            "parameters.places.values.0.reference: Field required")


def _options_from_a_missing_parameter(text: str) -> tuple[str, int, str]:
    broken = replace_once(text, "    options_from: industry_bodies\n", "    options_from: industry_groups\n")
    return broken, line_number(broken, "    options_from: industry_groups"), "there is no parameter 'industry_groups'"


def _missing_shared_parameter(text: str) -> tuple[str, int, str]:
    broken = replace_once(text, "\nquestions:\n", "\nshared_parameters: [median_salary_annual]\n\nquestions:\n")
    return (broken, line_number(broken, "shared_parameters: [median_salary_annual]"),
            "there is no shared parameter 'median_salary_annual'")


def _criterion_reads_a_missing_parameter(text: str) -> tuple[str, int, str]:
    broken = replace_once(text, "  industry_commitments_mandatory:\n", "  commitments_mandatory:\n")
    return (broken, line_number(broken, "  - id: domestic_pipeline"),
            "criterion 'domestic_pipeline' reads 'industry_commitments_mandatory', which is not a parameter")


BREAKAGES: dict[str, Callable[[str], tuple[str, int, str]]] = {
    "yaml-syntax": _yaml_syntax,
    "unknown-question-type": _unknown_question_type,
    "criterion-without-function": _criterion_without_function,
    "function-not-listed": _function_not_listed,
    "values-out-of-date-order": _values_out_of_date_order,
    "value-without-reference": _value_without_reference,
    "options-from-missing-parameter": _options_from_a_missing_parameter,
    "missing-shared-parameter": _missing_shared_parameter,
    "criterion-reads-missing-parameter": _criterion_reads_a_missing_parameter,
}


def test_an_unbroken_copy_of_a_scheme_folder_loads_with_the_same_version(tech_copy: Path) -> None:
    copied = loader.load_folder(tech_copy, module=TECH_CRITERIA)
    assert copied.id == TECH_ID
    assert copied.version == tech().version
    assert [c.id for c in copied.criteria] == [c.id for c in tech().criteria]


@pytest.mark.parametrize("breakage", BREAKAGES.values(), ids=BREAKAGES.keys())
def test_a_broken_policy_file_fails_with_the_file_and_the_line(
    tech_copy: Path, breakage: Callable[[str], tuple[str, int, str]]
) -> None:
    path = tech_copy / "policy.yaml"
    broken, line, words = breakage(path.read_text(encoding="utf-8"))
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(PolicyFileError) as failure:
        loader.load_folder(tech_copy, module=TECH_CRITERIA)
    assert failure.value.path == path
    assert failure.value.line == line
    assert str(failure.value).startswith(f"{path}:{line}: ")
    assert words in str(failure.value)


# --- answers -----------------------------------------------------------------------------------------------------

# One bad answer of each kind, each on its own field so that all of them can be given at once.
BAD_ANSWERS: dict[str, tuple[dict[str, Any], str, str]] = {
    "unknown-name": ({"visa_category": "work"}, "visa_category", "unknown"),
    "wrong-type-list": ({"pipeline_programmes": "Summer of Tech"}, "pipeline_programmes", "type"),
    "missing-required": ({"employment_agreement_signed": None}, "employment_agreement_signed", "required"),
    "negative-salary": ({"annual_salary_nzd": -120000}, "annual_salary_nzd", "not_negative"),
    "date-that-does-not-exist": ({"lodged_on": "2022-02-30"}, "lodged_on", "real_date"),
    "unknown-anzsco-code": ({"anzsco_code": "999999"}, "anzsco_code", "anzsco_known"),
    "both-code-and-title": ({"job_title": "Software Engineer"}, "anzsco_code or job_title", "exactly_one_of"),
}
MORE_BAD_ANSWERS: dict[str, tuple[dict[str, Any], str, str]] = {
    "wrong-type-money": ({"annual_salary_nzd": "a lot"}, "annual_salary_nzd", "type"),
    "wrong-type-yes-no": ({"employment_agreement_signed": "yes"}, "employment_agreement_signed", "type"),
    "wrong-type-number-for-text": ({"anzsco_code": None, "job_title": 261313}, "job_title", "type"),
    "date-not-iso": ({"lodged_on": "1/3/2022"}, "lodged_on", "date_format"),
    "cents-beyond-two-digits": ({"annual_salary_nzd": "120000.001"}, "annual_salary_nzd", "cents"),
}


def test_valid_answers_come_back_typed() -> None:
    typed = tech().check(tech_answers(annual_salary_nzd="145,000.50", lodged_on="2022-03-01"))
    assert typed["annual_salary_nzd"] == Decimal("145000.50")
    assert typed["lodged_on"] == dt.date(2022, 3, 1)
    assert typed["employment_agreement_signed"] is True
    assert typed["pipeline_programmes"] == ("Summer of Tech",)


@pytest.mark.parametrize(("changes", "field", "rule"), [*BAD_ANSWERS.values(), *MORE_BAD_ANSWERS.values()],
                         ids=[*BAD_ANSWERS, *MORE_BAD_ANSWERS])
def test_each_bad_answer_is_refused_naming_the_field_and_the_rule(
    changes: dict[str, Any], field: str, rule: str
) -> None:
    tech().check(tech_answers())  # the answers without the change are accepted
    with pytest.raises(InvalidAnswers) as refused:
        tech().check(tech_answers(**changes))
    assert [(e.field, e.rule) for e in refused.value.errors] == [(field, rule)]
    error = refused.value.errors[0]
    assert len(error.message) > 10
    assert error.as_json() == {"field": field, "rule": rule, "message": error.message}
    assert f"{field}: {error.message}" in str(refused.value)


def test_every_bad_answer_is_reported_at_once() -> None:
    everything: dict[str, Any] = {}
    for changes, _, _ in BAD_ANSWERS.values():
        assert not set(changes) & set(everything)
        everything.update(changes)
    with pytest.raises(InvalidAnswers) as refused:
        tech().check(tech_answers(**everything))
    assert Counter((e.field, e.rule) for e in refused.value.errors) == Counter(
        (field, rule) for _, field, rule in BAD_ANSWERS.values())


def test_neither_code_nor_title_is_refused_but_a_partial_draft_may_leave_them_out() -> None:
    with pytest.raises(InvalidAnswers) as refused:
        tech().check(tech_answers(anzsco_code=None))
    assert [(e.field, e.rule) for e in refused.value.errors] == [("anzsco_code or job_title", "exactly_one_of")]
    assert tech().check({"annual_salary_nzd": 130000}, partial=True) == {"annual_salary_nzd": Decimal(130000)}


def test_a_partial_check_still_refuses_a_wrong_answer() -> None:
    with pytest.raises(InvalidAnswers) as refused:
        tech().check({"job_title": "Software Engineer", "annual_salary_nzd": "lots", "colour": "blue"}, partial=True)
    assert {(e.field, e.rule) for e in refused.value.errors} == {("annual_salary_nzd", "type"), ("colour", "unknown")}


def test_answers_that_are_not_an_object_are_refused() -> None:
    with pytest.raises(InvalidAnswers) as refused:
        tech().check(["261313", 145000])
    assert [(e.field, e.rule) for e in refused.value.errors] == [("answers", "type")]


# --- a list of people: an EOI's dependent children -----------------------------------------------------------------

EOI_FAMILY = "eoi-family-2020"
CHILD = {"given_names": "Ana", "family_name": "Santos", "date_of_birth": "2015-06-01", "nationality": "PHL"}


def test_dependent_children_come_back_as_typed_people() -> None:
    typed = loader.scheme(EOI_FAMILY).check(
        {"dependent_children": [CHILD, {**CHILD, "given_names": "Jose", "nationality": "phl"}]}, partial=True)
    assert typed["dependent_children"] == (
        {"given_names": "Ana", "family_name": "Santos", "date_of_birth": dt.date(2015, 6, 1), "nationality": "PHL"},
        {"given_names": "Jose", "family_name": "Santos", "date_of_birth": dt.date(2015, 6, 1), "nationality": "PHL"},
    )


@pytest.mark.parametrize(("children", "rule", "words"), [
    ([CHILD, {**CHILD, "date_of_birth": None}], "person_fields", "child 2 is missing date_of_birth"),
    ([CHILD, {**CHILD, "family_name": "   "}], "person_fields", "child 2 is missing family_name"),
    ([{**CHILD, "nationality": "XYZ"}], "nationality", "child 1 has nationality 'XYZ', which is not a country code"),
    ([CHILD, CHILD, {**CHILD, "date_of_birth": "2999-01-01"}], "born_in_past", "child 3 has a date_of_birth that must "
                                                                               "be in the past"),
    ([CHILD, {**CHILD, "date_of_birth": "2015-02-31"}], "real_date", "child 2 has an unusable date_of_birth"),
    ([CHILD, "Jose Santos"], "type", "child 2 must be a person"),
    ([CHILD] * 7, "maximum", "has 7 entries: the most allowed is 6"),
    (2, "type", "must be a list of people"),
], ids=["missing-field", "blank-name", "nationality", "born-later", "31-february", "not-a-person", "too-many",
        "a-count"])
def test_a_bad_child_is_refused_naming_the_field_its_position_and_the_rule(children: Any, rule: str, words: str
                                                                           ) -> None:
    with pytest.raises(InvalidAnswers) as refused:
        loader.scheme(EOI_FAMILY).check({"dependent_children": children}, partial=True)
    [error] = refused.value.errors
    assert (error.field, error.rule) == ("dependent_children", rule)
    assert error.message.startswith(words), error.message


@pytest.mark.parametrize(("question", "words"), [
    ("  - name: job_title\n    type: text\n", "only a people question has 'item'"),
    ("  - name: kids\n    type: people\n    maximum: 2.5\n", "a whole number, 1 or more"),
])
def test_a_people_question_s_item_and_maximum_are_checked_when_the_file_loads(
    tech_copy: Path, question: str, words: str
) -> None:
    path = tech_copy / "policy.yaml"
    text = path.read_text(encoding="utf-8")
    head = question.splitlines()[0]
    broken = (replace_once(text, question, question + "    item: child\n") if "job_title" in question
              else replace_once(text, "\nquestions:\n", "\nquestions:\n" + question + "    label: Children\n"))
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(PolicyFileError) as failure:
        loader.load_folder(tech_copy, module=TECH_CRITERIA)
    assert failure.value.line == line_number(broken, head)
    assert words in str(failure.value)


# --- parameters resolved as at a date ----------------------------------------------------------------------------

LONG_TERM = {"role_duration_months": 12, "unique_skills_not_obtainable_in_nz": True, "time_critical": True,
             "hours_per_week": 40}


@pytest.mark.parametrize(("as_at", "hourly", "annual", "spoken"), [
    (dt.date(2020, 7, 1), "NZ$51.00 an hour", 106080, "1 July 2020"),
    (dt.date(2021, 8, 1), "NZ$54.00 an hour", 112320, "1 August 2021"),
    (dt.date(2022, 8, 1), "NZ$55.52 an hour", Decimal("115481.60"), "1 August 2022"),
])
def test_twice_the_median_wage_is_the_one_in_force_on_the_date(
    as_at: dt.date, hourly: str, annual: Decimal | int, spoken: str
) -> None:
    scheme = oew()
    at_threshold = scheme.evaluate(scheme.check({**LONG_TERM, "annual_salary_nzd": annual}), as_at)
    reason = finding(at_threshold, "long_term_criteria").reason
    assert f"at least {hourly}" in reason and f"twice the median wage as at {spoken}" in reason
    assert at_threshold.outcome is Outcome.ELIGIBLE and at_threshold.as_at == as_at

    below = scheme.evaluate(scheme.check({**LONG_TERM, "annual_salary_nzd": Decimal(annual) - 1}), as_at)
    assert below.outcome is Outcome.INELIGIBLE
    assert f"is below {hourly}" in finding(below, "long_term_criteria").reason


def test_the_lodgement_date_in_the_answers_sets_the_date_when_none_is_given() -> None:
    scheme = oew()
    evaluation = scheme.evaluate(scheme.check({**LONG_TERM, "annual_salary_nzd": 110000, "lodged_on": "2021-08-01"}))
    assert evaluation.as_at == dt.date(2021, 8, 1)
    assert "NZ$54.00 an hour" in finding(evaluation, "long_term_criteria").reason


def test_the_median_wage_changes_on_the_day_it_took_effect() -> None:
    median = oew().parameters["median_wage_hourly"]
    assert median.at(dt.date(2021, 7, 18)).value == Decimal("25.50")
    assert median.at(dt.date(2021, 7, 19)).value == Decimal("27.00")
    assert "19 Jul 2021" in median.at(dt.date(2021, 7, 19)).reference


def test_nothing_is_evaluated_before_the_scheme_s_rules_were_in_force() -> None:
    scheme = oew()
    answers = scheme.check({**LONG_TERM, "annual_salary_nzd": 120000})
    assert scheme.evaluate(answers, dt.date(2020, 6, 18)).as_at == dt.date(2020, 6, 18)
    with pytest.raises(ParameterNotInForce, match=r"no value before 18 June 2020, .* as at 17 June 2020"):
        scheme.evaluate(answers, dt.date(2020, 6, 17))


# --- policy_version ----------------------------------------------------------------------------------------------


def test_every_scheme_has_a_16_hex_policy_version() -> None:
    for scheme in loader.schemes().values():
        assert re.fullmatch(r"[0-9a-f]{16}", scheme.policy_version), scheme.id
    assert len({s.policy_version for s in loader.schemes().values()}) == len(loader.schemes())


def test_the_version_changes_with_the_rules_and_not_with_the_test_cases(tech_copy: Path) -> None:
    def version() -> str:
        return loader.load_folder(tech_copy, module=TECH_CRITERIA).policy_version

    original = version()
    (tech_copy / "tests" / "salary.yaml").write_text("cases: []\n", encoding="utf-8")
    (tech_copy / "tests" / "new.yaml").write_text("# a new case file\n", encoding="utf-8")
    assert version() == original

    criteria = tech_copy / "criteria.py"
    criteria.write_text(criteria.read_text(encoding="utf-8") + "\n# a comment is a change to the rules' text\n",
                        encoding="utf-8")
    after_criteria = version()
    assert re.fullmatch(r"[0-9a-f]{16}", after_criteria) and after_criteria != original

    policy = tech_copy / "policy.yaml"
    policy.write_text(replace_once(policy.read_text(encoding="utf-8"), "        value: 600\n", "        value: 601\n"),
                      encoding="utf-8")
    after_policy = version()
    assert after_policy not in {original, after_criteria}


def test_the_version_covers_the_shared_parameters_a_scheme_uses() -> None:
    folder = loader.SCHEMES / "other_essential_worker_2020"
    _, shared = loader.shared_parameter("median_wage_hourly")
    assert oew().version == loader.version_of(folder, [shared])
    assert loader.version_of(folder, [shared + b"\n# edited\n"]) != oew().version


def test_the_version_of_a_scheme_asking_for_an_occupation_covers_the_title_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bordercase.policy.anzsco import titles

    tech_folder, oew_folder = loader.SCHEMES / "tech_specialists_2022", loader.SCHEMES / "other_essential_worker_2020"
    assert loader.load_folder(tech_folder).version == tech().version
    edited = tmp_path / "ict-titles.yaml"
    edited.write_bytes(titles.TABLE.read_bytes() + b"\n# a title added\n")
    monkeypatch.setattr(titles, "TABLE", edited)

    # A new title can change what the tech class finds for the same answers; the other scheme asks for no occupation.
    assert loader.load_folder(tech_folder).version != tech().version
    assert loader.load_folder(oew_folder).version == oew().version


# --- what-if -----------------------------------------------------------------------------------------------------


def test_raising_a_salary_threshold_changes_the_outcome_and_leaves_the_scheme_as_it_was() -> None:
    base = tech()
    answers = base.check(tech_answers())
    variant = base.what_if({"salary_thresholds.2613": 200000})
    changed = variant.evaluate(answers, IN_FORCE)
    assert changed.outcome is Outcome.INELIGIBLE
    assert finding(changed, "salary_threshold").outcome is Finding.NOT_MET
    assert "below the NZ$200,000 threshold" in finding(changed, "salary_threshold").reason
    assert variant.value("salary_thresholds", IN_FORCE)["1351"] == Decimal(120000)
    assert changed.policy_version.startswith(f"{base.version}+what-if(") and changed.policy_version != base.version

    unchanged = base.evaluate(answers, IN_FORCE)
    assert unchanged.outcome is Outcome.ELIGIBLE and unchanged.policy_version == base.version


@pytest.mark.parametrize(("changes", "words"), [
    pytest.param({"salary_threshold": 130000}, "tech-specialists-2022 has no parameter 'salary_threshold': its "
                 "parameters are salary_thresholds,", id="unknown-parameter"),
    pytest.param({"salary_thresholds.9999": 130000}, "salary_thresholds has no part '9999': its parts are 2613",
                 id="unknown-part"),
    pytest.param({"places.spare": 1}, "places has no part 'spare': it is a number", id="part-of-a-number"),
    pytest.param({"places": "many"}, "places is a number, so it cannot be set to 'many': give a number",
                 id="text-for-a-count"),
    pytest.param({"pipeline_programmes": "Summer of Tech"}, "pipeline_programmes is a list", id="text-for-a-list"),
    pytest.param({"industry_commitments_mandatory": 1}, "industry_commitments_mandatory is true or false",
                 id="number-for-a-flag"),
    pytest.param({"salary_thresholds": 130000}, "salary_thresholds is a table of values", id="number-for-a-table"),
])
def test_a_what_if_that_does_not_fit_is_refused_with_a_clear_message(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(BadOverride) as refused:
        tech().what_if(changes)
    assert words in str(refused.value)


def test_text_for_a_money_threshold_is_refused_as_not_a_number() -> None:
    with pytest.raises(BadOverride) as refused:
        tech().what_if({"salary_thresholds.2613": "lots"})
    assert "salary_thresholds.2613 is a number, so it cannot be set to 'lots': give a number" in str(refused.value)


def test_a_table_for_a_money_threshold_is_refused() -> None:
    with pytest.raises(BadOverride):
        tech().what_if({"salary_thresholds.2613": {"from": 130000}})


# --- simulate ----------------------------------------------------------------------------------------------------


def brute_force(base: Scheme, changes: Mapping[str, Any], entries: list[tuple[str, Any, dt.date | None]]
                ) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str, str]]]:
    """What simulate should find, by evaluating every criterion under both schemes."""
    variant = base.what_if(changes)
    outcomes: Counter[tuple[str, str]] = Counter()
    moved: Counter[tuple[str, str, str]] = Counter()
    for _, answers, as_at in entries:
        before, after = base.evaluate(answers, as_at), variant.evaluate(answers, as_at)
        if before.outcome is not after.outcome:
            outcomes[(before.outcome.value, after.outcome.value)] += 1
        for old, new in zip(before.criteria, after.criteria, strict=True):
            if old.outcome is not new.outcome:
                moved[(old.id, old.outcome.value, new.outcome.value)] += 1
    return outcomes, moved


def test_simulate_counts_changed_outcomes_and_the_criteria_that_moved() -> None:
    base = tech()
    salaries = {"below": 100000, "just-over": 145000, "high": 199999, "at": 200000, "well-over": 250000}
    entries = [(name, base.check(tech_answers(annual_salary_nzd=pay)), IN_FORCE) for name, pay in salaries.items()]
    changes = {"salary_thresholds.2613": 200000}

    report = simulate(base, changes, entries)

    assert (report.total, report.changed, report.not_in_force) == (5, 2, 0)
    assert report.outcomes == Counter({("eligible", "ineligible"): 2})
    assert report.criteria == Counter({("salary_threshold", "met", "not_met"): 2})
    assert report.examples == ["just-over", "high"]
    assert (report.outcomes, report.criteria) == brute_force(base, changes, entries)
    assert report.policy_version == base.what_if(changes).policy_version
    body = report.as_json()
    assert body["changed"] == 2 and body["requests"] == 5
    assert body["criteria"] == [{"criterion": "salary_threshold", "from": "met", "to": "not_met", "requests": 2}]
    assert body["changes"] == {"salary_thresholds.2613": 200000}
    assert "2 of 5 requests change outcome" in table(report)


def test_simulate_skips_requests_from_before_the_rules_were_in_force() -> None:
    base = tech()
    entries = [("early", base.check(tech_answers()), dt.date(2021, 1, 1)),
               ("late", base.check(tech_answers()), IN_FORCE)]
    report = simulate(base, {"salary_thresholds.2613": 200000}, entries)
    assert (report.total, report.changed, report.not_in_force) == (2, 1, 1)
    assert report.examples == ["late"]
    assert "1 skipped" in table(report)


def test_reading_time_critical_as_only_for_significant_work_moves_the_short_term_criteria() -> None:
    base = oew()
    short = {"role_duration_months": 4}
    people = {
        "unique-not-critical": {**short, "unique_skills_not_obtainable_in_nz": True, "time_critical": False},
        "unique-and-critical": {**short, "unique_skills_not_obtainable_in_nz": True, "time_critical": True},
        "significant-not-critical": {**short, "unique_skills_not_obtainable_in_nz": False, "time_critical": False,
                                     "significant_work": "major_infrastructure"},
        "nothing": {**short, "unique_skills_not_obtainable_in_nz": False, "time_critical": True},
    }
    entries = [(name, base.check(answers), dt.date(2020, 9, 1)) for name, answers in people.items()]
    changes = {"time_critical_applies_to": "significant_work_only"}

    report = simulate(base, changes, entries)

    assert (report.total, report.changed) == (4, 1)
    assert report.outcomes == Counter({("ineligible", "eligible"): 1})
    assert report.criteria == Counter({("short_term_criteria", "not_met", "met"): 1})
    assert report.examples == ["unique-not-critical"]
    assert (report.outcomes, report.criteria) == brute_force(base, changes, entries)


def test_simulating_across_processes_gives_the_same_report_as_one_process() -> None:
    base = tech()
    pool = [base.check(tech_answers(annual_salary_nzd=pay)) for pay in (100000, 145000, 199999, 250000)]
    entries = [(f"r{i}", pool[i % len(pool)], IN_FORCE if i % 7 else dt.date(2021, 6, 1)) for i in range(12_000)]
    changes = {"salary_thresholds.2613": 200000}
    one = simulate(base, changes, entries)
    assert one.changed == sum(1 for i in range(12_000) if i % 7 and i % 4 in {1, 2})
    assert simulate_parallel(base, changes, entries, workers=3).as_json() == one.as_json()


# --- evaluating JSON lines ---------------------------------------------------------------------------------------


def test_evaluate_lines_keeps_the_order_and_reports_bad_lines_without_stopping() -> None:
    scheme = tech()
    lines = [
        json.dumps({"id": "good-1", "answers": tech_answers()}),
        json.dumps({"id": "bad", "answers": tech_answers(annual_salary_nzd=None, employment_agreement_signed="y")}),
        "",
        "{this is not json",
        '{"id": "good-2", "answers": {"anzsco_code": "1351", "annual_salary_nzd": 119999.99, '
        '"employment_agreement_signed": true}}',
        json.dumps({"id": "no-answers"}),
        json.dumps({"id": "good-3", "answers": tech_answers(job_title="Growth Hacker", anzsco_code=None)}),
    ]

    results = list(evaluate_lines(scheme, lines, IN_FORCE))

    assert [r["id"] for r in results] == ["good-1", "bad", None, "good-2", "no-answers", "good-3"]
    good = [r for r in results if "errors" not in r]
    assert [r["id"] for r in good] == ["good-1", "good-2", "good-3"]
    for result in good:
        assert set(result) == {"id", "outcome", "criteria", "policy_version", "as_at"}
        assert result["policy_version"] == scheme.version and result["as_at"] == "2022-03-01"
        assert [c["id"] for c in result["criteria"]] == [c.id for c in scheme.criteria]
        assert all(set(c) == {"id", "outcome", "reason", "clause"} for c in result["criteria"])
    assert [r["outcome"] for r in good] == ["eligible", "ineligible", "needs_review"]
    salary = next(c for c in good[1]["criteria"] if c["id"] == "salary_threshold")
    assert "NZ$119,999.99 is below the NZ$120,000 threshold" in salary["reason"]

    bad, not_json, no_answers = results[1], results[2], results[4]
    assert "outcome" not in bad and bad["line"] == 2
    assert {(e["field"], e["rule"]) for e in bad["errors"]} == {
        ("annual_salary_nzd", "required"), ("employment_agreement_signed", "type")}
    assert not_json["line"] == 4 and [e["rule"] for e in not_json["errors"]] == ["json"]
    assert "line 4 is not JSON" in not_json["errors"][0]["message"]
    assert [(e["field"], e["rule"]) for e in no_answers["errors"]] == [("answers", "required")]


def test_evaluate_lines_gives_the_same_result_as_evaluating_directly() -> None:
    scheme = tech()
    answers = tech_answers(annual_salary_nzd=125000)
    [result] = evaluate_lines(scheme, [json.dumps({"id": 7, "answers": answers})], IN_FORCE)
    direct = scheme.evaluate(scheme.check(answers), IN_FORCE)
    assert result["id"] == 7 and result["outcome"] == direct.outcome.value
    assert result["criteria"] == [{k: v for k, v in c.as_json().items() if k != "mandatory"} for c in direct.criteria]


def test_evaluate_lines_reports_a_date_before_the_rules_as_an_error() -> None:
    [result] = evaluate_lines(tech(), [json.dumps({"id": "old", "answers": tech_answers(lodged_on="2021-06-01")})])
    assert [(e["field"], e["rule"]) for e in result["errors"]] == [("lodged_on", "in_force")]


# --- every scheme's own test cases -------------------------------------------------------------------------------

# At least this many YAML cases per scheme; `policy test` fails any scheme that has none.
MIN_CASES = {TECH_ID: 40, OEW_ID: 40}


@pytest.mark.parametrize("scheme_id", sorted(loader.schemes()))
def test_every_yaml_case_of_the_scheme_passes(scheme_id: str) -> None:
    results = casebook.run(loader.scheme(scheme_id))
    failures = [f"{r.file}:{r.line}: {r.name}: {'; '.join(r.problems)}" for r in results if not r.passed]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("scheme_id", sorted(loader.schemes()))
def test_the_scheme_has_enough_yaml_cases(scheme_id: str) -> None:
    count = len(casebook.run(loader.scheme(scheme_id)))
    assert count >= MIN_CASES.get(scheme_id, 1), f"{scheme_id} has {count} YAML cases under its tests/ folder"


def test_the_casebook_reports_a_wrong_expectation_with_its_file_and_line(
    tech_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(casebook, "SCHEMES", tech_copy.parent)
    for old in (tech_copy / "tests").glob("*.yaml"):
        old.unlink()
    wrong = tech_copy / "tests" / "wrong.yaml"
    wrong.write_text(
        "cases:\n"
        "  - name: Right\n"
        "    as_at: 2022-03-01\n"
        f"    answers: {json.dumps(tech_answers())}\n"
        "    outcome: eligible\n"
        "  - name: Wrong\n"
        "    as_at: 2022-03-01\n"
        f"    answers: {json.dumps(tech_answers(annual_salary_nzd=100000))}\n"
        "    outcome: eligible\n"
        "    criteria: {salary_threshold: met}\n",
        encoding="utf-8",
    )
    (tech_copy / "tests" / "broken.yaml").write_text("cases: [\n", encoding="utf-8")

    results = casebook.run(tech())

    assert [(Path(r.file).name, r.name, r.passed) for r in results] == [
        ("broken.yaml", "(the file)", False), ("wrong.yaml", "Right", True), ("wrong.yaml", "Wrong", False)]
    assert "not valid YAML" in results[0].problems[0]
    assert results[2].line == 6
    assert results[2].problems[0] == "outcome is ineligible, expected eligible"
    assert results[2].problems[1].startswith("salary_threshold is not_met, expected met: Salary NZ$100,000")


# --- ANZSCO job-title coding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "match", "codes"), [
    pytest.param("Software Engineer", Match.PRINCIPAL, ["261313"], id="exact"),
    pytest.param("software   engineer", Match.PRINCIPAL, ["261313"], id="case-and-spaces"),
    pytest.param("Software Developer", Match.ALTERNATIVE, ["261312"], id="alternative-title"),
    pytest.param("Chief Technology Officer", Match.ALTERNATIVE, ["135111"], id="alternative-with-seniority-word"),
    pytest.param("Senior Software Engineer", Match.PRINCIPAL, ["261313"], id="seniority-stripped"),
    pytest.param("Principal Software Engineer", Match.PRINCIPAL, ["261313"], id="principal-stripped"),
    pytest.param("Sofware Engineer", Match.FUZZY, ["261313"], id="misspelt"),
    pytest.param("Programmer", Match.AMBIGUOUS, ["261212", "261312"], id="ambiguous"),
    pytest.param("DevOps Engineer", Match.TABLE, ["261399"], id="current-ict-title"),
    pytest.param("CTO", Match.TABLE, ["135111"], id="acronym-in-the-table"),
    pytest.param("Growth Hacker", Match.NONE, [], id="none"),
    pytest.param("VPE", Match.NONE, [], id="acronym"),
])
def test_a_job_title_is_coded_to_anzsco_or_left_for_a_person(title: str, match: Match, codes: list[str]) -> None:
    coding = anzsco().code_title(title)
    assert coding.match is match
    assert [o.code for o in coding.occupations] == codes
    assert (coding.occupation is not None) == (len(codes) == 1)


def test_an_uncoded_title_leaves_the_role_to_an_assessor() -> None:
    scheme = tech()
    for title in ("VPE", "Growth Hacker"):
        evaluation = scheme.evaluate(scheme.check(tech_answers(anzsco_code=None, job_title=title)), IN_FORCE)
        role = finding(evaluation, "role_in_short_supply")
        assert role.outcome is Finding.NEEDS_REVIEW and f"'{title}' matches no ANZSCO 2013 occupation" in role.reason
        assert evaluation.outcome is Outcome.NEEDS_REVIEW


def test_an_exact_principal_title_that_starts_with_a_seniority_word_codes_exactly() -> None:
    coding = anzsco().code_title("Chief Information Officer")
    assert coding.match is Match.PRINCIPAL
    assert [o.code for o in coding.occupations] == ["135111"]
    # Without the seniority word it is another occupation's title, not the manager's.
    assert [o.code for o in anzsco().code_title("Information Officer").occupations] == ["541211"]
