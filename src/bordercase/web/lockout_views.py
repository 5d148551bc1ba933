"""The page shown instead of signing in while wrong passwords have locked the account or the address."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bordercase.accounts import throttle
from bordercase.cases.windows import nz_time


def sign_in_locked(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: axes calls it for any sign-in it refused or that reached a limit (HTTP 429)."""
    locks = throttle.locks_of(request, credentials)
    now = timezone.now()
    # A lock can end between the refusal and this page; then the full cool-off is the honest upper bound.
    until = max((lock.until for lock in locks), default=now + settings.AXES_COOLOFF_TIME)
    kinds = {lock.kind for lock in locks} or {"account"}
    return render(request, "web/sign_in_locked.html", {
        "account_locked": "account" in kinds,
        "address_locked": "address" in kinds,
        "until": nz_time(until),
        "minutes": max(1, math.ceil((until - now).total_seconds() / 60)),
        "email": throttle.username_of(request, credentials) or "",
    }, status=settings.AXES_HTTP_RESPONSE_CODE)
