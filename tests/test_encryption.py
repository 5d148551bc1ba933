"""Encryption at rest (bordercase.lib.sealed): passport numbers, machine-readable zones and the exports recommendation
batches were sent as are held sealed, read back as written, rotated to a new key by a command, and the same worker
nominated twice is still found by the keyed identity. Run on SQLite and on PostgreSQL as the suite is."""

from __future__ import annotations

import hashlib
import importlib
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bordercase.accounts.models import User
from bordercase.cases.models import Person, Request
from bordercase.cases.services.requests import request_create
from bordercase.cases.services.workers import identity_of, same_worker_requests
from bordercase.immigration.models import FamilyMember, RecommendationBatch, TravelRequest
from bordercase.immigration.services import recommendations, travel
from bordercase.lib import sealed
from bordercase.lib.identifiers import worker_identity
from tests.conftest import ANSWERS, TECH, World, api_post, nominee
from tests.immigration_support import allocated
from tests.travel_support import MakeRequest, filled, invited, worker_of
from tests.walking import walk

# Each sealed column, as (table, column, the model and field that read it).
COLUMNS = [("cases_person", "passport_number", Person, "passport_number"),
           ("immigration_travelrequest", "passport_number", TravelRequest, "passport_number"),
           ("immigration_travelrequest", "passport_mrz", TravelRequest, "passport_mrz"),
           ("immigration_familymember", "passport_number", FamilyMember, "passport_number"),
           ("immigration_familymember", "passport_mrz", FamilyMember, "passport_mrz")]


def raw(table: str, column: str, pk: int) -> str:
    """The column exactly as the database holds it, past the ORM."""
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} WHERE id = %s", [pk])  # noqa: S608
        (value,) = cursor.fetchone()
    return str(value)


def raw_write(table: str, column: str, pk: int, value: str) -> None:
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s", [value, pk])  # noqa: S608


def raw_bytes(table: str, column: str, pk: int) -> bytes:
    """A binary column exactly as the database holds it, past the ORM."""
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} WHERE id = %s", [pk])  # noqa: S608
        (value,) = cursor.fetchone()
    return bytes(value)


def raw_write_bytes(table: str, column: str, pk: int, value: bytes) -> None:
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s", [value, pk])  # noqa: S608


def current_keys() -> list[str]:
    """The data keys in force: the environment's, or development's own under the var directory."""
    sealed.keys()  # makes development's key if there is none yet
    return list(django_settings.DATA_KEYS) or [(Path(django_settings.VAR_DIR) / "data-key").read_text().strip()]


def travelling_rows(world: World, make_request: MakeRequest) -> list[tuple[str, str, int, str]]:
    """A worker's request to travel with a partner and a child: each sealed column's (table, column, row, text)."""
    request = invited(world, make_request)
    travel = filled(request, worker_of(world, request))
    rows = [("cases_person", "passport_number", request.nominee_id, request.nominee.passport_number)]
    for member in [travel, *travel.family.all()]:
        table = TravelRequest._meta.db_table if member is travel else FamilyMember._meta.db_table
        rows += [(table, "passport_number", member.pk, member.passport_number),
                 (table, "passport_mrz", member.pk, member.passport_mrz)]
    return rows


BATCHES = RecommendationBatch._meta.db_table
EXPORTS = ("export_csv", "export_json")


def sent_batch(world: World) -> tuple[RecommendationBatch, list[bytes]]:
    """A batch of two requests sent to Immigration NZ, and what each export must never show in clear: the workers'
    names (one with macrons) and passport numbers."""
    first = allocated(world, given_names="Kōwhai", family_name="Ngāta")
    second = allocated(world, employer="b")
    batch = recommendations.batch_send(scheme=first.scheme, body=first.assessing_body, requests=[first, second],
                                       by=world.assessor_nztech)
    secrets = [text.encode("utf-8") for r in (first, second)
               for text in (r.nominee.passport_number, r.nominee.given_names, r.nominee.family_name)]
    return RecommendationBatch.objects.get(pk=batch.pk), secrets


@pytest.fixture
def keys_a(settings: Any) -> list[str]:
    """A fresh key in front of the keys in force (which still open what the world was made with)."""
    settings.DATA_KEYS = [Fernet.generate_key().decode(), *current_keys()]
    return list(settings.DATA_KEYS)


# --- held sealed, read back -----------------------------------------------------------------------------------------


def test_every_passport_number_and_machine_readable_zone_is_held_sealed_and_read_back(
    world: World, make_request: MakeRequest,
) -> None:
    rows = travelling_rows(world, make_request)
    assert {(table, column) for table, column, _, _ in rows} == {(t, c) for t, c, _, _ in COLUMNS}
    for table, column, pk, text in rows:
        stored = raw(table, column, pk)
        assert text and text not in stored and stored.startswith(sealed.TOKEN_PREFIX), (table, column)
        assert sealed.unseal(stored) == text
    travel = TravelRequest.objects.get(pk=rows[1][2])
    assert [travel.passport_number, travel.passport_mrz] == [rows[1][3], rows[2][3]]
    assert travel.passport_mrz.startswith(travel.passport_number)  # the MRZ line opens with the number it seals


def test_the_same_text_is_sealed_differently_each_time_so_equal_passports_cannot_be_seen_equal(db: None) -> None:
    first, second = nominee(passport_number="EQ1234567"), nominee(passport_number="EQ1234567")
    assert raw("cases_person", "passport_number", first.pk) != raw("cases_person", "passport_number", second.pk)
    assert Person.objects.get(pk=first.pk).passport_number == Person.objects.get(pk=second.pk).passport_number


def test_a_blank_passport_stays_blank_and_can_still_be_asked_for(world: World, make_request: MakeRequest) -> None:
    request = invited(world, make_request)
    opened = travel.travel_request_open(request=request, by=worker_of(world, request))
    assert raw(TravelRequest._meta.db_table, "passport_number", opened.pk) == ""
    assert TravelRequest.objects.filter(pk=opened.pk, passport_number="", passport_mrz="").exists()


def test_the_database_is_never_asked_to_compare_a_sealed_value(db: None) -> None:
    person = nominee()
    with pytest.raises(FieldError, match=r"Person\.passport_number is sealed.*keyed worker identity"):
        list(Person.objects.filter(passport_number=person.passport_number))
    with pytest.raises(FieldError, match=r"Person\.passport_number is sealed.*'icontains'"):
        list(Person.objects.filter(passport_number__icontains="Z"))
    with pytest.raises(FieldError, match=r"FamilyMember\.passport_mrz is sealed"):
        list(FamilyMember.objects.filter(passport_mrz__startswith="P<"))
    assert Person.objects.filter(pk=person.pk).exclude(passport_number="").exists()


def test_a_batch_export_is_held_sealed_and_downloads_as_sent_matching_its_digest(
    world: World, staff_client: Callable[[User], Any], api_client: Callable[[User], Any],
) -> None:
    batch, secrets = sent_batch(world)
    for column in EXPORTS:
        stored = raw_bytes(BATCHES, column, batch.pk)
        assert stored.startswith(sealed.TOKEN_PREFIX_BYTES), column
        assert not [secret for secret in secrets if secret in stored], column
        assert sealed.unseal_bytes(stored) == bytes(getattr(batch, column))
    assert secrets[0] in batch.export_csv and secrets[2] in batch.export_json  # opened, the export is as sent
    pages, api = staff_client(world.assessor_nztech), api_client(world.inz_officer)
    for kind, digest in (("csv", batch.csv_sha256), ("json", batch.json_sha256)):
        for download in (pages.get(f"/immigration/batches/{batch.pk}/export.{kind}"),
                         api.get(f"/api/v1/recommendation-batches/{batch.pk}/export.{kind}")):
            assert download.status_code == 200 and hashlib.sha256(download.content).hexdigest() == digest, kind
            assert download.content == bytes(getattr(batch, f"export_{kind}"))


def test_the_database_is_never_asked_to_compare_a_sealed_export(world: World) -> None:
    batch, _ = sent_batch(world)
    with pytest.raises(FieldError, match=r"RecommendationBatch\.export_csv is sealed.*find the row another way"):
        list(RecommendationBatch.objects.filter(export_csv=batch.export_csv))
    with pytest.raises(FieldError, match=r"RecommendationBatch\.export_json is sealed.*'contains'"):
        list(RecommendationBatch.objects.filter(export_json__contains=b"Kumar"))
    assert RecommendationBatch.objects.filter(pk=batch.pk, export_csv__isnull=False).exclude(export_json=b"").exists()


# --- the same worker, found by the keyed identity -------------------------------------------------------------------


def test_the_same_worker_nominated_by_two_employers_is_found_by_a_keyed_identity(
    world: World, make_request: MakeRequest, settings: Any,
) -> None:
    ours = make_request()
    person = ours.nominee
    twin = {"passport_number": f" {person.passport_number.lower()} ", "nationality": person.nationality,
            "date_of_birth": person.date_of_birth, "given_names": "R.", "family_name": "Kumar", "email": "r@k.example"}
    theirs = request_create(by=world.employer_b, scheme=ours.scheme, organisation=world.org_b, nominee=nominee(**twin),
                            assessing_body=ours.assessing_body, answers=ANSWERS[TECH])
    walk(ours, [("lodge", world.employer_a)])
    walk(theirs, [("lodge", world.employer_b)])
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.worker_identity == theirs.worker_identity == identity_of(person)
    assert list(same_worker_requests(ours)) == [theirs]
    # Not the plain hash anyone could recompute by trying passport numbers, and another key gives another identity.
    plain = "|".join((person.passport_number, person.nationality, person.date_of_birth.isoformat()))
    assert ours.worker_identity != hashlib.sha256(plain.encode()).hexdigest()
    elsewhere = worker_identity(passport_number=person.passport_number, nationality=person.nationality,
                                date_of_birth=person.date_of_birth, key=Fernet.generate_key())
    assert len(elsewhere) == 64 and elsewhere != ours.worker_identity


def test_the_index_key_is_refused_as_one_of_the_data_keys(settings: Any) -> None:
    settings.DATA_KEYS = [key := Fernet.generate_key().decode()]
    settings.INDEX_KEY = key
    with pytest.raises(ImproperlyConfigured, match="BORDERCASE_INDEX_KEY is also one of BORDERCASE_DATA_KEYS"):
        sealed.keys()


# --- rotation -------------------------------------------------------------------------------------------------------


def test_rotation_seals_everything_again_under_the_newest_key_and_the_old_one_can_go(
    world: World, make_request: MakeRequest, settings: Any, keys_a: list[str],
) -> None:
    rows = travelling_rows(world, make_request)
    before = {(table, column, pk): raw(table, column, pk) for table, column, pk, _ in rows}
    key_b = Fernet.generate_key().decode()
    settings.DATA_KEYS = [key_b, *keys_a]
    checked = io.StringIO()
    with pytest.raises(CommandError, match="not under the newest key: run `bordercase keys rotate`"):
        call_command("keys", "check", stdout=checked)
    out = io.StringIO()
    call_command("keys", "rotate", "--batch-size", "1", stdout=out)
    assert "cases.Person (passport_number): 1 of" in out.getvalue()
    assert "immigration.FamilyMember (passport_number, passport_mrz): 2 of 2 rows, 4 values sealed again" in (
        out.getvalue())
    settings.DATA_KEYS = [key_b]  # key A taken away
    for table, column, pk, text in rows:
        after = raw(table, column, pk)
        assert after != before[(table, column, pk)] and text not in after
        assert Fernet(key_b.encode()).decrypt(after.encode()).decode() == text
    assert {m.passport_number for m in FamilyMember.objects.all()} == {rows[3][3], rows[5][3]}
    assert Person.objects.get(pk=rows[0][2]).passport_number == rows[0][3]
    again = io.StringIO()
    call_command("keys", "rotate", stdout=again)  # safe to run again: nothing left to do
    assert " 0 values sealed again" in again.getvalue() and "sealed again" in again.getvalue()
    assert not any(f" {n} values sealed again" in again.getvalue() for n in range(1, 10))
    call_command("keys", "check", stdout=checked)
    assert "Every sealed value is under the newest key" in checked.getvalue()


def test_rotation_seals_the_batch_exports_again_and_check_counts_them(
    world: World, settings: Any, keys_a: list[str], staff_client: Callable[[User], Any],
) -> None:
    batch, _ = sent_batch(world)
    sent = {column: bytes(getattr(batch, column)) for column in EXPORTS}
    before = {column: raw_bytes(BATCHES, column, batch.pk) for column in EXPORTS}
    key_b = Fernet.generate_key().decode()
    settings.DATA_KEYS = [key_b, *keys_a]
    checked = io.StringIO()
    with pytest.raises(CommandError, match="sealed values are not under the newest key"):
        call_command("keys", "check", stdout=checked)
    name = "immigration.RecommendationBatch (export_csv, export_json)"
    assert f"{name}: 1 of 1 rows, 2 values not under the newest key" in checked.getvalue()
    out = io.StringIO()
    call_command("keys", "rotate", stdout=out)
    assert f"{name}: 1 of 1 rows, 2 values sealed again" in out.getvalue()
    settings.DATA_KEYS = [key_b]  # key A taken away
    for column in EXPORTS:
        after = raw_bytes(BATCHES, column, batch.pk)
        assert after != before[column] and Fernet(key_b.encode()).decrypt(after) == sent[column]
    download = staff_client(world.assessor_nztech).get(f"/immigration/batches/{batch.pk}/export.json")
    assert hashlib.sha256(download.content).hexdigest() == batch.json_sha256
    call_command("keys", "check", stdout=checked)
    assert "Every sealed value is under the newest key" in checked.getvalue()


def test_an_export_sealed_under_a_key_taken_away_stops_rotation_naming_the_batch(
    world: World, settings: Any,
) -> None:
    batch, _ = sent_batch(world)
    settings.DATA_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(sealed.SealedValueUnreadable, match=r"A value of RecommendationBatch\.export_csv cannot be "
                                                           r"opened with any key"):
        RecommendationBatch.objects.get(pk=batch.pk)
    fields = [RecommendationBatch._meta.get_field(column) for column in EXPORTS]  # the passports would stop it first
    with pytest.raises(sealed.SealedValueUnreadable,
                       match=rf"RecommendationBatch\.export_csv of row {batch.pk} cannot be opened"):
        sealed.reseal(RecommendationBatch, fields)  # type: ignore[arg-type]


def test_a_value_changed_while_rotating_is_left_as_the_site_wrote_it(
    db: None, settings: Any, keys_a: list[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = nominee()
    old = raw("cases_person", "passport_number", person.pk)
    settings.DATA_KEYS = [Fernet.generate_key().decode(), *keys_a]
    real = sealed._batches

    def meanwhile(*args: Any, **kwargs: Any) -> Any:
        for rows in real(*args, **kwargs):
            Person.objects.filter(pk=person.pk).update(passport_number="NEW1234567")  # the site writes, after reading
            yield rows

    monkeypatch.setattr(sealed, "_batches", meanwhile)
    tally = sealed.reseal(Person, [Person._meta.get_field("passport_number")])  # type: ignore[list-item]
    assert tally.moved >= 1 and raw("cases_person", "passport_number", person.pk) != old
    assert Person.objects.get(pk=person.pk).passport_number == "NEW1234567"


def test_a_fresh_key_is_printed_even_in_production_without_keys_and_rotation_then_says_what_to_set(
    db: None, settings: Any,
) -> None:
    settings.PRODUCTION, settings.DATA_KEYS, settings.INDEX_KEY = True, [], ""
    made = [io.StringIO(), io.StringIO()]
    for out in made:
        call_command("keys", "new", stdout=out)
    first, second = (out.getvalue().strip() for out in made)
    assert first != second and Fernet(first.encode()) and len(first) == 44
    with pytest.raises(CommandError, match=r"Production mode needs BORDERCASE_DATA_KEYS.*bordercase keys new"):
        call_command("keys", "rotate", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--batch-size must be 1 or more"):
        call_command("keys", "rotate", "--batch-size", "0", stdout=io.StringIO())


# --- wrong or missing keys: a clear error, never garbage ------------------------------------------------------------


def test_a_value_sealed_under_a_key_taken_away_is_an_error_saying_what_to_do(db: None, settings: Any) -> None:
    person = nominee()
    settings.DATA_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(sealed.SealedValueUnreadable,
                       match=r"A value of Person\.passport_number cannot be opened with any key in "
                             r"BORDERCASE_DATA_KEYS.*Put back the key"):
        Person.objects.get(pk=person.pk)
    with pytest.raises(CommandError, match=rf"Person\.passport_number of row {person.pk} cannot be opened"):
        call_command("keys", "rotate", stdout=io.StringIO())


def test_a_passport_number_left_in_clear_is_an_error_pointing_at_the_migration(db: None) -> None:
    person = nominee()
    raw_write("cases_person", "passport_number", person.pk, "Z1234567")
    with pytest.raises(sealed.SealedValueUnreadable, match="stored in clear, not sealed: run `bordercase migrate`"):
        Person.objects.get(pk=person.pk)


@pytest.mark.parametrize(("data_keys", "index_key", "message"), [
    ([], "", "Production mode needs BORDERCASE_DATA_KEYS"),
    (["fresh"], "", "Production mode needs BORDERCASE_INDEX_KEY"),
    (["fresh", "not-a-key"], "fresh2", "Key 2 of BORDERCASE_DATA_KEYS is not a key"),
    (["fresh"], "short", "BORDERCASE_INDEX_KEY is not a key"),
])
def test_production_without_usable_keys_refuses_with_the_variable_to_set(
    settings: Any, data_keys: list[str], index_key: str, message: str,
) -> None:
    fresh = {"fresh": Fernet.generate_key().decode(), "fresh2": Fernet.generate_key().decode()}
    settings.PRODUCTION = True
    settings.DATA_KEYS = [fresh.get(k, k) for k in data_keys]
    settings.INDEX_KEY = fresh.get(index_key, index_key)
    with pytest.raises(ImproperlyConfigured, match=message) as refused:
        sealed.seal("Z1234567")
    assert "not-a-key" not in str(refused.value)  # a key is never repeated where logs would keep it
    (error,) = sealed.keys_given()
    assert error.id == "bordercase.E001" and message in error.msg and "bordercase keys new" in error.hint


def test_the_deployment_check_refuses_production_without_the_keys(tmp_path: Path) -> None:
    check = [sys.executable, "-c", "from bordercase.cli import main; main()", "check", "--deploy"]
    environment = {"PATH": "/usr/bin:/bin", "BORDERCASE_VAR_DIR": str(tmp_path / "var"),
                   "BORDERCASE_MODE": "production", "SECRET_KEY": "k" * 25 + "x" * 25 + "abcde",
                   "ALLOWED_HOSTS": "bordercase.example"}
    result = subprocess.run(check, env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0 and "bordercase.E001" in result.stderr
    assert "BORDERCASE_DATA_KEYS" in result.stderr


def test_development_makes_its_keys_once_readable_by_its_owner_alone(settings: Any, tmp_path: Path) -> None:
    settings.PRODUCTION, settings.DATA_KEYS, settings.INDEX_KEY, settings.VAR_DIR = False, [], "", tmp_path
    token = sealed.seal("Z1234567")
    sealed._keys.cache_clear()  # as a new process would: the same files, the same keys
    assert sealed.unseal(token) == "Z1234567"
    for name in ("data-key", "index-key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "data-key").read_text() != (tmp_path / "index-key").read_text()


# --- the migrations: what was kept in clear is sealed, the identity keyed -------------------------------------------


def test_the_migrations_seal_what_was_kept_in_clear_and_key_the_identities_of_lodged_requests(
    world: World, make_request: MakeRequest,
) -> None:
    request = walk(make_request(), [("lodge", world.employer_a)])
    person = request.nominee
    plain = "|".join((person.passport_number, person.nationality, person.date_of_birth.isoformat()))
    # As the database held them before: the passport number in clear, the identity a plain hash.
    raw_write("cases_person", "passport_number", person.pk, person.passport_number)
    Request.objects.filter(pk=request.pk).update(worker_identity=hashlib.sha256(plain.encode()).hexdigest())
    draft = make_request()
    cases = importlib.import_module("bordercase.cases.migrations.0015_sealed_passport_numbers")
    editor = SimpleNamespace(connection=connection)
    cases.keyed(None, editor)
    cases.seal(None, editor)
    cases.seal(None, editor)  # run again, nothing is sealed twice
    request.refresh_from_db()
    assert request.worker_identity == identity_of(person)
    assert Request.objects.get(pk=draft.pk).worker_identity == ""  # a draft is given one when lodged
    assert Person.objects.get(pk=person.pk).passport_number == person.passport_number
    assert raw("cases_person", "passport_number", person.pk).startswith(sealed.TOKEN_PREFIX)
    # And back: opened, and the plain hash again.
    cases.open_(None, editor)
    cases.unkeyed(None, editor)
    assert raw("cases_person", "passport_number", person.pk) == person.passport_number
    assert Request.objects.get(pk=request.pk).worker_identity == hashlib.sha256(plain.encode()).hexdigest()


def test_the_travel_migration_seals_passports_and_machine_readable_zones_kept_in_clear(
    world: World, make_request: MakeRequest,
) -> None:
    rows = [row for row in travelling_rows(world, make_request) if row[0] != "cases_person"]
    for table, column, pk, text in rows:
        raw_write(table, column, pk, text)
    immigration = importlib.import_module("bordercase.immigration.migrations.0004_sealed_passports")
    immigration.seal(None, SimpleNamespace(connection=connection))
    for table, column, pk, _ in rows:
        assert raw(table, column, pk).startswith(sealed.TOKEN_PREFIX)
    family_zones = {text for _, column, _, text in rows[2:] if column == "passport_mrz"}
    assert {m.passport_mrz for m in FamilyMember.objects.all()} == family_zones


def test_the_export_migration_seals_batches_kept_in_clear_and_opens_them_again(world: World) -> None:
    batch, secrets = sent_batch(world)
    sent = {column: bytes(getattr(batch, column)) for column in EXPORTS}
    for column in EXPORTS:  # as the database held them before: exactly as sent, in clear
        raw_write_bytes(BATCHES, column, batch.pk, sent[column])
    with pytest.raises(sealed.SealedValueUnreadable, match="stored in clear, not sealed: run `bordercase migrate`"):
        RecommendationBatch.objects.get(pk=batch.pk)
    exports = importlib.import_module("bordercase.immigration.migrations.0005_sealed_exports")
    editor = SimpleNamespace(connection=connection)
    exports.seal(None, editor)
    sealed_once = {column: raw_bytes(BATCHES, column, batch.pk) for column in EXPORTS}
    exports.seal(None, editor)  # run again, nothing is sealed twice
    for column in EXPORTS:
        stored = raw_bytes(BATCHES, column, batch.pk)
        assert stored == sealed_once[column] and stored.startswith(sealed.TOKEN_PREFIX_BYTES)
        assert not [secret for secret in secrets if secret in stored], column
    opened = RecommendationBatch.objects.get(pk=batch.pk)
    assert hashlib.sha256(opened.export_csv).hexdigest() == batch.csv_sha256
    assert hashlib.sha256(opened.export_json).hexdigest() == batch.json_sha256
    exports.open_(None, editor)  # and back: the bytes as sent, in clear
    assert {column: raw_bytes(BATCHES, column, batch.pk) for column in EXPORTS} == sent


# --- the forms and the API still check passport numbers -------------------------------------------------------------


def test_the_api_still_refuses_a_malformed_passport_number_naming_the_field(
    world: World, api_client: Any,
) -> None:
    before = Person.objects.count()
    response = api_post(api_client(world.employer_a), "/requests", {
        "scheme": TECH, "organisation_nzbn": world.org_a.nzbn, "assessing_body": "nztech",
        "nominee": {"given_names": "Emily", "family_name": "Hartley", "date_of_birth": "1985-09-03",
                    "nationality": "GBR", "passport_number": "ab-1", "email": "emily@example.com"},
        "answers": {}})
    assert response.status_code == 422 and set(response.json()["fields"]) == {"nominee.passport_number"}
    assert "5 to 20 capital letters and digits" in response.json()["fields"]["nominee.passport_number"]
    assert Person.objects.count() == before
