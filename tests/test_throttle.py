"""Password guessing is throttled: wrong passwords lock an account, and an address, for a cool-off (django-axes)."""

from __future__ import annotations

import html
import logging
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.test import Client
from django.utils import timezone

from bordercase.cases.windows import nz_time
from tests.conftest import PASSWORD, MailServer, World
from tests.test_accounts import link_in

Capture = Callable[..., Any]
WRONG = "not the password at all"
NEW = "kete harakeke tuatara moana"
INVALID = "the ones you entered do not match an account"


def text_of(response: Any) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


def sign_in(client: Client, email: str, password: str) -> Any:
    return client.post("/sign-in/", {"username": email, "password": password})


def signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def lock_account(client: Client, email: str) -> None:
    for _ in range(settings.SIGN_IN_ACCOUNT_FAILURE_LIMIT):
        sign_in(client, email, WRONG)


def lock_address(client: Client) -> None:
    # Each guessed account stays far below its own limit: only the address can be what locks.
    for number in range(settings.SIGN_IN_ADDRESS_FAILURE_LIMIT):
        sign_in(client, f"guess{number}@example.com", WRONG)


# --- per account ----------------------------------------------------------------------------------------------------


def test_wrong_passwords_lock_the_account_and_then_even_the_right_one_is_refused(world: World) -> None:
    email, client, moment = world.employer_a.email, Client(), timezone.now()
    with time_machine.travel(moment, tick=False):
        answers = [sign_in(client, email, WRONG) for _ in range(20)]
        right = sign_in(client, email, PASSWORD)
    limit = settings.SIGN_IN_ACCOUNT_FAILURE_LIMIT
    assert limit == 10  # the default: 20 wrong passwords are well past it
    assert [a.status_code for a in answers] == [200] * (limit - 1) + [429] * (20 - limit + 1)
    assert INVALID in text_of(answers[0])
    assert right.status_code == 429
    page = text_of(right)
    assert "This account is locked because the wrong password was entered for it too many times" in page
    assert f"You can try again at {nz_time(moment + timedelta(minutes=15))}, in 15 minutes" in page
    assert "Until then even the right password is refused" in page
    assert 'href="/password-reset/?email=aroha%40kowhai.example">Set a new password</a>' in right.content.decode()
    assert "internet address" not in page  # 20 failures from this address are far below its limit
    assert signed_in_as(client) is None
    assert client.get("/requests/").status_code == 302  # sent to sign in
    # Tries while locked are refused without being counted, so the lock still ends when the page said.
    assert AccessAttempt.objects.get(username="aroha@kowhai.example").failures_since_start == limit


def test_the_account_is_locked_whatever_the_address_and_however_its_email_is_typed(world: World) -> None:
    typings = ["Aroha@Kowhai.example", " aroha@kowhai.EXAMPLE ", "AROHA@KOWHAI.EXAMPLE"]
    for number in range(settings.SIGN_IN_ACCOUNT_FAILURE_LIMIT):
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{number + 1}"), typings[number % 3], WRONG)
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"aroha@kowhai.example"}
    fresh = Client(REMOTE_ADDR="203.0.113.50")
    response = sign_in(fresh, world.employer_a.email, PASSWORD)
    assert response.status_code == 429 and signed_in_as(fresh) is None
    # Another account from the same addresses is untouched.
    other = Client(REMOTE_ADDR="198.51.100.1")
    assert sign_in(other, world.employer_b.email, PASSWORD).status_code == 302
    assert signed_in_as(other) == str(world.employer_b.pk)


def test_the_right_password_works_again_once_the_cool_off_has_passed(world: World) -> None:
    email, client, moment = world.employer_a.email, Client(), timezone.now()
    with time_machine.travel(moment, tick=False):
        lock_account(client, email)
    with time_machine.travel(moment + timedelta(minutes=14), tick=False):
        almost = sign_in(client, email, PASSWORD)
    assert almost.status_code == 429 and "in 1 minute." in text_of(almost)
    with time_machine.travel(moment + timedelta(minutes=15, seconds=1), tick=False):
        response = sign_in(client, email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/requests/"
    assert signed_in_as(client) == str(world.employer_a.pk)


# --- per client address ---------------------------------------------------------------------------------------------


def test_wrong_passwords_for_many_accounts_from_one_address_lock_the_address(world: World) -> None:
    client, moment = Client(REMOTE_ADDR="198.51.100.23"), timezone.now()
    limit = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    assert limit > settings.SIGN_IN_ACCOUNT_FAILURE_LIMIT
    with time_machine.travel(moment, tick=False):
        answers = [sign_in(client, f"guess{number}@example.com", WRONG) for number in range(limit)]
        right = sign_in(client, world.employer_a.email, PASSWORD)
        elsewhere = Client(REMOTE_ADDR="203.0.113.9")
        from_elsewhere = sign_in(elsewhere, world.employer_a.email, PASSWORD)
    assert [a.status_code for a in answers] == [200] * (limit - 1) + [429]
    assert right.status_code == 429 and signed_in_as(client) is None
    page = text_of(right)
    assert "Signing in from your internet address is locked because too many wrong passwords were entered" in page
    assert "This account is locked" not in page  # aroha's own account never failed
    assert f"You can try again at {nz_time(moment + timedelta(minutes=15))}, in 15 minutes" in page
    assert 'href="/password-reset/?email=aroha%40kowhai.example"' in right.content.decode()
    # The lock is the address's: the same account signs in from anywhere else.
    assert from_elsewhere.status_code == 302 and signed_in_as(elsewhere) == str(world.employer_a.pk)


def test_behind_a_tls_proxy_the_address_is_the_one_the_proxy_saw(tmp_path: Path) -> None:
    # In a fresh process, so the settings are read from the environment as a deployment reads them.
    probe = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'bordercase.settings'; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from axes.helpers import get_client_ip_address\n"
        "request = RequestFactory().post('/sign-in/', REMOTE_ADDR='10.0.0.2', "
        "HTTP_X_FORWARDED_FOR='6.6.6.6, 203.0.113.9')\n"
        "print(get_client_ip_address(request))\n"
    )
    environment = {"PATH": "/usr/bin:/bin", "BORDERCASE_VAR_DIR": str(tmp_path / "var")}

    def address(**env: str) -> str:
        done = subprocess.run([sys.executable, "-c", probe], env={**environment, **env}, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    # The left-most entry is whatever the client sent; the proxy appended the address it really came from.
    assert address(BEHIND_TLS_PROXY="true") == "203.0.113.9"
    # Without a proxy anyone can send the header, so only the connection's own address counts.
    assert address() == "10.0.0.2"


def test_a_limit_that_is_not_a_positive_number_is_refused_by_name(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from bordercase.cli import main; main()", "check"],
        env={"PATH": "/usr/bin:/bin", "BORDERCASE_VAR_DIR": str(tmp_path / "var"),
             "BORDERCASE_SIGN_IN_ACCOUNT_LIMIT": "0"},
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "BORDERCASE_SIGN_IN_ACCOUNT_LIMIT must be a whole number above 0, not 0" in done.stderr


# --- a password reset lets the owner in sooner ----------------------------------------------------------------------


def reset_password(client: Client, email: str, smtp: MailServer, capture: Capture, count: int = 1) -> None:
    """The real flow: ask for the email, follow its link, set a new password."""
    with capture(execute=True):
        assert client.post("/password-reset/", {"email": email})["Location"] == "/password-reset/sent/"
    path = link_in(smtp.wait_for(count)[count - 1])
    assert client.post(path, {"password": NEW, "password_again": NEW})["Location"] == "/password-reset/done/"


def test_a_password_reset_lifts_the_lock_of_the_account(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    email, client = world.employer_a.email, Client()
    lock_account(client, email)
    assert sign_in(client, email, PASSWORD).status_code == 429
    reset_password(Client(), "Aroha@Kowhai.example", smtp, django_capture_on_commit_callbacks)
    assert not AccessAttempt.objects.filter(username="aroha@kowhai.example").exists()
    # From the browser that was locked out, not only the one that set the password.
    response = sign_in(client, email, NEW)
    assert response.status_code == 302 and signed_in_as(client) == str(world.employer_a.pk)


def test_a_password_reset_lets_its_owner_in_despite_a_locked_address_but_nobody_else(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    client = Client(REMOTE_ADDR="198.51.100.23")
    lock_address(client)
    assert sign_in(client, world.employer_a.email, PASSWORD).status_code == 429
    reset_password(client, world.employer_a.email, smtp, django_capture_on_commit_callbacks)
    # Resetting one's own password must not reopen the address to guesses at other accounts.
    assert sign_in(client, world.employer_b.email, PASSWORD).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="198.51.100.23"), world.employer_a.email, NEW).status_code == 429
    response = sign_in(client, world.employer_a.email, NEW)
    assert response.status_code == 302 and signed_in_as(client) == str(world.employer_a.pk)


# --- every lock is kept ---------------------------------------------------------------------------------------------


def test_each_lockout_is_recorded_and_logged(world: World, caplog: pytest.LogCaptureFixture) -> None:
    email, client, moment = world.employer_a.email, Client(REMOTE_ADDR="198.51.100.7"), timezone.now()
    limit = settings.SIGN_IN_ACCOUNT_FAILURE_LIMIT
    with caplog.at_level(logging.WARNING, logger="bordercase.accounts.throttle"):
        for start in (moment, moment + timedelta(hours=1)):
            with time_machine.travel(start, tick=False):
                for _ in range(limit + 3):
                    sign_in(client, email, WRONG)
    locked = list(AccessFailureLog.objects.filter(locked_out=True).order_by("attempt_time"))
    assert [(row.username, row.ip_address) for row in locked] == [("aroha@kowhai.example", "198.51.100.7")] * 2
    assert [row.attempt_time for row in locked] == [moment, moment + timedelta(hours=1)]
    assert AccessFailureLog.objects.filter(locked_out=False).count() == 2 * (limit - 1)
    lines = [r.getMessage() for r in caplog.records if r.name == "bordercase.accounts.throttle"]
    until = (moment + timedelta(minutes=15)).isoformat(timespec="seconds")
    assert lines[0] == f"Sign-in locked after too many wrong passwords: the account until {until}."
    assert lines[1:4] == [f"Sign-in refused while locked for too many wrong passwords: the account until {until}."] * 3
    assert sum(line.startswith("Sign-in locked after") for line in lines) == 2
    assert all(record.levelno == logging.WARNING for record in caplog.records if record.name.endswith("throttle"))


# --- what stays as it was -------------------------------------------------------------------------------------------


def test_a_password_sign_in_below_the_limit_works_and_keeps_the_case_insensitive_email(world: World) -> None:
    client = Client()
    for _ in range(settings.SIGN_IN_ACCOUNT_FAILURE_LIMIT - 1):
        assert INVALID in text_of(sign_in(client, world.employer_a.email, WRONG))
    response = sign_in(client, " Aroha@Kowhai.EXAMPLE", PASSWORD)
    assert response.status_code == 302 and signed_in_as(client) == str(world.employer_a.pk)


def test_the_lockout_time_is_shown_in_new_zealand_time(world: World) -> None:
    # 02:00 UTC on 1 July is 2:00 pm in Auckland (NZST, +12): the page must not show UTC.
    moment = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
    client = Client()
    with time_machine.travel(moment, tick=False):
        lock_account(client, world.employer_a.email)
        page = text_of(sign_in(client, world.employer_a.email, PASSWORD))
    assert "You can try again at 2:15 pm on Wednesday 1 July 2026 (New Zealand time), in 15 minutes" in page
