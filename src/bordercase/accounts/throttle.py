"""Password guessing is throttled: wrong passwords are counted per account and per client address (django-axes).

The counts live in axes' ``AccessAttempt`` table, so every gunicorn worker sees the same ones. Axes compares one
count with one limit, but an address (an office, a mobile network) is shared by many people and may fail more
often than one account, so each counter here has a limit of its own: ``SignInThrottle.get_failures`` says how many
counters are at their limit, and ``AXES_FAILURE_LIMIT`` is 1, so any one of them locks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

log = logging.getLogger(__name__)

# The account whose password this browser set from an emailed link: that proves the owner, so the address
# counter (which other people's guesses fill) no longer keeps them out of that account. Its own counter still does.
_RESET_PROVED = "sign_in_reset_proved"

Kind = Literal["account", "address"]


@dataclass(frozen=True)
class Lock:
    kind: Kind
    until: datetime


def username_of(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The account an attempt names, matched the way sign-in matches it (``User.objects.get_by_natural_key``), so
    guesses at ``Foo@x.nz`` and ``foo@x.nz`` count against one account. ``AXES_USERNAME_CALLABLE``."""
    field = settings.AXES_USERNAME_FORM_FIELD
    typed = (credentials or {}).get(field)
    if typed is None and request is not None:
        typed = getattr(request, "POST", {}).get(field)
    normalised = str(typed).strip().lower() if typed is not None else ""
    return normalised or None


def _proved(request: HttpRequest, username: str | None) -> bool:
    session = getattr(request, "session", None)
    return username is not None and session is not None and session.get(_RESET_PROVED) == username


def _locked_until(attempts: QuerySet[AccessAttempt], limit: int, cool_off: timedelta) -> datetime | None:
    """When the counter drops below its limit again, or None if it is below now.

    Axes keeps one row per (account, address, browser) with the time of its latest failure, and a row counts
    until the cool-off has passed since then; so the oldest rows drop out first.
    """
    rows = list(attempts.order_by("attempt_time").values_list("attempt_time", "failures_since_start"))
    remaining = sum(failures for _, failures in rows)
    if remaining < limit:
        return None
    for attempt_time, failures in rows:
        remaining -= failures
        if remaining < limit:
            return attempt_time + cool_off
    return None  # not reached: the loop empties the counter


class SignInThrottle(AxesDatabaseHandler):
    """Axes' database handler with a limit per account and another per client address (``AXES_HANDLER``)."""

    def locks(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> list[Lock]:
        cool_off = get_cool_off(request)
        if cool_off is None:
            raise ValueError("The sign-in throttle needs AXES_COOLOFF_TIME: without it a lock would never end.")
        # Axes stamps the request once, so every check within one sign-in uses the same moment.
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        recent = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
        counters: list[tuple[Kind, QuerySet[AccessAttempt], int]] = []
        username = get_client_username(request, credentials)
        if username:
            counters.append(("account", recent.filter(username=username), settings.SIGN_IN_ACCOUNT_FAILURE_LIMIT))
        address = getattr(request, "axes_ip_address", None)
        if address and not _proved(request, username):
            counters.append(("address", recent.filter(ip_address=address), settings.SIGN_IN_ADDRESS_FAILURE_LIMIT))
        found = []
        for kind, attempts, limit in counters:
            until = _locked_until(attempts, limit, cool_off)
            if until is not None:
                found.append(Lock(kind, until))
        return found

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        return len(self.locks(request, credentials))

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        # With AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off, a try while locked arrives already flagged and
        # is not counted; only the failure that reaches a limit is flagged by the handler itself.
        already = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or not getattr(request, "axes_locked_out", False):
            return
        locks = self.locks(request, credentials)
        what = " and ".join(f"the {lock.kind} until {lock.until.isoformat(timespec='seconds')}" for lock in locks)
        if already:
            log.warning("Sign-in refused while locked for too many wrong passwords: %s.", what or "no longer locked")
        else:
            # AccessFailureLog keeps this failure with locked_out set (AXES_ENABLE_ACCESS_FAILURE_LOG).
            log.warning("Sign-in locked after too many wrong passwords: %s.", what)


def locks_of(request: HttpRequest, credentials: dict[str, Any] | None = None) -> list[Lock]:
    """What keeps this sign-in out, and until when: for the page that says so."""
    return SignInThrottle().locks(request, credentials)


def lift_after_password_reset(request: HttpRequest, email: str) -> int:
    """A new password set from an emailed link proves the owner: the account's wrong passwords are forgotten, and
    this browser may sign in to it even while its address is locked. Returns the rows of failures removed."""
    username = username_of(None, {settings.AXES_USERNAME_FORM_FIELD: email})
    if username is None:
        return 0
    removed = reset(username=username)
    request.session[_RESET_PROVED] = username
    if removed:
        log.info("A password reset lifted the sign-in lock of an account (%d rows of failures removed).", removed)
    return removed
