"""Who may see and change a request to travel: only its worker, on every page; everyone else, the employer
included, gets a 404. The employer follows their nominee's status but never sees their family's passports."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from django.test import Client

from bordercase.accounts.models import User
from bordercase.cases.models import Request
from bordercase.immigration.models import TravelRequest
from bordercase.immigration.services import travel
from bordercase.lib.errors import NotEditable, Refused
from tests.conftest import World
from tests.travel_support import MakeRequest, filled, invited, journey, partner, personal, travel_of, worker_of
from tests.walking import walk

PAGES = ["", "personal-details/", "passport/", "employment-agreement/", "family/", "family/add-partner/",
         "family/add-child/", "family/{member}/", "family/{member}/remove/", "journey/", "declarations/", "check/"]
OTHERS = ["employer_a", "employer_b", "assessor_inz", "assessor_nztech", "inz_officer", "administrator",
          "individual", "outsider"]


@pytest.fixture
def journeying(world: World, make_request: MakeRequest) -> tuple[Request, User, TravelRequest]:
    """An invited request whose worker has filled in everything, with a partner and a child, but not lodged."""
    request = invited(world, make_request)
    worker = worker_of(world, request)
    return request, worker, filled(request, worker, declared=False)


@pytest.fixture
def client_as(world: World, staff_client: Callable[[User], Client]) -> Callable[[User], Client]:
    def client_for(user: User) -> Client:
        if user in (world.assessor_inz, world.assessor_nztech, world.inz_officer, world.administrator):
            return staff_client(user)
        client = Client()
        client.force_login(user)
        return client

    return client_for


def _paths(request: Request, opened: TravelRequest) -> list[str]:
    member = opened.family.first()
    return [f"/requests/{request.reference}/travel/{page.format(member=member.pk)}" for page in PAGES]


def test_the_worker_opens_every_page_of_their_own_request_to_travel(
    journeying: tuple[Request, User, TravelRequest], client_as: Callable[[User], Client]
) -> None:
    request, worker, opened = journeying
    client = client_as(worker)
    for path in _paths(request, opened):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("persona", OTHERS)
def test_everyone_else_gets_404_on_every_travel_page_and_changes_nothing(
    world: World, journeying: tuple[Request, User, TravelRequest], client_as: Callable[[User], Client],
    persona: str
) -> None:
    request, _, opened = journeying
    client = client_as(world.actor(persona))
    before = (TravelRequest.objects.filter(pk=opened.pk).values().get(), list(opened.family.values()))
    for path in _paths(request, opened):
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"given_names": "Mallory", "no_family": "1"}).status_code == 404, path
    assert client.get(f"/requests/{request.reference}/travel/lodged/").status_code == 404
    assert (TravelRequest.objects.filter(pk=opened.pk).values().get(), list(opened.family.values())) == before
    assert Request.objects.get(pk=request.pk).status == "invited"


def test_a_worker_sees_only_their_own_request_and_request_to_travel(
    world: World, make_request: MakeRequest, journeying: tuple[Request, User, TravelRequest],
    client_as: Callable[[User], Client]
) -> None:
    mine, me, _ = journeying
    theirs = invited(world, make_request)
    other_worker = worker_of(world, theirs)
    client = client_as(me)
    assert client.get(f"/requests/{mine.reference}/").status_code == 200
    assert client.get(f"/requests/{theirs.reference}/").status_code == 404
    for path in ("", "personal-details/", "journey/", "check/"):
        assert client.get(f"/requests/{theirs.reference}/travel/{path}").status_code == 404
    listed = client.get("/requests/").content.decode()
    assert mine.reference in listed and theirs.reference not in listed
    with pytest.raises(Refused):
        travel.journey_save(travel=travel.travel_request_open(request=theirs, by=other_worker), by=me, **journey())


def test_the_pages_need_a_sign_in(journeying: tuple[Request, User, TravelRequest]) -> None:
    request, _, _ = journeying
    response = Client().get(f"/requests/{request.reference}/travel/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_the_employer_sees_the_status_but_never_the_family_s_passports(
    world: World, journeying: tuple[Request, User, TravelRequest], api_client: Callable[[User], Client],
    client_as: Callable[[User], Client]
) -> None:
    request, worker, opened = journeying
    travel.declarations_make(travel=opened, by=worker)
    travel.travel_lodge(travel=travel_of(request), by=worker)
    partner_passport, partner_mrz = partner()["passport_number"], partner()["passport_mrz"]
    employer = client_as(world.employer_a)
    page = html.unescape(employer.get(f"/requests/{request.reference}/").content.decode())
    assert "Request to travel lodged" in page
    api = api_client(world.employer_a)
    answers = [api.get(f"/api/v1/requests/{request.reference}").content.decode(),
               api.get(f"/api/v1/requests/{request.reference}/events").content.decode(),
               employer.get("/requests/").content.decode(), page]
    for answer in answers:
        assert partner_passport not in answer and partner_mrz not in answer
        assert personal(request)["phone"] not in answer
    assert '"status": "travel_requested"' in answers[0].replace('":"', '": "')
    # The worker, who lodged it, still may not change it.
    assert client_as(worker).get(f"/requests/{request.reference}/travel/")["Location"] == (
        f"/requests/{request.reference}/")


def test_the_worker_s_travel_pages_wait_for_the_invitation(
    world: World, make_request: MakeRequest, client_as: Callable[[User], Client]
) -> None:
    request = invited(world, make_request)
    worker = worker_of(world, request)
    # Withdrawn by the employer: the worker still sees the request, but there is nothing to fill in.
    walk(request, [("withdraw", world.employer_a)])
    response = client_as(worker).get(f"/requests/{request.reference}/travel/journey/")
    assert response.status_code == 302 and response["Location"] == f"/requests/{request.reference}/"
    with pytest.raises(NotEditable, match="cannot change now"):
        travel.travel_request_open(request=request, by=worker)
