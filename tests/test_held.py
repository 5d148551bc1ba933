"""The busy path's shortcuts keep to the rules: what a process holds is read afresh after any change, anywhere;
rows written without the ORM's save read back as saved; the API's limit counts every call on every server."""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from bordercase.accounts.models import Membership, Organisation, User
from bordercase.accounts.roles import roles_of
from bordercase.accounts.tokens import token_create
from bordercase.cases.models import Evaluation, IdempotencyRecord, Person, Request, Scheme
from bordercase.lib.held import Held
from bordercase.lib.rows import rows_insert
from bordercase.lib.throttle import CallRateThrottle
from tests.conftest import API, World

SRC = Path(__file__).resolve().parents[1] / "src" / "bordercase"


# --- held per process, read afresh after a change -------------------------------------------------------------


def test_a_held_value_is_read_once_and_again_after_a_change_made_in_another_process(db: None) -> None:
    # Two Held of one name stand for two server processes sharing the cache.
    here, there = Held[str]("test-things"), Held[str]("test-things")
    reads: list[str] = []

    def load() -> str:
        reads.append("read")
        return f"value {len(reads)}"

    assert here.get("k", load) == "value 1"
    assert here.get("k", load) == "value 1" and len(reads) == 1
    there.changed()  # a change committed by the other process
    assert here.get("k", load) == "value 2" and len(reads) == 2


def test_nothing_found_is_not_held_and_a_full_store_starts_again(db: None) -> None:
    held = Held[str]("test-limits", limit=2)
    misses: list[int] = []
    assert held.get("gone", lambda: misses.append(1)) is None
    assert held.get("gone", lambda: misses.append(1)) is None
    assert len(misses) == 2  # a token not found is looked for again, so one made since is found
    for key in ("a", "b", "c"):
        held.get(key, lambda key=key: key)
    loaded: list[str] = []
    assert held.get("c", lambda: loaded.append("c") or "c") == "c" and loaded == []
    assert held.get("a", lambda: loaded.append("a") or "a") == "a" and loaded == ["a"]


def test_a_role_given_or_taken_away_counts_at_once(world: World) -> None:
    user = world.outsider
    assert roles_of(user).employer_of == frozenset()
    membership = Membership.objects.create(user=user, organisation=world.org_b, role=Membership.Role.EMPLOYER)
    assert roles_of(user).employer_of == {world.org_b.pk}
    membership.delete()
    assert roles_of(user).employer_of == frozenset()


def test_an_organisation_changing_kind_changes_the_roles_it_gives(world: World) -> None:
    assert roles_of(world.employer_a).employer_of == {world.org_a.pk}
    world.org_a.kind = Organisation.Kind.ASSESSING_BODY
    world.org_a.save()
    assert roles_of(world.employer_a).employer_of == frozenset()


def test_a_token_answers_until_its_user_is_changed_to_inactive_by_a_save(world: World) -> None:
    _, text = token_create(user=world.employer_b, name="HR system")
    client = Client(headers={"Authorization": f"Bearer {text}"})
    assert client.get(f"{API}/requests").status_code == 200
    assert client.get(f"{API}/requests").status_code == 200  # held now
    user = User.objects.get(pk=world.employer_b.pk)
    user.is_active = False
    user.save()
    assert client.get(f"{API}/requests").status_code == 401


# What each held store is read from, and the call that tells it of a change a write makes without a signal.
_HELD = {"IntakeWindow": "schemes_changed", "Scheme": "schemes_changed", "Organisation": "schemes_changed",
         "User": "held_tokens.changed", "ApiToken": "held_tokens.changed"}


def _updates(tree: ast.AST) -> Iterator[tuple[ast.Call, str]]:
    """Each ``….update(…)`` call whose query starts from ``Model.objects`` or a scheme's ``windows``, and the model."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            receiver = node.func.value
            while isinstance(receiver, ast.Call | ast.Attribute):
                if isinstance(receiver, ast.Attribute) and receiver.attr == "objects" and isinstance(
                        receiver.value, ast.Name):
                    yield node, receiver.value.id
                    break
                if isinstance(receiver, ast.Attribute) and receiver.attr == "windows":
                    yield node, "IntakeWindow"
                    break
                receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value


def test_nothing_changes_what_is_held_without_telling_it() -> None:
    # A queryset's update() sends no signal, so a change made that way would stay unseen in every process's copy:
    # a window closed that way would stay open, a deactivated user's token would go on working. Each such update
    # (however its lines are laid out) is followed within two lines by the call that tells the held store, or says
    # on its line ("# held: …") why what is held does not depend on what it changes.
    untold = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for call, model in _updates(ast.parse(text)):
            teller = _HELD.get(model)
            after = lines[(call.end_lineno or call.lineno):(call.end_lineno or call.lineno) + 2]
            told = any(f"{teller}()" in line for line in after) or "# held:" in lines[call.lineno - 1]
            if teller and not told:
                untold.append(f"{path.relative_to(SRC)}:{call.lineno}: {model} needs {teller}()")
    assert untold == []


def test_the_check_for_untold_updates_sees_an_update_over_several_lines() -> None:
    found = list(_updates(ast.parse("User.objects.filter(\n    pk=1,\n).update(\n    is_active=False)\n"
                                    "request.scheme.windows.filter(pk=2).update(closes_at=None)\n")))
    assert [(call.lineno, model) for call, model in found] == [(1, "User"), (5, "IntakeWindow")]


# --- rows written without the ORM's save --------------------------------------------------------------------------


def test_rows_inserted_read_back_as_rows_saved(world: World) -> None:
    fields = {"given_names": "Ana", "family_name": "Silva", "date_of_birth": dt.date(1990, 5, 17),
              "nationality": "BRA", "passport_number": "FX123456", "email": "ana@example.com"}
    saved = Person.objects.create(**fields)
    inserted = Person(**{**fields, "passport_number": "FX123457"})
    rows_insert(inserted)
    assert inserted.pk is not None and not inserted._state.adding
    columns = {f.attname for f in Person._meta.concrete_fields} - {"id", "passport_number", "created_at"}
    read = Person.objects.filter(pk__in=[saved.pk, inserted.pk]).values(*columns, "created_at")
    first, second = sorted(read, key=lambda row: row["created_at"])
    assert {k: first[k] for k in columns} == {k: second[k] for k in columns}
    assert second["created_at"] >= first["created_at"]  # auto_now_add made by the field, as save makes it


def test_a_row_takes_the_id_of_the_row_inserted_before_it_and_json_reads_back(world: World) -> None:
    person = Person(given_names="Ana", family_name="Silva", date_of_birth=dt.date(1990, 5, 17), nationality="BRA",
                    passport_number="FX123458", email="ana@example.com")
    request = Request(reference="BC-HELD-0001", scheme=Scheme.objects.get(code="tech-specialists-2022"),
                      organisation=world.org_a, created_by=world.employer_a, nominee=person,
                      answers={"annual_salary_nzd": 145000, "industry_memberships": ["NZTech", "ITP"]})
    evaluation = Evaluation(request=request, policy_version="v", as_at=dt.date(2022, 3, 1), outcome="eligible",
                            criteria=[{"id": "salary", "outcome": "met", "reason": "ā ū ē"}], answers={})
    rows_insert(person, request, evaluation)
    read = Request.objects.get(pk=request.pk)
    assert read.nominee_id == person.pk and read.answers == request.answers
    assert Evaluation.objects.get(pk=evaluation.pk).criteria == evaluation.criteria


def test_a_saved_row_is_refused_and_a_clash_rolls_back_like_a_save(world: World) -> None:
    record = IdempotencyRecord.objects.create(user=world.employer_a, key="k-1", fingerprint="f", status_code=201,
                                              response={})
    with pytest.raises(ValueError, match="not a new row"):
        rows_insert(record)
    again = IdempotencyRecord(user=world.employer_a, key="k-1", fingerprint="g", status_code=201, response={})
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(again)
    assert again.pk is None
    assert list(IdempotencyRecord.objects.values_list("fingerprint", flat=True)) == ["f"]


# --- the API's limit, counted on every server ---------------------------------------------------------------------


def _call(user: User) -> Any:
    request = RequestFactory().get(f"{API}/schemes")
    request.auth = user  # type: ignore[attr-defined]
    return request


def test_calls_on_two_servers_count_against_one_limit_and_a_new_window_starts_afresh(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = CallRateThrottle("3/m"), CallRateThrottle("3/m")  # one per server, sharing the cache
    now = [60 * 16_666 + 20.0]  # 20 seconds into a minute
    monkeypatch.setattr("bordercase.lib.throttle.time.time", lambda: now[0])
    answers = [server.allow_request(_call(world.employer_a)) for server in (one, two, one, two)]
    assert answers == [True, True, True, False]
    assert two.wait() == pytest.approx(40.0)  # until the minute ends
    assert one.allow_request(_call(world.employer_b))  # another caller has a count of their own
    now[0] += 40.0
    assert two.allow_request(_call(world.employer_a))


def test_a_callers_count_is_one_number_however_many_calls_came_before(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ninja's own throttle keeps every call's time in one list, read and written whole on each call.
    monkeypatch.setattr("bordercase.lib.throttle.time.time", lambda: 1_000_020.0)
    throttle = CallRateThrottle("10000/m")
    for _ in range(500):
        assert throttle.allow_request(_call(world.employer_a))
    assert cache.get(f"{throttle.get_cache_key(_call(world.employer_a))}:{1_000_020 // 60}") == 500


def test_an_hourly_count_lasts_its_hour_in_the_file_cache(
    world: World, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file cache keeps what it counts again for its default 5 minutes unless told otherwise.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}
    now = [3600 * 500 + 10.0]  # 10 seconds into an hour
    monkeypatch.setattr("bordercase.lib.throttle.time.time", lambda: now[0])
    throttle = CallRateThrottle("2/h")
    assert throttle.allow_request(_call(world.employer_a)) and throttle.allow_request(_call(world.employer_a))
    now[0] += 600
    assert not throttle.allow_request(_call(world.employer_a))
    assert throttle.wait() == pytest.approx(3600 - 610)


def test_what_was_read_inside_a_change_that_rolled_back_is_not_kept(world: World) -> None:
    user = world.outsider
    assert roles_of(user).employer_of == frozenset()
    with contextlib.suppress(RuntimeError), transaction.atomic():
        Membership.objects.create(user=user, organisation=world.org_b, role=Membership.Role.EMPLOYER)
        assert roles_of(user).employer_of == {world.org_b.pk}  # the change's own rows, inside it
        raise RuntimeError("rolled back")
    assert roles_of(user).employer_of == frozenset()


def test_with_the_cache_down_the_rows_are_read_and_nothing_stale_is_kept(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    held, reads = Held[str]("test-outage"), []
    assert held.get("k", lambda: reads.append(1) or "before") == "before"

    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis is not answering")

    monkeypatch.setattr(cache, "get", down)
    assert held.get("k", lambda: reads.append(1) or "during") == "during"
    assert "cannot be read" in caplog.text
    monkeypatch.undo()
    assert held.get("k", lambda: reads.append(1) or "after") == "after"  # nothing from before the outage is used
    assert len(reads) == 3


def test_a_sign_in_leaves_what_is_held_but_a_change_to_the_person_does_not(world: World) -> None:
    _, text = token_create(user=world.employer_b, name="HR system")
    client = Client(headers={"Authorization": f"Bearer {text}"})
    assert client.get(f"{API}/requests").status_code == 200
    with CaptureQueriesContext(connection) as signed_in:
        user = User.objects.get(pk=world.employer_b.pk)
        user.save(update_fields=["last_login"])
        assert client.get(f"{API}/requests").status_code == 200
    assert not any("accounts_apitoken" in q["sql"] for q in signed_in.captured_queries)
    user.first_name = "Renamed"
    user.save()
    with CaptureQueriesContext(connection) as changed:
        assert client.get(f"{API}/requests").status_code == 200
    assert any("accounts_apitoken" in q["sql"] for q in changed.captured_queries)
