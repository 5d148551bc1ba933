"""Creating, checking and revoking API tokens."""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from bordercase.accounts.models import ApiToken, User
from bordercase.lib.held import Held

LAST_USED_RESOLUTION = timedelta(minutes=1)
TOKEN_PREFIX = "bc"  # noqa: S105 - the label every token starts with, so scanners can spot leaked ones


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the new token and its full text, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ValueError("Give the token a name, such as the system that will use it.")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=prefix, secret_hash=_digest(secret))
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def token_authenticate(presented: str) -> User | None:
    """The active user whose live token this is, or None."""
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    _, prefix, secret = parts
    token = held_tokens.get(prefix, lambda: ApiToken.objects.select_related("user")
                        .filter(prefix=prefix, revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.secret_hash, _digest(secret)):
        return None
    now = timezone.now()
    # Recorded to the minute: a write on every call would make each API request pay for a second query.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # held: kept on the held token below
        token.last_used_at = now  # the held token too, or it would write on every call after the first minute
    # A copy: the held user is shared by every call this process serves, and a call may change its own.
    return copy.copy(token.user)


# Live tokens with their users, by prefix, held per process (lib.held); a revoked token, a deactivated user or any
# other change to either is read afresh everywhere on the next call.
held_tokens: Held[ApiToken] = Held("api-tokens")


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; another user's token is not found."""
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
