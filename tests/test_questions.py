"""A scheme's questions as a GOV.UK form (bordercase.web.questions): drawn from the definitions, read back into
answers the policy accepts, and every problem on the question it is about, in words a person can act on."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string

from bordercase.policy.loader import schemes
from bordercase.policy.scheme import Scheme
from bordercase.web.questions import PEOPLE_ROWS, QuestionsForm, answer_rows

TECH, OEW, FAMILY = "tech-specialists-2022", "other-essential-worker-2020", "eoi-family-2020"
LONG_EXPLANATION = "My husband is a New Zealand citizen in Christchurch and I have been stuck in Manila since March."


def policy(code: str) -> Scheme:
    return schemes()[code]


def post(values: dict[str, Any]) -> QueryDict:
    """What a browser sends: a list is several values under one name, as checked checkboxes are."""
    data = QueryDict(mutable=True)
    for name, value in values.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


def person(prefix: str, given: str, family: str, born: str, nationality: str) -> dict[str, str]:
    day, month, year = born.split()
    return {f"{prefix}-given_names": given, f"{prefix}-family_name": family, f"{prefix}-day": day,
            f"{prefix}-month": month, f"{prefix}-year": year, f"{prefix}-nationality": nationality}


def page(form: QuestionsForm) -> str:
    """The questions as the lead's pages draw them: the error summary, then every question."""
    return (render_to_string("web/includes/error_summary.html", {"form": form})
            + render_to_string("web/includes/questions.html", {"form": form}))


def ids(html: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', html)


# --- valid posts per scheme, and the answers they give ------------------------------------------------------------

VALID: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    TECH: ({"anzsco_code": " 261313 ", "annual_salary_nzd": "NZ$145,000", "employment_agreement_signed": "yes",
            "pipeline_programmes": ["Summer of Tech", "Shadowtech"],
            "pipeline_programmes-other": "Tech Futures Lab\n\n  Code Club Aotearoa \n",
            "industry_memberships": ["NZTech"], "industry_memberships-other": ""},
           {"anzsco_code": "261313", "annual_salary_nzd": 145000, "employment_agreement_signed": True,
            "pipeline_programmes": ["Summer of Tech", "Shadowtech", "Tech Futures Lab", "Code Club Aotearoa"],
            "industry_memberships": ["NZTech"]}),
    OEW: ({"role_duration_months": "12", "hours_per_week": "37.5", "unique_skills_not_obtainable_in_nz": "yes",
           "significant_work": "major_infrastructure", "time_critical": "no", "hourly_rate_nzd": "55.50",
           "essential_to_government_funded_science": "no", "partner_included": "yes", "dependent_children": "2"},
          {"role_duration_months": 12, "hours_per_week": "37.5", "unique_skills_not_obtainable_in_nz": True,
           "significant_work": "major_infrastructure", "time_critical": False, "hourly_rate_nzd": "55.50",
           "essential_to_government_funded_science": False, "partner_included": True, "dependent_children": 2}),
    FAMILY: ({"explanation": LONG_EXPLANATION, **person("partner", "Maria Luisa", "Santos", "12 4 1988", "PHL"),
              # Row 2 is left empty: rows without a single value are no one.
              **person("dependent_children-1", "Ana", "Santos", "1 6 2015", "PHL"),
              **person("dependent_children-3", "Jose", "Santos", "20 02 2018", "NZL")},
             {"explanation": LONG_EXPLANATION,
              "partner": {"given_names": "Maria Luisa", "family_name": "Santos", "date_of_birth": "1988-04-12",
                          "nationality": "PHL"},
              "dependent_children": [
                  {"given_names": "Ana", "family_name": "Santos", "date_of_birth": "2015-06-01", "nationality": "PHL"},
                  {"given_names": "Jose", "family_name": "Santos", "date_of_birth": "2018-02-20",
                   "nationality": "NZL"}]}),
}


@pytest.mark.parametrize("code", sorted(schemes()))
def test_the_form_draws_every_question_but_lodged_on(code: str) -> None:
    scheme = policy(code)
    form = QuestionsForm(scheme, {})
    html = page(form)
    shown = [q for q in scheme.questions.values() if q.name != "lodged_on"]
    assert [b.question.name for b in form.blocks] == [q.name for q in shown]
    for q in shown:
        label = q.label if q.required else f"{q.label} (optional)"
        assert f">{label}</" in html.replace("&#x27;", "'"), label
        assert f'id="id_{form._by_question[q.name].first}"' in html
    assert "lodged_on" not in html and "Date lodged" not in html
    assert "govuk-error" not in html
    duplicated = [i for i, n in Counter(ids(html)).items() if n > 1]
    assert not duplicated, duplicated


@pytest.mark.parametrize("code", sorted(VALID))
def test_a_valid_post_gives_answers_the_policy_accepts(code: str) -> None:
    posted, expected = VALID[code]
    form = QuestionsForm(policy(code), {}, data=post(posted))
    assert form.is_valid(), form.errors
    answers = form.answers()
    assert answers == expected
    policy(code).check(answers)  # the whole check, as at lodging: nothing missing, nothing wrong


@pytest.mark.parametrize("code", sorted(VALID))
def test_saved_answers_come_back_as_the_form_s_values_and_post_back_unchanged(code: str) -> None:
    _, saved = VALID[code]
    again = QuestionsForm(policy(code), saved)
    # What the browser would send back untouched: each field's value as drawn.
    echoed = {name: again[name].value() for name in again.fields}
    form = QuestionsForm(policy(code), {}, data=post({k: v for k, v in echoed.items() if v is not None}))
    assert form.is_valid(), form.errors
    assert form.answers() == saved


def test_saved_answers_are_drawn_as_initial_values() -> None:
    html = page(QuestionsForm(policy(FAMILY), VALID[FAMILY][1]))
    assert LONG_EXPLANATION in html
    assert re.search(r'id="id_partner-given_names" name="partner-given_names" [^>]*value="Maria Luisa"', html)
    assert re.search(r'id="id_partner-day" name="partner-day" [^>]*value="12"', html)
    assert re.search(r'id="id_dependent_children-2-nationality".*?<option value="NZL" selected>', html, re.S)
    assert 'id="id_dependent_children-3-given_names" name="dependent_children-3-given_names" type="text" ' \
           'spellcheck="false" value=""' in html  # the rows after the saved children are empty

    html = page(QuestionsForm(policy(TECH), VALID[TECH][1]))
    assert 'value="145000"' in html
    assert re.search(r'<input class="govuk-radios__input" id="id_employment_agreement_signed" [^>]*value="yes" '
                     r'checked>', html)
    assert re.search(r'value="Summer of Tech" checked>', html) and re.search(r'value="Shadowtech" checked>', html)
    assert not re.search(r'value="NZRise" checked>', html)
    assert "Tech Futures Lab\nCode Club Aotearoa</textarea>" in html


def test_a_required_question_left_empty_can_be_saved_for_later() -> None:
    form = QuestionsForm(policy(TECH), {}, data=post({"annual_salary_nzd": "", "employment_agreement_signed": ""}))
    assert form.is_valid(), form.errors
    assert form.answers() == {}


def test_an_answer_cleared_on_the_page_is_left_out_so_the_draft_loses_it() -> None:
    posted, saved = VALID[TECH]
    form = QuestionsForm(policy(TECH), saved, data=post({**posted, "pipeline_programmes": [],
                                                         "pipeline_programmes-other": ""}))
    assert form.is_valid(), form.errors
    assert "pipeline_programmes" not in form.answers()


def test_an_answer_saved_as_a_count_before_children_were_people_does_not_break_the_page() -> None:
    form = QuestionsForm(policy(FAMILY), {"explanation": LONG_EXPLANATION, "dependent_children": 2})
    assert 'value=""' in page(form)
    rows = {r["name"]: r for r in answer_rows(policy(FAMILY), {"dependent_children": 2})}
    assert rows["dependent_children"]["value"] == "2"


# --- what the page looks like, kind by kind -----------------------------------------------------------------------


def test_each_kind_is_drawn_as_its_gov_uk_component() -> None:
    family = page(QuestionsForm(policy(FAMILY), {}))
    # The character count: the limit in a hint without JavaScript, which GOV.UK Frontend turns into a live count.
    assert 'data-module="govuk-character-count" data-maxlength="3000"' in family
    assert re.search(r'<textarea class="govuk-textarea govuk-js-character-count" id="id_explanation" '
                     r'name="explanation" rows="8" aria-describedby="id_explanation-info id_explanation-hint">',
                     family)
    assert '<div id="id_explanation-info" class="govuk-hint govuk-character-count__message">You can enter up to ' \
           '3,000 characters</div>' in family
    legends = re.findall(r'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">([^<]+)</legend>',
                         family)
    assert legends == ["Your partner, if they are travelling with you (optional)",
                       "Your dependent children who are travelling with you (optional)",
                       *(f"Child {i}" for i in range(1, PEOPLE_ROWS + 1))]
    nationality = re.search(r'<select class="govuk-select" id="id_partner-nationality".*?</select>', family, re.S)
    assert nationality and len(re.findall("<option ", nationality.group())) == 1 + 249
    assert '<option value="PHL">Philippines</option>' in nationality.group()
    assert family.count('role="group"') == 1 + PEOPLE_ROWS  # each date of birth is a group of day, month and year

    tech = page(QuestionsForm(policy(TECH), {}))
    assert re.search(r'<div class="govuk-input__prefix" aria-hidden="true">NZ\$</div>\s*<input [^>]*'
                     r'id="id_annual_salary_nzd"[^>]*inputmode="decimal"', tech)
    assert '<div class="govuk-radios govuk-radios--inline" data-module="govuk-radios">' in tech
    assert 'id="id_employment_agreement_signed-2" name="employment_agreement_signed" type="radio" value="no"' in tech
    assert re.search(r'<label class="govuk-label" for="id_pipeline_programmes-other">Any others, one on each line',
                     tech)

    oew = page(QuestionsForm(policy(OEW), {}))
    assert re.search(r'id="id_role_duration_months"[^>]*inputmode="numeric"', oew)  # a whole number: no decimal key
    assert '<div class="govuk-radios" data-module="govuk-radios">' in oew  # a choice of five is not inline
    assert ">An event of national or regional importance</label>" in oew


# --- problems: on the right question, in plain words --------------------------------------------------------------

BAD: dict[str, tuple[str, dict[str, Any], str, str]] = {
    # id: (scheme, changes to its valid post, the field the error is on, the words of the message)
    "text-in-money": (TECH, {"annual_salary_nzd": "a lot"}, "annual_salary_nzd",
                      "Annual salary in New Zealand dollars must be a number, like 120000"),
    "salary-with-3-decimals": (TECH, {"annual_salary_nzd": "120000.125"}, "annual_salary_nzd",
                               "Annual salary in New Zealand dollars must have no more than 2 digits after the "
                               "decimal point"),
    "negative-salary": (TECH, {"annual_salary_nzd": "-5"}, "annual_salary_nzd",
                        "Annual salary in New Zealand dollars must be 0 or more"),
    "both-code-and-title": (TECH, {"job_title": "Software Engineer"}, "anzsco_code",
                            "Give either the ANZSCO code of the role or the job title, not both"),
    "unknown-anzsco-code": (TECH, {"anzsco_code": "999999"}, "anzsco_code",
                            "ANZSCO code of the role must be in ANZSCO 2013 (version 1.2): check the code, or leave "
                            "it empty and enter the job title"),
    "short-anzsco-code": (TECH, {"anzsco_code": "26"}, "anzsco_code",
                          "ANZSCO code of the role must be a 6-digit occupation code or a 4-digit unit group"),
    "yes-no-not-yes-or-no": (TECH, {"employment_agreement_signed": "maybe"}, "employment_agreement_signed",
                             "Have you and the worker signed an employment agreement? Select yes or no"),
    "fractional-months": (OEW, {"role_duration_months": "6.5"}, "role_duration_months",
                          "How many months is the role for? Enter a whole number, like 6"),
    "too-many-hours": (OEW, {"hours_per_week": "81"}, "hours_per_week", "Hours of work a week must be 80 or less"),
    "salary-and-hourly-rate": (OEW, {"annual_salary_nzd": "90000"}, "annual_salary_nzd",
                               "Give either the annual salary in New Zealand dollars or the hourly rate in New "
                               "Zealand dollars, not both"),
    "choice-not-offered": (OEW, {"significant_work": "a_big_one"}, "significant_work",
                           "Is the work significant in one of these ways? Select one of the options given"),
    "negative-count": (OEW, {"dependent_children": "-1"}, "dependent_children",
                       "How many dependent children are included? Enter 0 or more"),
    "explanation-of-3001": (FAMILY, {"explanation": "x" * 3001}, "explanation",
                            "Why do you need to travel to New Zealand? Enter 3,000 characters or fewer: you "
                            "entered 3,001"),
    "31-february": (FAMILY, {"partner-day": "31", "partner-month": "2"}, "partner-day",
                    "Your partner, if they are travelling with you: date of birth must be a real date"),
    "partner-without-date-of-birth": (FAMILY, {"partner-day": "", "partner-month": "", "partner-year": ""},
                                      "partner-day", "Your partner, if they are travelling with you: enter the date "
                                                     "of birth, or leave every box for this person empty"),
    "date-without-a-month": (FAMILY, {"partner-month": ""}, "partner-month",
                             "Your partner, if they are travelling with you: date of birth must include a month"),
    "child-with-bad-nationality": (FAMILY, {"dependent_children-3-nationality": "XYZ"},
                                   "dependent_children-3-nationality", "Child 3: choose a nationality from the list"),
    "child-born-later": (FAMILY, {"dependent_children-1-year": str(dt.date.today().year + 1)},
                         "dependent_children-1-day", "Child 1: date of birth must be in the past"),
    "child-without-names": (FAMILY, {"dependent_children-1-given_names": " ", "dependent_children-1-family_name": ""},
                            "dependent_children-1-given_names",
                            "Child 1: enter the given names and family name, or leave every box"),
}


@pytest.mark.parametrize(("code", "changes", "field", "words"), BAD.values(), ids=BAD.keys())
def test_a_bad_answer_is_an_error_on_its_question_that_says_what_to_do(
    code: str, changes: dict[str, Any], field: str, words: str
) -> None:
    posted, _ = VALID[code]
    form = QuestionsForm(policy(code), {}, data=post({**posted, **changes}))
    assert not form.is_valid()
    assert list(form.errors) == [field], form.errors
    [message] = form.errors[field]
    assert message.startswith(words), message
    with pytest.raises(ValueError, match="valid form"):
        form.answers()

    html = page(form)
    escaped = message.replace("'", "&#x27;")
    # The summary links to the input to fix first, which exists once on the page.
    assert f'<li><a href="#id_{field}">{escaped}</a></li>' in html
    assert ids(html).count(f"id_{field}") == 1
    # The message is shown with the question too, in a GOV.UK error message the question points at.
    shown = re.search(r'<p id="([^"]+)" class="govuk-error-message"><span class="govuk-visually-hidden">Error:'
                      r'</span> ' + re.escape(escaped) + "</p>", html)
    assert shown, html
    assert re.search(rf'aria-describedby="[^"]*\b{re.escape(shown.group(1))}\b', html)
    assert html.count("govuk-form-group--error") == 1
    assert f'id="id_{field}"' in html


def test_every_problem_on_the_page_is_reported_at_once() -> None:
    posted, _ = VALID[FAMILY]
    form = QuestionsForm(policy(FAMILY), {}, data=post({
        **posted, "explanation": "x" * 3001, "partner-day": "31", "partner-month": "2",
        "dependent_children-1-nationality": "", "dependent_children-3-year": "3000"}))
    assert not form.is_valid()
    html = page(form)
    # The summary lists them in the order of the page.
    assert re.findall(r'<li><a href="#([^"]+)">', html) == [
        "id_explanation", "id_partner-day", "id_dependent_children-1-nationality", "id_dependent_children-3-day"]
    assert html.count("govuk-form-group--error") == 3
    # A child's problem is shown in that child's own fieldset.
    child_3 = html[html.index(">Child 3</legend>"):html.index(">Child 4</legend>")]
    assert "Child 3: date of birth must be in the past" in child_3
    assert "Child 1:" not in child_3
    duplicated = [i for i, n in Counter(ids(html)).items() if n > 1]
    assert not duplicated, duplicated


def test_only_the_inputs_with_the_problem_are_marked() -> None:
    posted, _ = VALID[FAMILY]
    html = page(QuestionsForm(policy(FAMILY), {}, data=post({**posted, "partner-month": ""})))
    marked = re.findall(r'class="govuk-[a-z]+ [^"]*--error"[^>]* id="([^"]+)"', html)
    assert marked == ["id_partner-month"]


def test_an_error_put_on_a_question_by_the_page_is_shown_with_that_question() -> None:
    """The lead's view adds the service's errors by question name after the form was valid."""
    posted, _ = VALID[FAMILY]
    form = QuestionsForm(policy(FAMILY), {}, data=post(posted))
    assert form.is_valid()
    form.add_error("dependent_children", "The children could not be saved: try again")
    form.add_error("explanation", "The explanation could not be saved: try again")
    assert set(form.errors) == {"dependent_children-1-given_names", "explanation"}
    html = page(form)
    assert '<a href="#id_dependent_children-1-given_names">The children could not be saved: try again</a>' in html
    assert html.count("govuk-form-group--error") == 2


def test_the_rows_are_no_more_than_the_most_children_allowed() -> None:
    form = QuestionsForm(policy(FAMILY), {})
    [children] = [b for b in form.blocks if b.question.name == "dependent_children"]
    assert len(children.people) == min(PEOPLE_ROWS, int(children.question.maximum or PEOPLE_ROWS))


# --- check your answers -------------------------------------------------------------------------------------------


def test_answer_rows_show_each_answer_as_a_person_reads_it() -> None:
    family = {r["name"]: r for r in answer_rows(policy(FAMILY), VALID[FAMILY][1])}
    assert family["partner"] == {"name": "partner", "label": "Your partner, if they are travelling with you",
                                 "value": "Maria Luisa Santos, born 12 April 1988, Philippines", "missing": False}
    assert family["dependent_children"]["value"] == ("Ana Santos, born 1 June 2015, Philippines\n"
                                                     "Jose Santos, born 20 February 2018, New Zealand")
    assert "lodged_on" not in family

    tech = {r["name"]: r for r in answer_rows(policy(TECH), {
        "anzsco_code": "261313", "annual_salary_nzd": 145000, "pipeline_programmes": ["Summer of Tech", "Own one"]})}
    assert tech["anzsco_code"]["value"] == "261313 Software Engineer"
    assert tech["annual_salary_nzd"]["value"] == "NZ$145,000"
    assert tech["pipeline_programmes"]["value"] == "Summer of Tech\nOwn one"
    assert tech["employment_agreement_signed"]["missing"] is True
    assert tech["job_title"]["missing"] is False  # optional: not answering it is not missing

    oew = {r["name"]: r for r in answer_rows(policy(OEW), {**VALID[OEW][1], "hourly_rate_nzd": "55.5"})}
    assert oew["hourly_rate_nzd"]["value"] == "NZ$55.50"
    assert oew["time_critical"]["value"] == "No" and oew["unique_skills_not_obtainable_in_nz"]["value"] == "Yes"
    assert oew["significant_work"]["value"] == "A major infrastructure project"
    assert oew["hours_per_week"]["value"] == "37.5"
