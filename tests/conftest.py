"""Shared personas and helpers: two employers, an assessor at each body, an INZ officer, an administrator,
an individual and an outsider, all made through the real services. Walking a request through the lifecycle is
tests.walking's."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

import django
import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from bordercase.accounts.models import Organisation, User
from bordercase.accounts.organisations import employer_create, membership_add, organisation_by_code
from bordercase.accounts.roles import roles_of
from bordercase.accounts.tokens import token_create
from bordercase.cases.models import Event, Request, Scheme
from bordercase.cases.reference_data import seed
from bordercase.cases.services.lodging import request_lodge
from bordercase.cases.services.people import person_create
from bordercase.cases.services.requests import request_create
from bordercase.cases.services.scheme_cache import schemes_changed
from bordercase.cases.services.windows import window_add
from bordercase.demo.tech import TECH
from bordercase.demo.world import Loaded, demo_load
from bordercase.lib.identifiers import nzbn_with_check_digit
from tests.mail import MailServer

PASSWORD = "correct horse battery staple"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _log_handlers_outlive_the_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Django is set up before any test. A command run in-process (bordercase's main) would set it up again, and its
    # new log handler would write to the test's captured output, which closes when the test ends: every later
    # record in the process would then fail onto whichever test's output is current.
    monkeypatch.setattr(django, "setup", lambda *args, **kwargs: None)
    yield
    closed = [h for h in logging.getLogger().handlers if getattr(getattr(h, "stream", None), "closed", False)]
    assert not closed, f"the test left the log writing to its own closed output: {closed}"


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_append_only_guards() -> Iterator[None]:
    """Between transactional tests pytest-django empties every table with TRUNCATE, which PostgreSQL refuses for the
    events and the transparency log, as it should anywhere else: the flush takes their triggers away within its
    own transaction, and puts them back before it commits."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self: DatabaseOperations, style: Any, tables: Any, **options: Any) -> list[str]:
        statements = original(self, style, tables, **options)
        guarded = [table for table in ("cases_event", "transparency_logentry") if table in tables]
        if not statements or not guarded:
            return statements
        return [*(f"ALTER TABLE {table} DISABLE TRIGGER USER" for table in guarded), *statements,
                *(f"ALTER TABLE {table} ENABLE TRIGGER USER" for table in guarded)]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # The API's rate limit counts calls in the cache by user: each test starts with none, as a new minute would.
    cache.clear()


def set_places(places: int, code: str = TECH) -> None:
    Scheme.objects.filter(code=code).update(places=places)
    schemes_changed()  # an update sends no signal: tell the scheme cache, as saving the scheme would


@dataclass(frozen=True)
class DemoScene:
    loaded: Loaded
    by_status: dict[str, Request]  # the first request in each status


@pytest.fixture(scope="module")
def demo_scene(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoScene]:
    """The demo's world with the tech class cut to ten places (a dozen nominations drawn, not 600), made through
    the real services once for the module, inside a transaction rolled back at its end; each test's own changes
    roll back to it. The whole 600-place demo is what CI's production smoke test loads."""
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        seed(Organisation, Scheme)  # browser tests may have emptied the migration's rows
        set_places(10)
        loaded = demo_load()
        by_status: dict[str, Request] = {}
        for request in Request.objects.order_by("pk"):
            by_status.setdefault(request.status, request)
        yield DemoScene(loaded, by_status)
        transaction.set_rollback(True)


@dataclass
class World:
    employer_a: User
    employer_b: User
    assessor_nztech: User
    assessor_itpnz: User
    assessor_inz: User
    inz_officer: User
    administrator: User
    individual: User
    outsider: User
    org_a: Organisation
    org_b: Organisation

    def actor(self, name: str) -> User:
        return getattr(self, name)


_PEOPLE = [name for name, kind in World.__annotations__.items() if kind == "User"]


def _user(email: str, name: str, org: Organisation | None = None, role: str | None = None) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=name)
    if org is not None and role is not None:
        membership_add(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def world(module_world: World, db: None, request: pytest.FixtureRequest) -> World:
    """The module's world, read afresh for each test: the database's changes roll back after each test, and a
    change a test makes to one of these objects in memory must not reach the next test either."""
    if _transactional(request):
        raise pytest.UsageError(
            f"{request.node.nodeid} commits for real, inside the module's world transaction: override `world` "
            "in its module with `per_test_world`, as tests/browser/conftest.py does.")
    users = User.objects.in_bulk([getattr(module_world, name).pk for name in _PEOPLE])
    organisations = Organisation.objects.in_bulk([module_world.org_a.pk, module_world.org_b.pk])
    return World(**{name: users[getattr(module_world, name).pk] for name in _PEOPLE},
                 org_a=organisations[module_world.org_a.pk], org_b=organisations[module_world.org_b.pk])


@pytest.fixture
def per_test_world(request: pytest.FixtureRequest) -> World:
    """A world made for one test, for a module with tests that commit for real (the browser's live server, a
    worker that reads what was committed): the database is emptied after each of those."""
    request.getfixturevalue("transactional_db" if _transactional(request) else "db")
    return world_make()


def _transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames


@pytest.fixture(scope="module")
def module_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The world made once for a module, inside a transaction rolled back at its end: making it takes a fifth of
    a second on PostgreSQL, which every test paid when each made its own. Each test's own changes roll back to it."""
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield world_make()
        transaction.set_rollback(True)


def world_make() -> World:
    # Browser tests empty the database between tests, taking the migration's rows with them.
    seed(Organisation, Scheme)
    now = timezone.now()
    for scheme in Scheme.objects.all():
        window_add(scheme=scheme, opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=30))
    org_a = employer_create(name="Kōwhai Software Limited", nzbn=nzbn_with_check_digit("942904100001"))
    org_b = employer_create(name="Harbourside Engineering Limited", nzbn=nzbn_with_check_digit("942904100002"))
    return World(
        employer_a=_user("aroha@kowhai.example", "Aroha Ngata", org_a, "employer"),
        employer_b=_user("sam@harbourside.example", "Sam Whitford", org_b, "employer"),
        assessor_nztech=_user("mere@nztech.example", "Mere Tawhiri", organisation_by_code("nztech"), "assessor"),
        assessor_itpnz=_user("david@itpnz.example", "David Chen", organisation_by_code("itpnz"), "assessor"),
        assessor_inz=_user("priya@inz.example", "Priya Raman", organisation_by_code("inz"), "assessor"),
        inz_officer=_user("tom@inz.example", "Tom Faleolo", organisation_by_code("inz"), "inz_officer"),
        administrator=_user("admin@mbie.example", "Hine Walker", organisation_by_code("mbie"), "administrator"),
        individual=_user("li.wei@example.com", "Li Wei"),
        outsider=_user("nobody@example.com", "No Body"),
        org_a=org_a,
        org_b=org_b,
    )


def window_around(code: str, moment: Any) -> None:
    """An intake window for the scheme that is open at ``moment`` (for tests that travel in time)."""
    window_add(scheme=Scheme.objects.get(code=code), opens_at=moment - timedelta(days=1),
               closes_at=moment + timedelta(days=1))


_counter = iter(range(10_000, 99_999))


def nominee(**overrides: Any) -> Any:
    n = next(_counter)
    fields = {
        "given_names": "Ravi", "family_name": f"Kumar{n}", "date_of_birth": date(1988, 4, 12),
        "nationality": "IND", "passport_number": f"Z{n}", "email": f"ravi{n}@example.com",
    }
    return person_create(**{**fields, **overrides})


# Answers each seeded scheme accepts at lodging (the rules may still find them ineligible).
ANSWERS: dict[str, dict[str, Any]] = {
    "tech-specialists-2022": {"anzsco_code": "261313", "annual_salary_nzd": 145000,
                              "employment_agreement_signed": True, "pipeline_programmes": ["Summer of Tech"],
                              "industry_memberships": ["NZTech"]},
    "other-essential-worker-2020": {"role_duration_months": 4, "unique_skills_not_obtainable_in_nz": True,
                                    "time_critical": True},
    "eoi-family-2020": {"explanation": "My husband is a New Zealand citizen living in Auckland."},
}


def draft_made(
    world: World, *, scheme: str = "tech-specialists-2022", by: User | None = None,
    organisation: Organisation | None = None, body: str | None = "nztech", with_nominee: bool = True,
    answers: dict[str, Any] | None = None,
) -> Request:
    """A draft request; by default Kōwhai Software's, under the tech scheme, assessed by NZTech."""
    scheme_row = Scheme.objects.get(code=scheme)
    if by is None:
        by = world.employer_a
        organisation = organisation or world.org_a
    return request_create(
        by=by, scheme=scheme_row, organisation=organisation, nominee=nominee() if with_nominee else None,
        assessing_body=organisation_by_code(body) if body else None,
        answers=ANSWERS.get(scheme, {}) if answers is None else answers,
    )


@pytest.fixture
def make_request(world: World) -> Callable[..., Request]:
    """``draft_made`` in this test's world."""
    return partial(draft_made, world)


@pytest.fixture
def api_client(world: World) -> Callable[[User], Client]:
    """A test client that sends a fresh API token of the given user."""

    def client_for(user: User) -> Client:
        _, text = token_create(user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {text}"})

    return client_for


def totp_device(user: User) -> TOTPDevice:
    """The user's confirmed authenticator app, made now if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code the device's app shows now, as a person would type it (with leading zeros)."""
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():0{device.digits}d}"


def totp_ready(device: TOTPDevice) -> str:
    """The current code, usable even if a test already gave one in this 30-second step.

    django-otp refuses a code whose time step is not later than the last accepted one, and throttles after a
    wrong code; a test setting up a second sign-in forgets both, as a fresh 30 seconds would.
    """
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0,
                                                   throttling_failure_timestamp=None)
    device.refresh_from_db()
    return totp_code(device)


def is_staff(user: User) -> bool:
    roles = roles_of(user)
    return bool(roles.assessor_at or roles.inz_officer or roles.administrator or user.is_superuser)


def verified_client(user: User) -> Client:
    """A client signed in as the user who has also given the code from their app (set up here if need be)."""
    client = Client()
    client.force_login(user)
    device = totp_device(user)
    response = client.post(reverse("web:two-step-code"), {"code": totp_ready(device), "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/", "the second step refused the right code"
    return client


def signed_in(user: User) -> Client:
    """A client signed in as the user: with the second step for staff, who must give it; password alone otherwise."""
    if is_staff(user):
        return verified_client(user)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(db: None) -> Callable[[User], Client]:
    """A function giving a client signed in as the user and verified by a code from their authenticator app."""
    return verified_client


@pytest.fixture
def smtp(settings: Any) -> Iterator[MailServer]:
    """Email goes over SMTP to a server started for the test, so what arrives is what a real server would get.

    Delivery happens after commit: tests that use the ``db`` fixture wrap the change in
    ``django_capture_on_commit_callbacks(execute=True)``; live-server browser tests commit for real.
    """
    server = MailServer()
    controller, port = server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    try:
        yield server
    finally:
        controller.stop()


API = "/api/v1"
NO_KEY = ""  # send no Idempotency-Key at all, to see what the API says without one


def api_post(client: Client, path: str, body: dict[str, Any] | None = None, key: str | None = None,
             method: str = "post") -> Any:
    """A JSON call to the API; a create or a lodge carries a fresh Idempotency-Key unless one (or NO_KEY) is given."""
    headers = {}
    if key is None and (path == "/requests" or path.endswith("/transitions/lodge")):
        key = str(uuid.uuid4())
    if key:
        headers["Idempotency-Key"] = key
    return getattr(client, method)(f"{API}{path}", data=json.dumps(body or {}), content_type="application/json",
                                   headers=headers)


def request_snapshot(request: Request) -> tuple[Any, ...]:
    """Everything a refused change must leave as it was: the row's state and answers, and its whole history."""
    row = Request.objects.get(pk=request.pk)
    events = list(Event.objects.filter(request=request).order_by("position")
                  .values_list("pk", "transition", "reason", "hash"))
    return row.status, row.assignee_id, row.answers, row.events_count, row.events_head_hash, events


@pytest.fixture
def lodged(world: World, make_request: Callable[..., Request]) -> Request:
    """Kōwhai Software's tech nomination, lodged."""
    return request_lodge(request=make_request(), by=world.employer_a)
