"""Holds back a signed-in person who owes a second factor until they give it.

Runs after django-otp's OTPMiddleware, which says whether this session gave a code (``user.is_verified()``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from bordercase.accounts import second_factor


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def _unchecked(self) -> tuple[str, ...]:
        # The API authenticates each call by its bearer token, never the session; static files hold nothing.
        return ("/api/", "/" + settings.STATIC_URL.lstrip("/"))

    @cached_property
    def _second_step_pages(self) -> tuple[str, ...]:
        return (reverse("web:two-step-code"), reverse("web:two-step-set-up"), reverse("web:sign-out"))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(self._unchecked):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and not user.is_verified() and second_factor.second_factor_required(user):
            # The navigation leaves out pages this person cannot reach yet.
            request.second_step_pending = True  # type: ignore[attr-defined]
            # reverse() includes any script prefix, as request.path does (path_info does not).
            if request.path not in self._second_step_pages:
                return self._second_step(request)
        return self.get_response(request)

    def _second_step(self, request: HttpRequest) -> HttpResponse:
        has_device = second_factor.device_confirmed(request.user) is not None  # type: ignore[arg-type]
        page = reverse("web:two-step-code" if has_device else "web:two-step-set-up")
        return HttpResponseRedirect(f"{page}?{urlencode({'next': request.get_full_path()})}")
