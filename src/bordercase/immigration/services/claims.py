"""Following the invitation link: the worker sets up their account (or signs in), then claims the invitation,
which links them to the request as its nominee and starts their request to travel.

The link works once. Claiming is one transaction whose first write is a conditional UPDATE (``used_at`` still
empty, not yet expired), so two clicks, two tabs or two people holding the link cannot both use it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.accounts.services import password_problems
from bordercase.accounts.tokens import held_tokens
from bordercase.cases.lifecycle import State
from bordercase.cases.models import Person, Request
from bordercase.immigration.models import Invitation, TravelRequest
from bordercase.immigration.services.tokens import InvitationUnusable, invitation_for_token, token_digest
from bordercase.lib.errors import InvalidInput, Refused


def invitation_open(token: str) -> Invitation:
    """The invitation, if its link can still be used and its request still waits for a request to travel."""
    invitation = invitation_for_token(token)
    request = invitation.request
    if request.status != State.INVITED:
        who = request.organisation or "Immigration New Zealand"
        raise InvitationUnusable(f"Request {request.reference} is {request.state.label.lower()}, so this invitation "
                                 f"can no longer be used. Contact {who}, or Immigration New Zealand, quoting "
                                 f"reference {request.reference}.")
    return invitation


def account_exists(invitation: Invitation) -> bool:
    """True when the invited address has a confirmed account, whose holder signs in to claim the invitation."""
    return User.objects.filter(email=invitation.worker_email.strip().lower(), email_verified_at__isnull=False).exists()


def claimed_by(token: str, user: User) -> Request | None:
    """The request a used link is for, when this user is the worker who claimed it; otherwise None."""
    invitation = (Invitation.objects.select_related("request__nominee")
                  .filter(token_sha256=token_digest(token), used_at__isnull=False).first())
    if invitation is None or invitation.request.nominee is None or invitation.request.nominee.user_id != user.pk:
        return None
    return invitation.request


@transaction.atomic
def invitation_claim(*, token: str, user: User) -> Request:
    """Use the invitation: link the nominee to this account, start the request to travel, and mark it used."""
    invitation = invitation_open(token)
    if user.email.lower() != invitation.worker_email.strip().lower():
        raise Refused(f"This invitation is for {invitation.worker_email}. Sign out, then open the link again and "
                      "set up access with that address.")
    request = invitation.request
    now = timezone.now()
    # Only the first of two clicks finds used_at empty; the second updates nothing and is told why.
    used = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if used != 1:
        invitation_for_token(token)  # says it was used, or that it expired a moment ago
        raise InvitationUnusable("This link has already been used: it works once.")
    linked = Person.objects.filter(pk=request.nominee_id, user__isnull=True).update(user=user) == 1
    if not linked and not Person.objects.filter(pk=request.nominee_id, user=user).exists():
        # Another account already speaks for this worker: a link alone must not hand their request to a new one.
        raise InvitationUnusable(f"The worker on request {request.reference} already has another account. Contact "
                                 f"Immigration New Zealand, quoting reference {request.reference}.")
    TravelRequest.objects.get_or_create(request=request, defaults={"worker": user})
    if user.email_verified_at is None:
        # The link reached this inbox, which proves the address as well as a confirmation link would.
        User.objects.filter(pk=user.pk).update(email_verified_at=now)
        held_tokens.changed()  # an update sends no signal
        user.email_verified_at = now
    return request


@transaction.atomic
def worker_sign_up(*, token: str, password: str) -> User:
    """An account for the invited address with this password, and the invitation claimed for it; all or nothing."""
    invitation = invitation_open(token)
    email = invitation.worker_email.strip().lower()
    nominee = invitation.request.nominee
    full_name = nominee.full_name if nominee else email
    user = User.objects.select_for_update().filter(email=email).first()
    if user is not None and user.email_verified_at is not None:
        raise InvalidInput({"__all__": "There is already an account with this email address: sign in with it, "
                                       "then open the link again."})
    problems = password_problems(password, User(email=email, full_name=full_name))
    if problems:
        raise InvalidInput({"password": problems})
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email, password, full_name=full_name)
        except IntegrityError as exc:
            raise InvalidInput({"__all__": "An account with this email address was made a moment ago: sign in "
                                           "with it, then open the link again."}) from exc
    else:
        # Someone signed up with this address and never confirmed it, so nobody showed that password belongs to
        # whoever reads this inbox; the holder of the invitation, who does, sets it now.
        user.full_name = full_name
        user.set_password(password)
        user.save(update_fields=["full_name", "password"])
    invitation_claim(token=token, user=user)
    return user
