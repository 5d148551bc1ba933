"""The second factor at sign-in: a time-based code (TOTP) from an authenticator app, kept by django-otp.

Staff of assessing bodies, Immigration NZ and the Ministry decide people's requests, so a stolen password
alone must not be enough for their accounts. Anyone else may turn it on; once on, it is asked for every time.
"""

from __future__ import annotations

import math
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from bordercase.accounts.models import User
from bordercase.accounts.roles import Roles, roles_of

DEVICE_NAME = "Authenticator app"
CODE_DIGITS = 6


def staff(user: User, roles: Roles | None = None) -> bool:
    """Whether the user decides or runs requests (assessor, INZ officer, administrator) or is a superuser."""
    roles = roles or roles_of(user)
    return bool(roles.assessor_at or roles.inz_officer or roles.administrator or user.is_superuser)


def second_factor_required(user: User, roles: Roles | None = None) -> bool:
    """Staff always; anyone else once they have a confirmed device."""
    return staff(user, roles) or user_has_device(user, confirmed=True)


def device_confirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def device_pending(user: User) -> TOTPDevice:
    """The device being set up: the same one on every visit, so a key already added to an app stays right."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in (RFC 4648 base 32, no padding)."""
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class CodeCheck:
    """What became of a code: accepted, wrong, or not tried because of earlier wrong codes."""

    accepted: bool
    wait_until: datetime | None = None

    @property
    def wait_seconds(self) -> int:
        if self.wait_until is None:
            return 0
        return max(1, math.ceil((self.wait_until - timezone.now()).total_seconds()))


def code_check(device: TOTPDevice, code: str) -> CodeCheck:
    """Check a code against the device, within django-otp's throttle (1, 2, 4, 8… seconds after wrong codes).

    The row is locked so two submissions of one code cannot both pass, and a code is refused once a later or
    equal time step has been accepted, so a code seen over someone's shoulder cannot be used again.
    """
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, why = locked.verify_is_allowed()
        if not allowed:
            return CodeCheck(accepted=False, wait_until=(why or {}).get("locked_until"))
        accepted = locked.verify_token(code)
    device.refresh_from_db()
    return CodeCheck(accepted=accepted)


def device_confirm(device: TOTPDevice, code: str) -> CodeCheck:
    """Confirm a device being set up, by the first code from the app that scanned its key."""
    checked = code_check(device, code)
    if checked.accepted:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return checked
