"""Accounts: signing up and confirming an email address, setting a new password, setting up an employer,
inviting colleagues."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from bordercase.accounts.models import Invitation, Membership, Organisation, User
from bordercase.accounts.organisations import employer_create, membership_add
from bordercase.accounts.tokens import held_tokens
from bordercase.lib.email import absolute_url, email_send
from bordercase.lib.errors import InvalidInput, Refused

CONFIRMATION_DAYS = 3
INVITATION_DAYS = 14
RESEND_AFTER = timedelta(minutes=1)
_SALT = "bordercase.accounts.confirm-email"

# Django's validators speak of "this password"; the form says which field and what to do instead.
_PASSWORD_MESSAGES = {
    "password_too_short": "Password is too short: it must be {min_length} characters or more",
    "password_too_common": "Password is one that many people use, so it is easy to guess: choose another, such "
                           "as a few unrelated words",
    "password_entirely_numeric": "Password must not be only numbers: add some letters",
    "password_too_similar": "Password is too similar to your name or email address: choose one that is not",
}


class LinkUnusable(Exception):
    """A confirmation, password or invitation link that cannot be used; the message says why and what to do."""


def password_problems(password: str, user: User) -> str:
    """What is wrong with the password under the site's validators, as one message; empty if nothing."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        messages = []
        for error in exc.error_list:
            template = _PASSWORD_MESSAGES.get(error.code or "")
            messages.append(template.format(**(error.params or {})) if template else " ".join(error.messages))
        return ". ".join(dict.fromkeys(messages))
    return ""


def _check_password(password: str, user: User) -> None:
    problems = password_problems(password, user)
    if problems:
        raise InvalidInput({"password": problems})


def normalised_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput({"email": "Enter an email address in the correct format, like name@example.com"}) from exc
    return email


def _claim_email_slot(user: User) -> bool:
    """True, and the time noted, if no form anyone can fill in has emailed this account in the last minute.

    One conditional UPDATE, so two requests at once cannot both send: this keeps a stranger who repeats
    sign-up, resend or password reset from filling someone's inbox.
    """
    now = timezone.now()
    sent = User.objects.filter(
        Q(confirmation_sent_at__isnull=True) | Q(confirmation_sent_at__lte=now - RESEND_AFTER), pk=user.pk,
    ).update(confirmation_sent_at=now) == 1
    held_tokens.changed()  # an update sends no signal
    return sent


# --- signing up ----------------------------------------------------------------------------------------------------


def _account_state(user: User) -> str:
    # Bound into the link, so a link confirms the account only with the password it was sent for: a later
    # sign-up with the same address (which replaces the password) or a changed address makes it unusable.
    return hashlib.sha256(f"{user.email}|{user.password}".encode()).hexdigest()[:24]


def confirmation_token(user: User) -> str:
    # sign_object encodes in URL-safe base 64, so any valid address (even one with '/') fits in the path.
    return signing.TimestampSigner(salt=_SALT).sign_object({"u": user.pk, "s": _account_state(user)})


def _send_confirmation(user: User) -> None:
    link = absolute_url(reverse("web:confirm-email", kwargs={"token": confirmation_token(user)}))
    email_send(to=user.email, template="confirm_email", context={"user": user, "link": link,
                                                                  "days": CONFIRMATION_DAYS})


def sign_up(*, email: str, full_name: str, password: str) -> User | None:
    """An unconfirmed account and a confirmation email; None when the address has a confirmed account.

    Either way the person is told to check their email, so the page never reveals who has an account: the
    holder of a confirmed account is told someone tried to sign up with it. Signing up again with an address
    whose account is still unconfirmed replaces its name and password and sends a new link, since nobody has
    yet shown that the first password belongs to whoever reads that inbox.
    """
    email = normalised_email(email)
    full_name = full_name.strip()
    if not full_name:
        raise InvalidInput({"full_name": "Enter your full name"})
    _check_password(password, User(email=email, full_name=full_name))
    # Hashed on every path, so how long the answer takes does not say whether the address has an account.
    hashed = make_password(password)
    with transaction.atomic():
        existing = User.objects.select_for_update().filter(email=email).first()
        if existing is None:
            try:
                with transaction.atomic():
                    user = User.objects.create(email=email, full_name=full_name, password=hashed,
                                               email_verified_at=None, confirmation_sent_at=timezone.now())
            except IntegrityError:
                return None  # signed up a moment ago, in another tab: that sign-up's email is on its way
            _send_confirmation(user)
            return user
        if not existing.is_active or not _claim_email_slot(existing):
            return None
        if existing.email_verified_at is not None:
            email_send(to=existing.email, template="already_registered", context={
                "user": existing, "sign_in": absolute_url(reverse("web:sign-in")),
                "reset": absolute_url(reverse("web:password-reset"))})
            return None
        existing.full_name, existing.password = full_name, hashed
        existing.save(update_fields=["full_name", "password"])
        _send_confirmation(existing)
        return existing


def confirmation_resend(email: str) -> None:
    """Send another link to an unconfirmed account, at most once a minute; silent for any other address."""
    user = User.objects.filter(email=email.strip().lower(), email_verified_at__isnull=True, is_active=True).first()
    if user is not None and _claim_email_slot(user):
        _send_confirmation(user)


def email_confirm(token: str) -> User:
    """Confirm the address the link was sent to, once; raise ``LinkUnusable`` saying what to do otherwise."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign_object(token, max_age=timedelta(days=CONFIRMATION_DAYS))
        pk, state = int(value["u"]), str(value["s"])
    except signing.SignatureExpired as exc:
        raise LinkUnusable(f"This link has expired: links work for {CONFIRMATION_DAYS} days. Ask for a new link "
                           "below, then open it from the email.") from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkUnusable("This link is not complete. Copy the whole link from the email into your browser, or "
                           "ask for a new one below.") from exc
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise LinkUnusable("This link is for an account that no longer exists. Create an account again.")
    if user.email_verified_at is not None:
        raise LinkUnusable("This email address is already confirmed. Sign in with it.")
    if not secrets.compare_digest(state, _account_state(user)):
        raise LinkUnusable("This link has been replaced by a newer one, sent when someone signed up again with "
                           "this address. Use the link in the latest email, or ask for a new one below.")
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


# --- forgotten passwords -------------------------------------------------------------------------------------------

PASSWORD_LINK_DAYS = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def password_reset_request(email: str) -> None:
    """Email a link to set a new password, at most once a minute; silent for an address with no account."""
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None or not _claim_email_slot(user):
        return
    # Django's generator hashes the password and last sign-in into the token, so a link stops working once used.
    kwargs = {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}
    email_send(to=user.email, template="password_reset", context={
        "user": user, "link": absolute_url(reverse("web:password-reset-confirm", kwargs=kwargs)),
        "days": PASSWORD_LINK_DAYS})


def password_reset_user(uidb64: str, token: str) -> User:
    """The account a password link is for, if the link still works; otherwise ``LinkUnusable``."""
    try:
        user = User.objects.filter(pk=int(urlsafe_base64_decode(uidb64).decode()), is_active=True).first()
    except (ValueError, UnicodeDecodeError):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        raise LinkUnusable(f"This link has expired or has already been used: links work once, for "
                           f"{PASSWORD_LINK_DAYS} days. Ask for a new link below.")
    return user


def password_set(*, user: User, password: str) -> None:
    _check_password(password, user)
    user.set_password(password)
    fields = ["password"]
    if user.email_verified_at is None:
        # The link reached this inbox, which proves the address, and the new password replaces one nobody proved.
        user.email_verified_at = timezone.now()
        fields.append("email_verified_at")
    user.save(update_fields=fields)


# --- employers -----------------------------------------------------------------------------------------------------

_NZBN_TAKEN = ("An organisation with this NZBN is already registered. Ask someone who acts for it to invite you "
               "from its 'Your organisation' page.")


def _nzbn_taken(nzbn: str) -> bool:
    return Organisation.objects.filter(nzbn=nzbn).exists()


def may_register_organisation(user: User) -> bool:
    """Someone who acts for no employer yet; a colleague of an existing one is invited instead."""
    return not Membership.objects.filter(user=user, role=Membership.Role.EMPLOYER).exists()


@transaction.atomic
def organisation_register(*, user: User, name: str, nzbn: str, contact_email: str) -> Organisation:
    """An employer organisation, with the person who registered it as its first member."""
    if user.email_verified_at is None:
        raise Refused("Confirm your email address before setting up an organisation.")
    if not may_register_organisation(user):
        raise Refused("You already act for an organisation. To act for another, ask its staff to invite you.")
    digits = "".join(nzbn.split())
    if digits and _nzbn_taken(digits):
        raise InvalidInput({"nzbn": _NZBN_TAKEN})
    try:
        with transaction.atomic():
            organisation = employer_create(name=name, nzbn=digits, contact_email=contact_email.strip())
    except IntegrityError as exc:
        raise InvalidInput({"nzbn": _NZBN_TAKEN}) from exc  # registered by someone else a moment ago
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
    email = normalised_email(email)
    if Membership.objects.filter(organisation=organisation, user__email=email,
                                 role=Membership.Role.EMPLOYER).exists():
        raise InvalidInput({"email": f"{email} already acts for {organisation.name}, so needs no invitation. "
                                     "Enter another colleague's email address."})
    return invitation_issue(organisation=organisation, email=email, role=Membership.Role.EMPLOYER,
                            invited_by=invited_by)


def invitation_issue(*, organisation: Organisation, email: str, role: str, invited_by: User) -> Invitation:
    """Email a single-use link to act for the organisation in the role; whoever asks has been checked already."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # A new invitation to the same address replaces the old one, so only the latest link works.
        Invitation.objects.filter(organisation=organisation, email=email, accepted_at__isnull=True,
                                  revoked_at__isnull=True).update(revoked_at=now)
        invitation = Invitation.objects.create(
            organisation=organisation, email=email, role=role, invited_by=invited_by, token_hash=_token_hash(token),
            expires_at=now + timedelta(days=INVITATION_DAYS))
        link = absolute_url(reverse("web:invitation", kwargs={"token": token}))
        email_send(to=email, template="invitation", context={
            "organisation": organisation, "invited_by": invited_by, "link": link, "days": INVITATION_DAYS,
            "role": role, "role_label": Membership.Role(role).label})
    return invitation


def invitation_find(token: str) -> Invitation:
    # Found by the token's SHA-256, not by comparing tokens: the time an index lookup takes depends on the
    # hash, which an attacker cannot steer towards a stored one, so it leaks nothing about any token.
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
    if locked.expires_at <= timezone.now():
        raise LinkUnusable(f"This invitation expired: invitations work for {INVITATION_DAYS} days. Ask for a new "
                           "one.")
    if user.email.lower() != locked.email.lower():
        raise Refused(f"This invitation is for {locked.email}. Sign out, then sign in or create an account with "
                      "that address.")
    # Someone who already acts for the organisation (by an earlier invitation) just uses this one up.
    membership = Membership.objects.filter(user=user, organisation=locked.organisation_id, role=locked.role).first()
    if membership is None:
        membership = membership_add(user=user, organisation=locked.organisation, role=locked.role)
    locked.accepted_at, locked.accepted_by = timezone.now(), user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    if user.email_verified_at is None:
        # The invitation reached this address, which proves it as well as a confirmation link would.
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return membership


def invitation_needs_sign_in(invitation: Invitation) -> bool:
    """True when the invited address has a confirmed account, whose holder must sign in to accept."""
    return User.objects.filter(email=invitation.email, email_verified_at__isnull=False).exists()


@transaction.atomic
def invitation_sign_up(*, invitation: Invitation, full_name: str, password: str) -> User:
    """An account for the invited address, confirmed by the invitation, acting for the organisation."""
    full_name = full_name.strip()
    if not full_name:
        raise InvalidInput({"full_name": "Enter your full name"})
    user = User.objects.select_for_update().filter(email=invitation.email).first()
    if user is not None and user.email_verified_at is not None:
        raise InvalidInput({"__all__": "There is already an account with this email address: sign in to accept."})
    _check_password(password, User(email=invitation.email, full_name=full_name))
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(invitation.email, password, full_name=full_name)
        except IntegrityError as exc:
            raise InvalidInput({"__all__": "An account with this email address was created a moment ago. Sign "
                                           "in with it to accept."}) from exc
    else:
        # An unconfirmed account's password was never shown to belong to whoever reads this inbox (anyone may
        # sign up with any address), so the person holding the invitation sets it now.
        user.full_name = full_name
        user.set_password(password)
        user.save(update_fields=["full_name", "password"])
    invitation_accept(invitation=invitation, user=user)
    return user


def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    employer_organisation(by, invitation.organisation_id)  # only its own staff; anyone else gets a 404
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now())


def notices_daily_set(*, user: User, daily: bool) -> None:
    """Whether the person gets their requests' status changes as one email a day (`bordercase notices digest`)."""
    User.objects.filter(pk=user.pk).update(notices_daily=daily)
    held_tokens.changed()  # an update sends no signal
