"""The administrator's what-if page: parameters shown as in force today, changed ones simulated over the live pool
by the same service as `policy simulate`, bad values refused on their field, the report as CSV; a 404 for anyone
who is not a scheme administrator, and the second factor first for an administrator who has not given it."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from bordercase.policy import loader
from tests.allocation_support import eligible
from tests.conftest import World, verified_client
from tests.walking import walk

TECH, OEW = "tech-specialists-2022", "other-essential-worker-2020"


def shown(response: object) -> str:
    return html.unescape(response.content.decode())  # type: ignore[attr-defined]


def form_of(scheme_id: str, **changes: str) -> dict[str, str]:
    """The form as the page first shows it (today's values), with some boxes changed."""
    from bordercase.cases.services.whatif import current_texts, whatif_parameters

    policy = loader.scheme(scheme_id)
    now = current_texts(policy, None)
    return {"run": "1", **{name: now[name] for name in whatif_parameters(policy)}, **changes}


def long_term(world: World, hourly: Decimal) -> None:
    from tests.conftest import draft_made

    answers = {"role_duration_months": 12, "unique_skills_not_obtainable_in_nz": True, "time_critical": True,
               "hourly_rate_nzd": str(hourly), "hours_per_week": 40}
    walk(draft_made(world, scheme=OEW, body="inz", answers=answers), [("lodge", world.employer_a)])


def test_the_schemes_with_rules_to_change_are_listed(world: World) -> None:
    page = shown(verified_client(world.administrator).get("/administration/what-if/"))
    assert f"/administration/what-if/{TECH}/" in page and f"/administration/what-if/{OEW}/" in page
    assert "/administration/what-if/eoi-family-2020/" not in page  # no parameter that moves an outcome


def test_the_form_shows_each_parameter_as_in_force_today(world: World) -> None:
    page = shown(verified_client(world.administrator).get(f"/administration/what-if/{TECH}/"))
    assert 'name="places"' in page and 'value="600"' in page
    assert 'value="2613: 120000, 1351: 120000, 2621: 120000, 2612: 95000"' in page
    assert 'name="isolation_days"' not in page  # moves neither an outcome nor a place
    assert "What changes" not in page  # nothing asked yet


def test_a_fractional_median_multiple_changes_outcomes_on_the_page(world: World) -> None:
    twice = 2 * loader.scheme(OEW).value("median_wage_hourly", timezone.localdate())
    long_term(world, (twice * Decimal("0.8")).quantize(Decimal("0.01")))
    long_term(world, twice + 1)
    client = verified_client(world.administrator)

    page = shown(client.get(f"/administration/what-if/{OEW}/", form_of(OEW, median_multiple="1.5")))

    assert "1 of 2 lodged requests would change outcome" in page
    assert "Ineligible</td><td class=\"govuk-table__cell\">Eligible" in page
    assert "Long term criteria" in page
    assert "+what-if(median_multiple=1.5)" in page
    assert "Places to allocate" not in page


def test_more_places_show_the_places_and_chances_expected(world: World) -> None:
    waiting = [eligible(world) for _ in range(4)]
    client = verified_client(world.administrator)

    page = shown(client.get(f"/administration/what-if/{TECH}/", form_of(TECH, places="2")))

    assert "0 of 4 lodged requests would change outcome" in page
    assert "600 now; 2 as changed" in page and "Places expected by category" in page
    assert "<td class=\"govuk-table__cell\">2613</td>" in page
    assert all(r.reference in page for r in waiting) and "0.500" in page


def test_bad_values_are_refused_on_their_fields(world: World) -> None:
    client = verified_client(world.administrator)
    response = client.get(f"/administration/what-if/{TECH}/",
                          form_of(TECH, places="many", ballot_employer_cap="1.5", as_at_day="31", as_at_month="2",
                                  as_at_year="2022"))
    page = shown(response)
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert 'href="#id_as_at_day"' in page  # the date is checked first; the parameters once it is right
    response = client.get(f"/administration/what-if/{TECH}/", form_of(TECH, places="many", ballot_employer_cap="1.5"))
    page = shown(response)
    assert '<a href="#id_places">places is a number, so it cannot be set to \'many\': give a whole number' in page
    assert '<a href="#id_ballot_employer_cap">ballot_employer_cap is a number' in page
    assert "What changes" not in page
    unknown = shown(client.get(f"/administration/what-if/{TECH}/", form_of(TECH, allocation_method="lottery")))
    assert '<a href="#id_allocation_method">allocation_method is one of ballot or order_of_receipt' in unknown


def test_the_report_downloads_as_csv(world: World) -> None:
    waiting = [eligible(world) for _ in range(3)]
    client = verified_client(world.administrator)
    response = client.get(f"/administration/what-if/{TECH}/what-if.csv",
                          form_of(TECH, places="1", salary_thresholds="2613: 150000"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'filename="what-if-{TECH}.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "name", "from", "to", "requests", "before", "after"]
    assert ["outcome", "", "eligible", "ineligible", "3", "", ""] in rows
    assert ["criterion", "salary_threshold", "met", "not_met", "3", "", ""] in rows
    assert ["category", "2613", "eligible", "ineligible", "3", "", ""] in rows
    assert ["places", "(all)", "", "", "3", "600", "1"] in rows
    # Found ineligible as changed, all three leave the pool, and their category expects no place.
    assert ["leaving the pool", "(all)", "eligible", "ineligible", "3", "", ""] in rows
    assert ["places", "2613", "", "", "0", "3.00", "0.00"] in rows
    assert {r[1] for r in rows if r[0] == "chance"} == {r.reference for r in waiting}


def test_a_value_from_a_date_and_an_evaluation_date_are_taken(world: World) -> None:
    eligible(world)
    client = verified_client(world.administrator)
    later = timezone.localdate() + dt.timedelta(days=40)
    dates = {"applies_from_day": str(later.day), "applies_from_month": str(later.month),
             "applies_from_year": str(later.year)}
    untouched = shown(client.get(f"/administration/what-if/{TECH}/",
                                 form_of(TECH, salary_thresholds="2613: 150000", **dates)))
    assert "0 of 1 lodged request would change outcome" in untouched
    as_at = {"as_at_day": str(later.day), "as_at_month": str(later.month), "as_at_year": str(later.year)}
    moved = shown(client.get(f"/administration/what-if/{TECH}/",
                             form_of(TECH, salary_thresholds="2613: 150000", **dates, **as_at)))
    assert "1 of 1 lodged request would change outcome" in moved and f"evaluated as at {later:%-d %B %Y}" in moved


def test_only_a_scheme_administrator_reaches_the_what_if(world: World) -> None:
    for path in ("/administration/what-if/", f"/administration/what-if/{TECH}/",
                 f"/administration/what-if/{TECH}/what-if.csv?run=1"):
        for who in (world.assessor_nztech, world.inz_officer):
            assert verified_client(who).get(path).status_code == 404
        employer = Client()
        employer.force_login(world.employer_a)
        assert employer.get(path).status_code == 404
        assert Client().get(path).status_code == 302  # to sign in
        unverified = Client()
        unverified.force_login(world.administrator)
        assert unverified.get(path)["Location"].startswith("/account/two-step/set-up/")  # the second factor first
    assert verified_client(world.administrator).get("/administration/what-if/no-such-scheme/").status_code == 404


def test_the_form_sent_back_as_shown_changes_nothing(world: World) -> None:
    eligible(world)
    page = shown(verified_client(world.administrator).get(f"/administration/what-if/{TECH}/", form_of(TECH)))
    assert "0 of 1 lodged request would change outcome" in page
    assert f"as changed, <span class=\"bc-hash\">{loader.scheme(TECH).version}</span>" in page  # no what-if in it
    assert "No request's chance of a place changes." in page


def test_an_answer_or_band_the_scheme_does_not_have_is_refused_on_its_field(world: World) -> None:
    eligible(world)
    client = verified_client(world.administrator)
    for field, value, words in [
        ("ballot_category", "answer: salary, characters: 4", "'salary' is not a question of tech-specialists-2022"),
        ("ballot_category", "answer: [x], characters: 4", "ballot_category.answer is text, so it cannot be set to "
                                                          "'[x]'"),
        ("ballot_weight_by_salary_band", "answer: annual_salary_nzd, bands: {abc: 1}",
         "a band is named by its lower bound in whole New Zealand dollars a year, such as 150000, not 'abc'"),
    ]:
        response = client.get(f"/administration/what-if/{TECH}/", form_of(TECH, **{field: value}))
        page = shown(response)
        assert response.status_code == 200 and "govuk-error-summary" in page
        assert f'<a href="#id_{field}">' in page and words in page
        assert "What changes" not in page  # no report from a change refused
        assert value in page  # the box keeps what was typed, to correct
