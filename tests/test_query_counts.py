"""What the busiest calls cost the database, pinned: lodging a draft over the API takes at most 25 SQL statements
and creating and lodging in one call at most 12 (every one counted, savepoints too), and the requests list and the
assessment queue cost the same for ten requests as for one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from bordercase.cases.lifecycle import CREATED
from bordercase.cases.models import Event, Request
from bordercase.reporting.models import Milestones
from tests.conftest import ANSWERS, API, World, api_post, nominee, verified_client
from tests.walking import walk

MakeRequest = Callable[..., Request]
LODGING_MOST = 25


def statements(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, [q["sql"] for q in captured.captured_queries]


def lodged_many(world: World, make_request: MakeRequest, count: int) -> list[Request]:
    made = []
    for n in range(count):
        draft = make_request()
        draft.nominee = nominee(passport_number=f"Q{n:07d}")
        draft.save(update_fields=["nominee"])
        made.append(walk(draft, [("lodge", world.employer_a)]))
    return made


def test_lodging_over_the_api_takes_at_most_25_statements_and_does_all_its_work(
    world: World, make_request: MakeRequest, api_client: Callable[..., Client]
) -> None:
    draft = make_request()
    client = api_client(world.employer_a)
    response, sql = statements(lambda: api_post(client, f"/requests/{draft.reference}/transitions/lodge"))
    assert response.status_code == 200 and response.json()["status"] == "lodged"
    assert len(sql) <= LODGING_MOST, f"{len(sql)} statements:\n" + "\n".join(s[:120] for s in sql)
    # Nothing left out to get there: the status, the event, the rules' evaluation, the statistics' milestone.
    row = Request.objects.get(pk=draft.pk)
    assert row.status == "lodged" and row.lodged_at is not None and row.entry_id and row.worker_identity
    assert Event.objects.filter(request=draft, transition="lodge").count() == 1
    assert response.json()["evaluation"]["outcome"]
    assert Milestones.objects.get(request=draft).lodged_at == row.lodged_at


def test_the_requests_list_costs_the_same_for_ten_requests_as_for_one(
    world: World, make_request: MakeRequest, api_client: Callable[..., Client]
) -> None:
    lodged_many(world, make_request, 1)
    client, page = api_client(world.employer_a), verified_client(world.employer_a)
    client.get(f"{API}/requests")  # a token's first use is recorded once; that is not the list's cost
    _, api_one = statements(lambda: client.get(f"{API}/requests"))
    _, page_one = statements(lambda: page.get("/requests/"))
    lodged_many(world, make_request, 9)
    listed, api_ten = statements(lambda: client.get(f"{API}/requests"))
    shown, page_ten = statements(lambda: page.get("/requests/"))
    assert listed.json()["count"] == 10 and shown.status_code == 200
    assert len(api_ten) == len(api_one), "the API's list reads more for more requests"
    assert len(page_ten) == len(page_one), "the requests page reads more for more requests"


def test_the_assessment_queue_costs_the_same_for_ten_requests_as_for_one(
    world: World, make_request: MakeRequest
) -> None:
    lodged_many(world, make_request, 1)
    page = verified_client(world.assessor_nztech)
    _, one = statements(lambda: page.get("/assessment/"))
    lodged_many(world, make_request, 9)
    shown, ten = statements(lambda: page.get("/assessment/"))
    assert shown.status_code == 200 and shown.content.decode().count('class="govuk-link bc-reference"') == 10
    assert len(ten) == len(one), "the queue reads more for more requests"


ONE_CALL_MOST = 12  # BEGIN, the same-worker SELECT, the seven rows, a log leaf for each of the two events, COMMIT
NOMINEE = {"given_names": "Ravi", "family_name": "Kumar", "date_of_birth": "1988-04-12", "nationality": "IND",
           "passport_number": "Z7712001", "email": "ravi.kumar@example.com"}


def test_creating_and_lodging_in_one_call_takes_at_most_12_statements_and_does_all_its_work(
    world: World, api_client: Callable[..., Client], settings: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # Counted as a busy window runs: the notice queued in the database for the worker, in the lodging's transaction.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = api_client(world.employer_a)
    body = {"scheme": "tech-specialists-2022", "organisation_nzbn": world.org_a.nzbn, "assessing_body": "nztech",
            "nominee": NOMINEE, "answers": ANSWERS["tech-specialists-2022"], "lodge": True}
    # The first lodging of a process reads the scheme, its bodies and windows, the token and the caller's roles, and
    # records the token's use; the next ones, which are what a busy window is made of, read none of them.
    first = api_post(client, "/requests", {**body, "nominee": {**NOMINEE, "passport_number": "Z7712000"}})
    assert first.status_code == 201, first.json()

    def lodge() -> Any:
        with django_capture_on_commit_callbacks(execute=True) as after_commit:
            answer = api_post(client, "/requests", body)
        assert after_commit == []  # the notice is queued with the lodging, not after it
        return answer

    response, sql = statements(lodge)
    assert response.status_code == 201, response.json()
    assert len(sql) <= ONE_CALL_MOST, f"{len(sql)} statements:\n" + "\n".join(s[:140] for s in sql)
    answer = response.json()
    row = Request.objects.get(reference=answer["reference"])
    assert answer["status"] == row.status == "lodged" and answer["evaluation"]["outcome"]
    assert row.lodged_at is not None and row.entry_id and row.worker_identity and row.events_count == 2
    assert list(row.events.values_list("transition", flat=True)) == [CREATED, "lodge"]
    assert Milestones.objects.get(request=row).lodged_at == row.lodged_at
    assert row.evaluations.count() == 1
    lodged = row.events.get(transition="lodge")
    assert DBTaskResult.objects.filter(args_kwargs={"args": [lodged.pk], "kwargs": {}}).count() == 1
