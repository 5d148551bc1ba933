"""Two-step verification pages: the code asked for after the password, setting up an authenticator app, and
the account page that says whether it is on."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from bordercase.accounts import second_factor
from bordercase.accounts.second_factor import CodeCheck
from bordercase.web.forms import SecondFactorCodeForm
from bordercase.web.plumbing import posted_data, user_of

WRONG_CODE = "The code is not right: enter the 6-digit code your authenticator app shows now"



def _session_verified(request: HttpRequest) -> bool:
    return bool(request.user.is_verified())  # type: ignore[union-attr]  # installed by OTPMiddleware


def _next(request: HttpRequest) -> str:
    """Where to go once the code is given: a page of this site, never an address someone slipped into the link."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: a bare word such as "requests" would be taken by redirect() for a URL name.
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request: HttpRequest) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next(request)})}"


def _verified(request: HttpRequest, device: TOTPDevice) -> None:
    # A new session key, so a session id seen before the code was given is worth nothing after it.
    request.session.cycle_key()
    otp_login(request, device)


def _wait(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 2 * 60 * 60:
        return f"{-(-seconds // 60)} minutes"
    return f"{-(-seconds // 3600)} hours"


def _refusal(checked: CodeCheck) -> str:
    if checked.wait_until is not None:
        return (f"You have entered a wrong code too many times: wait {_wait(checked.wait_seconds)}, then enter the "
                "code your authenticator app shows")
    return WRONG_CODE


def _qr_code(device: TOTPDevice) -> SafeString:
    """The app's set-up link as an SVG drawn here, inline, so the page needs neither scripts nor image fetches."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, light="#fff", svgclass="bc-qr-code", title="QR code that adds bordercase to an authenticator app")
    # segno's markup is made from our own link and title only; role="img" lets screen readers use the title.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))



@never_cache
@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if _session_verified(request) or not second_factor.second_factor_required(user):
        return redirect(_next(request))
    device = second_factor.device_confirmed(user)
    if device is None:
        return redirect(_with_next("web:two-step-set-up", request))
    form = SecondFactorCodeForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        checked = second_factor.code_check(device, form.cleaned_data["code"])
        if checked.accepted:
            _verified(request, device)
            return redirect(_next(request))
        form.add_error("code", _refusal(checked))
    return render(request, "web/account/two_step_code.html", {"form": form, "next": _next(request)})


@never_cache
@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def set_up(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if second_factor.device_confirmed(user) is not None:
        # An app already set up is never replaced here, or a password alone could undo the second factor.
        return redirect("web:two-step" if _session_verified(request) else _with_next("web:two-step-code", request))
    device = second_factor.device_pending(user)
    # Set up at sign-in carries on to the page asked for; set up from the account page comes back to it.
    onward = _next(request) if request.POST.get("next") or request.GET.get("next") else ""
    form = SecondFactorCodeForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        checked = second_factor.device_confirm(device, form.cleaned_data["code"])
        if checked.accepted:
            _verified(request, device)
            if onward:
                return redirect(onward)
            request.session["two_step_just_on"] = True
            return redirect("web:two-step")
        form.add_error("code", _refusal(checked))
    context = {
        "form": form, "next": onward,
        "staff": second_factor.staff(user), "qr_code": _qr_code(device),
        "secret": _grouped(second_factor.secret_base32(device)),
    }
    return render(request, "web/account/two_step_set_up.html", context)


@login_required
def two_step(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    return render(request, "web/account/two_step.html", {
        "device": second_factor.device_confirmed(user), "staff": second_factor.staff(user),
        "just_on": request.session.pop("two_step_just_on", False)})
