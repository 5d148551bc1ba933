"""The invitation link's token: 256 random bits, of which only the SHA-256 is kept, so a copy of the database
cannot be used to follow anyone's link."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from bordercase.immigration.models import Invitation


class InvitationUnusable(Exception):
    """A link that cannot be used now; the message says why and whom to contact."""


def token_new() -> tuple[str, str]:
    """A new token and the SHA-256 to store."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_for_token(token: str) -> Invitation:
    """The invitation the link is for, if it can still be used; ``InvitationUnusable`` saying why otherwise."""
    invitation = (Invitation.objects.select_related("request__scheme", "request__organisation", "request__nominee")
                  .filter(token_sha256=token_digest(token)).first())
    contact = ("Contact the employer who nominated you, or Immigration New Zealand, quoting the request's reference"
               if invitation is None else
               f"Contact {invitation.request.organisation or 'Immigration New Zealand'}, or Immigration New "
               f"Zealand, quoting reference {invitation.request.reference}")
    if invitation is None:
        raise InvitationUnusable(f"This link is not complete or not one we sent. Copy the whole link from the email. "
                                 f"{contact}.")
    if invitation.used_at is not None:
        raise InvitationUnusable(f"This link has already been used: it works once. Sign in with the email address "
                                 f"and password you set then. If that was not you, {contact[0].lower()}{contact[1:]}.")
    if invitation.expires_at <= timezone.now():
        expired = timezone.localtime(invitation.expires_at).strftime("%-d %B %Y")
        raise InvitationUnusable(f"This invitation to apply expired on {expired}. {contact}.")
    return invitation
