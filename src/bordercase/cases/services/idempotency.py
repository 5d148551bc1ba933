"""Doing a create or a lodge once per Idempotency-Key, however often the client retries it."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from bordercase.accounts.models import User
from bordercase.cases.models import IdempotencyRecord
from bordercase.lib.errors import IdempotencyMismatch, InvalidInput
from bordercase.lib.rows import rows_insert

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def idempotency_key_check(key: str | None, field: str = "Idempotency-Key") -> str:
    if not key:
        raise InvalidInput({field: "Send an Idempotency-Key header with a value of your own, such as a fresh UUID, "
                                   "on every create and lodge; send the same value again when you retry."})
    if not _KEY.match(key):
        raise InvalidInput({field: "An Idempotency-Key is 1 to 255 visible ASCII characters with no spaces, "
                                   "such as a UUID."})
    return key


def fingerprint(operation: str, payload: Any) -> str:
    canonical = json.dumps({"operation": operation, "payload": payload}, sort_keys=True, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def once(*, user: User, key: str, operation: str, payload: Any,
         action: Callable[[], tuple[int, dict[str, Any]]]) -> tuple[int, dict[str, Any], bool]:
    """Run ``action`` unless this user's key was used before; return (status, response, replayed).

    The key is recorded with the answer in the same transaction as the action, after it, so a call costs one write
    for its key. A retry that arrives while the first attempt is still running does the work, waits on the unique
    key, is rolled back whole and replays the first answer; so does one that arrives afterwards, or is refused
    by what changed since (a lodging that was lodged, a window since closed). An action that fails rolls back
    with nothing recorded, so the client may retry the same key after fixing what was wrong.
    """
    digest = fingerprint(operation, payload)
    for attempt in range(3):
        try:
            with transaction.atomic():
                status, response = action()
                rows_insert(IdempotencyRecord(user=user, key=key, fingerprint=digest, status_code=status,
                                              response=response))
                return status, response, False
        except Exception as exc:  # the key's clash (an IntegrityError) or a refusal of what was done already
            previous = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if previous is not None:
                break
            # A clash with no record behind it is a new reference drawn twice, one in billions: draw again.
            if not isinstance(exc, IntegrityError) or attempt == 2:
                raise
    if previous.fingerprint != digest:
        raise IdempotencyMismatch(
            f"The Idempotency-Key {key!r} was already used for a different request. Use a new key for a new "
            "request; reuse a key only to retry exactly the same request."
        )
    return previous.status_code, previous.response, True
