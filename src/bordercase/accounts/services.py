"""Accounts: signing up and confirming an email address, setting up an employer, inviting colleagues."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bordercase.accounts.models import Invitation, User
from bordercase.cases.emails import absolute_url, email_send
from bordercase.cases.errors import InvalidInput, Refused
from bordercase.cases.models import Membership, Organisation
from bordercase.cases.services.organisations import employer_create, membership_add

CONFIRMATION_DAYS = 3
INVITATION_DAYS = 14
RESEND_AFTER = timedelta(minutes=1)
_SALT = "bordercase.accounts.confirm-email"


class LinkUnusable(Exception):
    """A confirmation or invitation link that cannot be used; the message says why and what to do instead."""


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput({"password": " ".join(exc.messages)}) from exc


def _normalise_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput({"email": "Enter an email address in the correct format, like name@example.com"}) from exc
    return email


# --- signing up ----------------------------------------------------------------------------------------------------


def confirmation_token(user: User) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{user.pk}:{user.email}")


def _send_confirmation(user: User) -> None:
    link = absolute_url(reverse("web:confirm-email", kwargs={"token": confirmation_token(user)}))
    email_send(to=user.email, template="confirm_email", context={"user": user, "link": link,
                                                                  "days": CONFIRMATION_DAYS})
    User.objects.filter(pk=user.pk).update(confirmation_sent_at=timezone.now())


def sign_up(*, email: str, full_name: str, password: str) -> User | None:
    """A new, unconfirmed account and a confirmation email; None when the address already has an account.

    Either way the person is told to check their email, so the page never reveals who has an account; the
    holder of an existing account is told someone tried to sign up with it.
    """
    email = _normalise_email(email)
    full_name = full_name.strip()
    if not full_name:
        raise InvalidInput({"full_name": "Enter your full name"})
    candidate = User(email=email, full_name=full_name)
    _check_password(password, candidate)
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        email_send(to=existing.email, template="already_registered",
                   context={"user": existing, "sign_in": absolute_url(reverse("web:sign-in"))})
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, full_name=full_name, email_verified_at=None)
    except IntegrityError:
        return None  # signed up a moment ago, in another tab: that sign-up's email is on its way
    _send_confirmation(user)
    return user


def confirmation_resend(email: str) -> None:
    """Send another link to an unconfirmed account, at most once a minute; silent for any other address."""
    user = User.objects.filter(email=email.strip().lower(), email_verified_at__isnull=True, is_active=True).first()
    if user is None:
        return
    if user.confirmation_sent_at and timezone.now() - user.confirmation_sent_at < RESEND_AFTER:
        return
    _send_confirmation(user)


def email_confirm(token: str) -> User:
    """Confirm the address the link was sent to, once; raise ``LinkUnusable`` saying what to do otherwise."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=timedelta(days=CONFIRMATION_DAYS))
    except signing.SignatureExpired as exc:
        raise LinkUnusable(f"This link has expired: links work for {CONFIRMATION_DAYS} days. Sign in, or ask for "
                           "a new link on the sign-in page.") from exc
    except signing.BadSignature as exc:
        raise LinkUnusable("This link is not complete. Copy the whole link from the email into your browser, or "
                           "ask for a new one.") from exc
    pk, _, email = value.partition(":")
    user = User.objects.filter(pk=pk, email=email, is_active=True).first()
    if user is None:
        raise LinkUnusable("This link is for an account that no longer exists, or whose email address has changed. "
                           "Sign up again.")
    if user.email_verified_at is not None:
        raise LinkUnusable("This email address is already confirmed. Sign in with it.")
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


# --- employers -----------------------------------------------------------------------------------------------------


@transaction.atomic
def organisation_register(*, user: User, name: str, nzbn: str, contact_email: str) -> Organisation:
    """An employer organisation, with the person who registered it as its first member."""
    if user.email_verified_at is None:
        raise Refused("Confirm your email address before setting up an organisation.")
    digits = "".join(nzbn.split())
    if digits and Organisation.objects.filter(nzbn=digits).exists():
        raise InvalidInput({"nzbn": "An organisation with this NZBN is already registered. Ask someone who acts "
                                    "for it to invite you."})
    organisation = employer_create(name=name, nzbn=digits, contact_email=contact_email.strip())
    membership_add(user=user, organisation=organisation, role=Membership.Role.EMPLOYER)
    return organisation


def employer_organisation(user: User, organisation_id: int) -> Organisation:
    """The organisation if the user acts for it as an employer; otherwise Organisation.DoesNotExist (a 404)."""
    return Organisation.objects.get(pk=organisation_id, kind=Organisation.Kind.EMPLOYER,
                                    memberships__user=user, memberships__role=Membership.Role.EMPLOYER)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_create(*, organisation: Organisation, email: str, invited_by: User) -> Invitation:
    if not Membership.objects.filter(organisation=organisation, user=invited_by,
                                     role=Membership.Role.EMPLOYER).exists():
        raise Refused(f"Only people who act for {organisation.name} can invite others to it.")
    email = _normalise_email(email)
    if Membership.objects.filter(organisation=organisation, user__email=email).exists():
        raise InvalidInput({"email": f"{email} already acts for {organisation.name}."})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # A new invitation to the same address replaces the old one, so only the latest link works.
        Invitation.objects.filter(organisation=organisation, email=email, accepted_at__isnull=True,
                                  revoked_at__isnull=True).update(revoked_at=now)
        invitation = Invitation.objects.create(
            organisation=organisation, email=email, invited_by=invited_by, token_hash=_token_hash(token),
            expires_at=now + timedelta(days=INVITATION_DAYS))
        link = absolute_url(reverse("web:invitation", kwargs={"token": token}))
        email_send(to=email, template="invitation", context={
            "organisation": organisation, "invited_by": invited_by, "link": link, "days": INVITATION_DAYS})
    return invitation


def invitation_find(token: str) -> Invitation:
    invitation = Invitation.objects.select_related("organisation", "invited_by").filter(
        token_hash=_token_hash(token)).first()
    if invitation is None:
        raise LinkUnusable("This invitation link is not complete or not ours. Copy the whole link from the email, "
                           "or ask the person who invited you to send a new invitation.")
    if invitation.revoked_at is not None:
        raise LinkUnusable("This invitation has been withdrawn or replaced by a newer one. Use the link in the "
                           "latest invitation email, or ask for a new invitation.")
    if invitation.accepted_at is not None:
        raise LinkUnusable("This invitation has already been accepted. Sign in to act for "
                           f"{invitation.organisation.name}.")
    if invitation.expires_at <= timezone.now():
        raise LinkUnusable(f"This invitation expired: invitations work for {INVITATION_DAYS} days. Ask "
                           f"{invitation.invited_by.full_name} to invite you again.")
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is not None or locked.revoked_at is not None:
        raise LinkUnusable("This invitation has already been used or withdrawn.")
    if user.email.lower() != locked.email.lower():
        raise Refused(f"This invitation is for {locked.email}. Sign out, then sign in or create an account with "
                      "that address.")
    membership = membership_add(user=user, organisation=locked.organisation, role=locked.role)
    locked.accepted_at, locked.accepted_by = timezone.now(), user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    if user.email_verified_at is None:
        # The invitation reached this address, which proves it as well as a confirmation link would.
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return membership


@transaction.atomic
def invitation_sign_up(*, invitation: Invitation, full_name: str, password: str) -> User:
    if User.objects.filter(email=invitation.email).exists():
        raise InvalidInput({"email": "There is already an account with this email address: sign in to accept."})
    if not full_name.strip():
        raise InvalidInput({"full_name": "Enter your full name"})
    _check_password(password, User(email=invitation.email, full_name=full_name.strip()))
    user = User.objects.create_user(invitation.email, password, full_name=full_name.strip())
    invitation_accept(invitation=invitation, user=user)
    return user


def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    employer_organisation(by, invitation.organisation_id)  # only its own staff; anyone else gets a 404
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now())
