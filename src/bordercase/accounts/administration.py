"""The record of administrators' changes: each with who made it and why, for the activity page and command."""

from __future__ import annotations

import getpass
from typing import Any

from bordercase.accounts.models import AdministratorAction, User
from bordercase.accounts.roles import is_administrator
from bordercase.lib.errors import InvalidInput, Refused

# An administrator on the command line is whoever the operating system says runs it.
Administrator = User | None


def administrator_require(by: Administrator, what: str) -> None:
    """Only a scheme administrator may change this; the command line is trusted as the server's own operator."""
    if by is not None and not is_administrator(by):
        raise Refused(f"Only a scheme administrator can {what}.")


def reason_require(reason: str) -> str:
    if not reason.strip():
        raise InvalidInput({"reason": "Say why: the activity record keeps the reason for every change."})
    return reason.strip()


def action_record(*, by: Administrator, action: str, subject: str, reason: str,
                  details: dict[str, Any] | None = None) -> AdministratorAction:
    return AdministratorAction.objects.create(
        actor=by, actor_label=by.email if by is not None else f"{getpass.getuser()} (command line)",
        action=action, subject=subject, reason=reason, details=details or {})


def actions_recent(limit: int = 200) -> list[AdministratorAction]:
    return list(AdministratorAction.objects.select_related("actor")[:limit])
