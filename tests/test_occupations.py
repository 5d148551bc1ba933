"""The job-title coder: its matches, the public page /occupations/ and GET /api/v1/occupations."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from bordercase.api.api import api
from bordercase.lib.throttle import CallRateThrottle
from bordercase.policy.anzsco import Match, anzsco
from tests.conftest import API

# "DevOps Engineer" in full-width letters, with an ideographic space, as an East Asian keyboard may type it.
FULL_WIDTH = "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) for c in "DevOps Engineer")

# --- the coder's matches -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "how", "code", "matched"), [
    pytest.param("Software Engineer", Match.PRINCIPAL, "261313", "Software Engineer", id="principal"),
    pytest.param("Database Developer", Match.ALTERNATIVE, "261312", "Database Developer", id="specialisation"),
    pytest.param("Senior Site Reliability Engineer", Match.TABLE, "261399", "Site Reliability Engineer",
                 id="table-without-seniority"),
    pytest.param("Full-Stack Developer", Match.TABLE, "261312", "Full Stack Developer", id="table-hyphenated"),
    pytest.param("Devops Enginer", Match.FUZZY, "261399", "DevOps Engineer", id="close-to-a-table-title"),
    pytest.param("Sofware Engineer", Match.FUZZY, "261313", "Software Engineer", id="close-to-anzsco"),
])
def test_each_candidate_says_how_the_title_reached_it(title: str, how: Match, code: str, matched: str) -> None:
    (candidate,) = anzsco().candidates(title)
    assert (candidate.match, candidate.occupation.code, candidate.matched_title) == (how, code, matched)
    assert (candidate.score is not None) == (how is Match.FUZZY)
    assert (candidate.entry is not None) == (how is Match.TABLE or matched == "DevOps Engineer")


def test_a_close_match_gives_its_score() -> None:
    (candidate,) = anzsco().candidates("Sofware Engineer")
    assert candidate.score is not None and 86 <= candidate.score < 100


@pytest.mark.parametrize(("title", "qualified", "code"), [
    ("Quality Manager", "Quality Manager (ICT)", "263211"),
    ("Test Analyst", "Test Analyst (ICT)", "263213"),
    ("Quality Specialist", "Quality Specialist (ICT)", "263211"),
])
def test_an_abs_title_qualified_ict_codes_only_as_written(title: str, qualified: str, code: str) -> None:
    # The ABS writes "(ICT)" because the bare title means something else as well (a Quality Manager is also
    # 139914 Quality Assurance Manager): a close match to the qualified title would code the bare one to ICT alone.
    typed = anzsco().code_title(qualified)
    assert typed.match is Match.ALTERNATIVE and typed.occupation is not None and typed.occupation.code == code
    assert qualified not in {c.matched_title for c in anzsco().candidates(title)}


@pytest.mark.parametrize("title", ["Service Delivery Manager", "Security Analyst", "Automation Engineer"])
def test_one_narrower_title_is_no_close_match(title: str) -> None:
    # Each is all in one longer title (IT Service Delivery Manager, Cyber Security Analyst, Test Automation
    # Engineer) whose extra word is what makes it that occupation: without it the title is for an assessor to code.
    coding = anzsco().code_title(title)
    assert (coding.match, coding.occupations, coding.candidates) == (Match.NONE, (), ())


def test_several_narrower_titles_are_offered_for_an_assessor_to_choose() -> None:
    coding = anzsco().code_title("Programmer")
    assert coding.match is Match.AMBIGUOUS
    assert [o.code for o in coding.occupations] == ["261212", "261312"]


def test_an_exact_title_is_not_also_given_close_matches() -> None:
    # "Engineering Manager" is a principal title; a close match to another would only add noise.
    assert [c.match for c in anzsco().candidates("Engineering Manager")] == [Match.PRINCIPAL]


# --- the API -------------------------------------------------------------------------------------------------------


def _get(title: str) -> tuple[int, dict[str, object]]:
    response = Client().get(f"{API}/occupations?title={quote(title)}")
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, response.json()


@pytest.mark.django_db
def test_the_api_codes_a_title_for_anyone_with_every_candidate() -> None:
    status, body = _get("Product Manager")
    assert status == 200
    assert body["match"] == "ambiguous" and body["occupation"] is None
    candidates = body["candidates"]
    assert isinstance(candidates, list)
    assert [(c["code"], c["matched_by"]) for c in candidates] == [("225113", "alternative"), ("135199", "table")]
    table = candidates[1]
    assert table["reasoning"] and {s["id"] for s in table["sources"]} >= {"mbie-2021"}
    assert all(s["url"].startswith("http") for s in table["sources"])


@pytest.mark.django_db
def test_the_api_gives_the_one_occupation_of_a_settled_title() -> None:
    status, body = _get("  senior   devops engineer ")
    assert status == 200
    assert body == {**body, "title": "senior devops engineer", "match": "table", "occupation": "261399"}


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "words"), [
    pytest.param("", "required", id="missing"),
    pytest.param("title=", "Enter a job title", id="blank"),
    pytest.param("title=%20%20%20", "Enter a job title", id="spaces"),
    pytest.param("title=" + "a" * 201, "201 characters long", id="too-long"),
    pytest.param("title=" + "a" * 20_000, "", id="far-too-long"),
    pytest.param("title=DevOps%00Engineer", "Null characters", id="null-character"),
    pytest.param("title=Dev%1bOps", "cannot be typed", id="escape-character"),
    pytest.param("title=%ff%fe", "", id="not-utf-8"),
])
def test_bad_titles_are_refused_naming_the_field_never_a_500(query: str, words: str) -> None:
    response = Client().get(f"{API}/occupations?{query}")
    body = response.json()
    if query == "title=%ff%fe":
        # Django reads bytes that are not UTF-8 as replacement characters: a strange title, coded to nothing.
        assert response.status_code == 200 and body["match"] == "none"
        return
    assert response.status_code == 422, body
    assert "title" in body["fields"] and words in body["fields"]["title"]


@pytest.mark.django_db
@pytest.mark.parametrize("title", ["Ingénieur logiciel", FULL_WIDTH, "🚀 Rocket Surgeon 🚀", "مهندس برمجيات",
                                   "Engineer\u202e", "Z̸̢a̵l̷g̶o̴ Developer", "a" * 200, "DevOps " * 28])
def test_strange_unicode_and_long_titles_answer_never_a_500(title: str) -> None:
    status, body = _get(title)
    assert status == 200
    assert body["match"] in {"principal", "alternative", "table", "fuzzy", "ambiguous", "none"}


@pytest.mark.django_db
def test_full_width_letters_code_as_typed_plainly() -> None:
    assert _get(FULL_WIDTH)[1]["occupation"] == "261399"


@pytest.mark.django_db
def test_the_api_route_is_rate_limited_per_address(monkeypatch: pytest.MonkeyPatch) -> None:
    [throttle] = api.throttle
    assert isinstance(throttle, CallRateThrottle)
    monkeypatch.setattr(throttle, "num_requests", 2)
    monkeypatch.setattr(throttle, "duration", 60)
    client = Client()
    answers = [client.get(f"{API}/occupations?title=CTO") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]


# --- the page ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_asks_for_a_title_and_then_shows_the_candidates_with_the_table_s_reasons() -> None:
    blank = Client().get("/occupations/")
    assert blank.status_code == 200 and b"Code a job title" in blank.content and b"Candidate occupations" not in \
        blank.content
    page = Client().get("/occupations/?title=Product+Manager").content.decode()
    assert "225113 Marketing Specialist" in page and "135199 ICT Managers nec" in page
    assert "an assessor chooses the occupation" in page
    assert "bordercase&#x27;s table of current ICT titles" in page or "bordercase's table of current ICT titles" in page
    assert "https://www.mbie.govt.nz/about/news/new-border-exception-to-support-rapidly-growing-tech-sector" in page


@pytest.mark.django_db
def test_the_page_says_when_a_title_matches_nothing() -> None:
    page = Client().get("/occupations/?title=Growth+Hacker").content.decode()
    assert "matches no ANZSCO 2013 occupation" in page


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "words"), [
    ("title=", "Enter a job title"),
    ("title=" + "a" * 201, "201 characters long"),
    ("title=" + "a" * 20_000, "Shorten the job title"),
    ("title=a%1bb", "cannot be typed"),
])
def test_the_page_refuses_bad_titles_beside_the_field(query: str, words: str) -> None:
    response = Client().get(f"/occupations/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and words in page and 'href="#id_title"' in page
    assert "Error: Code a job title" in page


@pytest.mark.django_db
def test_a_null_character_is_refused_at_the_door_not_a_500() -> None:
    # bordercase.guard refuses null characters everywhere, before the page sees them.
    response = Client().get("/occupations/?title=a%00b")
    assert response.status_code == 400 and b"There is a problem" in response.content
