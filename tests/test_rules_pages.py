"""The public rules pages without a browser: every scheme's explorer and checker, their date errors, nothing stored
by checking, and the answers carried into a new request only when asked for, and only into that scheme's."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from bordercase.cases.models import Request
from bordercase.policy.loader import schemes
from bordercase.web.rules_carry import KEY
from tests.conftest import World

TECH = "tech-specialists-2022"
CHECKED = {"anzsco_code": "261313", "annual_salary_nzd": "130000", "employment_agreement_signed": "yes",
           "pipeline_programmes": ["Summer of Tech"], "industry_memberships": ["NZTech"],
           "as_at_day": "1", "as_at_month": "3", "as_at_year": "2022"}


def _summary(html: bytes) -> list[tuple[str, str]]:
    body = html.decode()
    listed = re.search(r'govuk-error-summary__list">(.*?)</ul>', body, re.S)
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', listed.group(1)) if listed else []


@pytest.mark.django_db
@pytest.mark.parametrize("scheme_id", sorted(schemes()))
def test_every_scheme_s_rules_and_checker_are_public(scheme_id: str) -> None:
    client = Client()
    explorer = client.get(f"/rules/{scheme_id}/?as_at=2021-08-01")
    assert explorer.status_code == 200
    assert schemes()[scheme_id].version in explorer.content.decode()
    checker = client.get(f"/rules/{scheme_id}/check/")
    assert checker.status_code == 200
    for page in (explorer, checker):  # a template's own notes never reach the page
        assert "{#" not in page.content.decode() and "Day, month and year inputs:" not in page.content.decode()
    assert scheme_id in client.get("/rules/").content.decode()


@pytest.mark.django_db
def test_an_unknown_scheme_has_no_rules_pages() -> None:
    assert Client().get("/rules/no-such-scheme/").status_code == 404
    assert Client().get("/rules/no-such-scheme/check/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "said"), [
    ("as_at=01/08/2021", "Date the rules were in force must be written as YYYY-MM-DD"),
    ("as_at_day=31&as_at_month=2&as_at_year=2021", "Date the rules were in force must be a real date"),
    ("as_at_day=1&as_at_year=2021", "Date the rules were in force must include a month"),
])
def test_a_bad_date_is_named_in_the_error_summary_with_what_to_type(query: str, said: str) -> None:
    page = Client().get(f"/rules/{TECH}/?{query}")
    assert page.status_code == 200
    [(anchor, message)] = _summary(page.content)
    assert anchor == "id_as_at_day" and message.startswith(said)
    assert "<title>Error: " in page.content.decode()


@pytest.mark.django_db
def test_checking_stores_nothing() -> None:
    client = Client()
    page = client.post(f"/rules/{TECH}/check/", CHECKED)
    assert page.context["evaluation"].outcome.value == "eligible"
    assert Request.objects.count() == 0 and Session.objects.count() == 0


@pytest.mark.django_db
def test_a_date_before_the_rules_and_unanswered_questions_are_named_together() -> None:
    page = Client().post(f"/rules/{TECH}/check/", {"annual_salary_nzd": "lots", "as_at_day": "1",
                                                   "as_at_month": "3", "as_at_year": "2020"})
    named = _summary(page.content)
    assert [anchor for anchor, _ in named] == [
        "id_as_at_day", "id_anzsco_code", "id_annual_salary_nzd", "id_employment_agreement_signed"]
    assert "took effect on 13 December 2021" in named[0][1]


def test_the_checked_answers_wait_in_the_session_for_a_request_under_their_scheme(world: World) -> None:
    client = Client()
    kept = client.post(f"/rules/{TECH}/check/start/", CHECKED)
    assert kept.status_code == 302 and kept["Location"] == f"/start-request/?scheme={TECH}"
    asked = client.get(kept["Location"])
    assert asked.status_code == 302 and asked["Location"].startswith("/sign-in/")
    client.force_login(world.employer_a)  # signing in keeps what the session held
    start = client.get(kept["Location"])
    assert start.context["carried"] == "Specialist tech workers class exception"
    assert start.context["form"].initial["scheme"] == TECH
    submission = start.context["form"].initial["submission"]
    made = client.post("/start-request/", {"scheme": TECH, "on_behalf_of": str(world.org_a.pk),
                                           "submission": submission})
    assert made.status_code == 302
    draft = Request.objects.get()
    assert draft.answers == {"anzsco_code": "261313", "annual_salary_nzd": 130000,
                             "employment_agreement_signed": True, "pipeline_programmes": ["Summer of Tech"],
                             "industry_memberships": ["NZTech"]}
    assert KEY not in client.session  # a second request starts empty


def test_the_answers_do_not_go_to_a_request_under_another_scheme(world: World) -> None:
    client = Client()
    client.post(f"/rules/{TECH}/check/start/", CHECKED)
    client.force_login(world.employer_a)
    start = client.get("/start-request/")
    made = client.post("/start-request/", {"scheme": "other-essential-worker-2020",
                                           "on_behalf_of": str(world.org_a.pk),
                                           "submission": start.context["form"].initial["submission"]})
    assert made.status_code == 302
    assert Request.objects.get().answers == {}
    assert client.session[KEY]["scheme"] == TECH


def test_answers_the_rules_refuse_are_not_kept(world: World) -> None:
    client = Client()
    sent = client.post(f"/rules/{TECH}/check/start/", {**CHECKED, "annual_salary_nzd": "-5"})
    assert sent.status_code == 302 and sent["Location"] == f"/rules/{TECH}/check/"
    assert KEY not in client.session


@pytest.mark.django_db
def test_the_checker_names_a_lodging_date_that_does_not_exist() -> None:
    page = Client().post(f"/rules/{TECH}/check/", {**CHECKED, "as_at_day": "30", "as_at_month": "2"})
    assert _summary(page.content) == [("id_as_at_day", "Date of lodging must be a real date, like 12 4 1988")]
    assert "evaluation" not in page.context


def test_the_checker_is_the_questions_form_checking_in_full() -> None:
    from bordercase.policy.loader import scheme as policy
    from bordercase.web.questions import QuestionsForm
    from bordercase.web.rules_forms import CheckerForm

    class Complete(QuestionsForm):
        complete = True

    tech = policy("tech-specialists-2022")
    data = {"annual_salary_nzd": "lots", "anzsco_code": "261313"}  # unreadable; the other questions left empty
    draft, checker = QuestionsForm(tech, {}, data=data), CheckerForm(tech, {}, data=data)
    assert not draft.is_valid() and not checker.is_valid()
    # A draft may leave a required question empty; the checker names it, and the unreadable salary once.
    assert "employment_agreement_signed" not in draft.errors and "employment_agreement_signed" in checker.errors
    assert len(checker.errors["annual_salary_nzd"]) == 1
    assert Complete(tech, {}, data=data).errors == checker.errors
