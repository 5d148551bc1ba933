"""The `bordercase` command."""

from __future__ import annotations

import base64
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP

from bordercase.accounts.models import Membership, User
from bordercase.cli import COMMANDS, main

BORDERCASE = [sys.executable, "-c", "from bordercase.cli import main; main()"]


def test_help_lists_every_command_with_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--help"])
    out = capsys.readouterr().out
    for name in ("serve", "migrate", "demo", "createadmin", "audit"):
        lines = [line for line in out.splitlines() if line.strip().startswith(name + " ")]
        assert len(lines) == 1, f"{name} should have exactly one line in --help"
        assert COMMANDS[name] in lines[0]


def test_an_unknown_command_is_refused_with_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serv"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "there is no command 'serv'" in err and "createadmin" in err


@pytest.mark.django_db
def test_createadmin_makes_a_scheme_administrator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "a long and unusual passphrase")
    call_command("createadmin", email="Hine@MBIE.example", name="Hine Walker", password_from_env="ADMIN_PASSWORD")
    user = User.objects.get(email="hine@mbie.example")
    assert user.check_password("a long and unusual passphrase") and user.is_staff
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.organisation.code) == ("administrator", "mbie")


@pytest.mark.django_db
def test_a_new_administrator_sets_up_two_step_verification_at_first_sign_in(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "a long and unusual passphrase")
    call_command("createadmin", email="hine@mbie.example", name="Hine Walker", password_from_env="ADMIN_PASSWORD")
    assert "set up two-step verification" in capsys.readouterr().out
    client = Client()
    signed = client.post("/sign-in/", {"username": "hine@mbie.example", "password": "a long and unusual passphrase"})
    asked = client.get(signed["Location"])
    assert asked.status_code == 302 and asked["Location"].startswith("/account/two-step/set-up/")
    page = client.get(asked["Location"]).content.decode()
    key = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page)
    assert key, "the set-up page shows the key to type into an app"
    code = f"{TOTP(base64.b32decode(key.group(1).replace(' ', ''))).token():06d}"
    assert client.post(asked["Location"], {"code": code, "next": "/requests/"})["Location"] == "/requests/"
    assert client.get("/requests/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("hine@mbie.example", "short", "not strong enough"),
        ("not-an-email", "a long and unusual passphrase", "is not an email address"),
    ],
)
def test_createadmin_refuses_bad_input_and_creates_nothing(
    monkeypatch: pytest.MonkeyPatch, email: str, password: str, message: str
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", password)
    with pytest.raises(CommandError, match=message):
        call_command("createadmin", email=email, name="Hine Walker", password_from_env="ADMIN_PASSWORD")
    assert not User.objects.exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_refuses_an_unmigrated_database_and_serves_the_default_one_once_migrated(tmp_path: Path) -> None:
    # One migration of a real file serves two checks: migrating takes several seconds, the suite's dearest step.
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["BORDERCASE_VAR_DIR"] = str(tmp_path)
    port = _free_port()
    refused = subprocess.run([*BORDERCASE, "serve", "--port", str(port)], env=env, capture_output=True, text=True,
                             timeout=60, check=False)
    assert refused.returncode == 1
    assert "run `bordercase migrate` first" in refused.stderr

    migrated = subprocess.run([*BORDERCASE, "migrate", "--verbosity", "0"], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
    assert migrated.returncode == 0, migrated.stderr
    assert "System check identified" not in migrated.stdout + migrated.stderr  # an operator is told of nothing to do
    # With no DATABASE_URL the database is SQLite under the var directory, in WAL mode so readers never wait.
    with sqlite3.connect(tmp_path / "bordercase.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT count(*) FROM cases_scheme").fetchone()[0] == 8
    server = subprocess.Popen([*BORDERCASE, "serve", "--port", str(port), "--workers", "1"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = ""
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode()
                    csp = response.headers["Content-Security-Policy"]
                break
            except OSError:
                time.sleep(0.1)
        assert "Request a border exception" in body
        assert "script-src 'self'" in csp
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/bordercase/build/app.css", timeout=5) as css:
            assert b"govuk-" in css.read()
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.django_db
def test_serve_closes_its_database_connections_before_gunicorn_forks_the_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Any
) -> None:
    from bordercase.cases.management.commands import serve

    settings.STATIC_ROOT = tmp_path / "static"
    happened: list[str] = []
    monkeypatch.setattr(serve.connections, "close_all", lambda: happened.append("connections closed"))
    monkeypatch.setattr(serve._Gunicorn, "run", lambda self: happened.append("gunicorn forks its workers"))
    call_command("serve", "--port", "0")
    assert happened == ["connections closed", "gunicorn forks its workers"]


@pytest.mark.django_db
@pytest.mark.parametrize(("host", "named", "expected"), [
    ("127.0.0.1", "", "http://127.0.0.1:8123"),
    ("0.0.0.0", "", "http://127.0.0.1:8123"),  # noqa: S104 - a bind address as data
    ("127.0.0.1", "https://bordercase.example.nz", "https://bordercase.example.nz"),
])
def test_emailed_links_point_at_the_port_served_unless_the_site_s_address_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Any, host: str, named: str, expected: str
) -> None:
    from bordercase.cases.management.commands import serve
    from bordercase.lib.email import absolute_url

    settings.STATIC_ROOT = tmp_path / "static"
    if named:
        monkeypatch.setenv("BORDERCASE_BASE_URL", named)
        settings.BORDERCASE_BASE_URL = named
    else:
        monkeypatch.delenv("BORDERCASE_BASE_URL", raising=False)
    monkeypatch.setattr(serve._Gunicorn, "run", lambda self: None)
    call_command("serve", "--host", host, "--port", "8123")
    assert absolute_url("/requests/") == f"{expected}/requests/"


def test_the_demo_serves_on_port_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    from bordercase.demo.management.commands.demo import Command

    monkeypatch.setenv("PORT", "8123")
    assert Command().create_parser("bordercase", "demo").parse_args([]).port == 8123
    assert Command().create_parser("bordercase", "demo").parse_args(["--port", "8200"]).port == 8200


@pytest.mark.django_db
@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_refuses_a_cache_kept_in_each_process(settings: Any, tmp_path: Path, workers: str) -> None:
    # Even one worker: a command run beside it (bordercase staff deactivate) could not tell it of the change.
    settings.CACHE_KIND, settings.STATIC_ROOT = "local", tmp_path / "static"
    with pytest.raises(CommandError, match="BORDERCASE_CACHE=local keeps the cache in each process"):
        call_command("serve", "--port", "0", "--workers", workers)


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["DATA_KEYS", "INDEX_KEY"])
def test_serve_in_production_refuses_to_start_without_the_keys_that_seal_passports(
    settings: Any, tmp_path: Path, missing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bordercase.cases.management.commands import serve
    from bordercase.lib.sealed import new_key

    started: list[str] = []
    monkeypatch.setattr(serve._Gunicorn, "run", lambda self: started.append("gunicorn"))
    settings.PRODUCTION, settings.STATIC_ROOT = True, tmp_path / "static"
    settings.DATA_KEYS, settings.INDEX_KEY = [new_key()], new_key()
    setattr(settings, missing, [] if missing == "DATA_KEYS" else "")
    with pytest.raises(CommandError, match=f"Production mode needs BORDERCASE_{missing}"):
        call_command("serve", "--port", "0")
    assert started == [] and not (tmp_path / "static").exists()


@pytest.mark.parametrize(("tasks", "worker"), [("database", "db_worker"), ("redis", "rqworker")])
def test_the_worker_is_the_one_of_the_task_queue_configured(tasks: str, worker: str, tmp_path: Path) -> None:
    env = {**os.environ, "BORDERCASE_VAR_DIR": str(tmp_path), "BORDERCASE_TASKS": tasks}
    shown = subprocess.run([*BORDERCASE, "worker", "--help"], env=env, capture_output=True, text=True, timeout=60,
                           check=True)
    assert shown.stdout.startswith(f"usage: bordercase {worker} ")
