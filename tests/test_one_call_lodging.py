"""Creating and lodging a request in one API call ("lodge": true): the same rules as the two calls, nothing kept
when refused, and a retry with the same key answered as the first was."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bordercase.cases.lifecycle import CREATED
from bordercase.cases.models import Event, IdempotencyRecord, IntakeWindow, Person, Request
from bordercase.cases.services.idempotency import fingerprint
from bordercase.cases.services.scheme_cache import scheme_for_intake
from bordercase.reporting.models import Milestones
from tests.conftest import ANSWERS, World, api_post
from tests.mail import MailServer

TECH = "tech-specialists-2022"


def nominee(passport: str = "Z8810001") -> dict[str, Any]:
    return {"given_names": "Priya", "family_name": "Nair", "date_of_birth": "1990-05-17", "nationality": "IND",
            "passport_number": passport, "email": f"{passport.lower()}@example.com"}


def body(world: World, **overrides: Any) -> dict[str, Any]:
    return {"scheme": TECH, "organisation_nzbn": world.org_a.nzbn, "assessing_body": "nztech",
            "nominee": nominee(), "answers": ANSWERS[TECH], "lodge": True, **overrides}


@pytest.fixture
def employer(world: World, api_client: Callable[..., Client]) -> Client:
    return api_client(world.employer_a)


def nothing_kept() -> None:
    # Passport numbers are sealed, so the database cannot look one up: every person is read and compared.
    assert not Request.objects.exists() and all(p.passport_number != "Z8810001" for p in Person.objects.all())
    assert not Event.objects.exists() and not Milestones.objects.exists()


def test_one_call_lodges_as_the_two_calls_do(world: World, employer: Client) -> None:
    made = api_post(employer, "/requests", body(world))
    assert made.status_code == 201, made.json()
    answer = made.json()
    row = Request.objects.get(reference=answer["reference"])
    assert answer["status"] == row.status == "lodged" and answer["evaluation"]["outcome"] == "eligible"
    assert row.nominee.passport_number == "Z8810001" and row.assessing_body.code == "nztech"
    assert row.answers["lodged_on"] == timezone.localdate().isoformat()  # set by bordercase, as lodging does
    # The history reads as a draft lodged later: created, then lodged, the chain intact.
    events = list(row.events.order_by("position"))
    assert [e.position for e in events] == [1, 2] and events[1].prev_hash == events[0].hash
    assert row.events_head_hash == events[1].hash
    read = employer.get(f"/api/v1/requests/{row.reference}/events").json()
    assert [e["transition"] for e in read] == [CREATED, "lodge"]


def test_a_second_nomination_of_the_same_worker_is_seen(world: World, employer: Client,
                                                        api_client: Callable[..., Client]) -> None:
    assert api_post(employer, "/requests", body(world)).status_code == 201
    other = api_client(world.employer_b)
    again = api_post(other, "/requests", body(world, organisation_nzbn=world.org_b.nzbn))
    assert again.status_code == 201
    lodge = Event.objects.get(request__reference=again.json()["reference"], transition="lodge")
    assert lodge.data == {"same_worker_requests": 1}


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"nominee": None}, 422, "nominee"),
    ({"nominee": {**nominee(), "date_of_birth": "1790-01-01"}}, 422, "nominee.date_of_birth"),
    ({"nominee": {**nominee(), "passport_number": "no!"}}, 422, "nominee.passport_number"),
    ({"answers": {}}, 422, "answers.annual_salary_nzd"),
    ({"answers": {**ANSWERS[TECH], "annual_salary_nzd": "lots"}}, 422, "answers.annual_salary_nzd"),
    ({"organisation_nzbn": "9429041000999"}, 422, "organisation_nzbn"),
    ({"assessing_body": "itpnz-not"}, 422, "assessing_body"),
    ({"scheme": "no-such-scheme"}, 422, "scheme"),
])
def test_a_refused_one_call_names_the_field_and_keeps_nothing(
    world: World, employer: Client, change: dict[str, Any], status: int, field: str
) -> None:
    refused = api_post(employer, "/requests", body(world, **change))
    assert refused.status_code == status, refused.json()
    assert field in refused.json()["fields"], refused.json()
    nothing_kept()


def test_a_closed_window_refuses_the_one_call_with_409_and_keeps_nothing(world: World, employer: Client) -> None:
    window = IntakeWindow.objects.get(scheme__code=TECH)
    window.closes_at = timezone.now() - timezone.timedelta(seconds=1)
    window.opens_at = window.closes_at - timezone.timedelta(days=10)
    window.save()  # through the model, as the window services do, so the scheme cache learns of it
    refused = api_post(employer, "/requests", body(world))
    assert refused.status_code == 409 and "closed" in refused.json()["message"], refused.json()
    nothing_kept()


def test_a_retry_with_the_same_key_replays_the_first_answer_even_after_the_window_closed(
    world: World, employer: Client
) -> None:
    key = str(uuid.uuid4())
    first = api_post(employer, "/requests", body(world), key=key)
    assert first.status_code == 201
    window = IntakeWindow.objects.get(scheme__code=TECH)
    window.closes_at = timezone.now()
    window.save()
    again = api_post(employer, "/requests", body(world), key=key)
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, first.json(), "true")
    assert Request.objects.count() == 1
    changed = api_post(employer, "/requests", body(world, nominee=nominee("Z8810002")), key=key)
    assert changed.status_code == 422 and "different request" in changed.json()["message"]
    assert Request.objects.count() == 1


def test_the_scheme_cache_is_read_afresh_after_a_window_changes(world: World) -> None:
    before = scheme_for_intake(TECH)
    assert before is scheme_for_intake(TECH)  # held by the process between calls
    IntakeWindow.objects.get(scheme__code=TECH).save()
    after = scheme_for_intake(TECH)
    assert after is not before and after is not None and after.code == TECH


def test_a_worker_nominated_again_in_one_call_is_told_to_both_employers(
    world: World, employer: Client, api_client: Callable[..., Client], smtp: MailServer,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    assert api_post(employer, "/requests", body(world)).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        again = api_post(api_client(world.employer_b), "/requests", body(world, organisation_nzbn=world.org_b.nzbn))
    assert again.status_code == 201
    smtp.wait_for(3)  # their receipt, and a same-worker notice to each employer
    [to_them] = [m for m in smtp.to(world.employer_b.email) if "also nominated" in m["Subject"]]
    [to_us] = [m for m in smtp.to(world.employer_a.email) if "also nominated" in m["Subject"]]
    assert again.json()["reference"] in to_them["Subject"]
    assert again.json()["reference"] not in to_us["Subject"]


def test_a_change_sets_the_cache_s_version_again_when_it_commits(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as at_commit:
        IntakeWindow.objects.get(scheme__code=TECH).save()
        # A process reading between the change and its commit holds the rows under the first new version…
        between = scheme_for_intake(TECH)
    assert scheme_for_intake(TECH) is between
    for callback in at_commit:
        callback()
    # …and reads them again once the change has committed.
    assert scheme_for_intake(TECH) is not between


def test_a_create_without_lodge_is_fingerprinted_as_before_lodge_existed(world: World, employer: Client) -> None:
    draft = {key: value for key, value in body(world).items() if key != "lodge"}
    key = str(uuid.uuid4())
    first = api_post(employer, "/requests", draft, key=key)
    record = IdempotencyRecord.objects.get(key=key)
    assert first.status_code == 201 and first.json()["status"] == "draft"
    assert record.fingerprint == fingerprint("create", {**draft, "nominee": {**draft["nominee"]},
                                                        "assessing_body": "nztech"})
    assert api_post(employer, "/requests", {**draft, "lodge": False}, key=key)["Idempotent-Replayed"] == "true"
