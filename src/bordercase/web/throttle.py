"""The public pages that do real work for anyone, without signing in (a letter's page reads the transparency log and
proves the letter's place in it), limited as the API's public routes are: calls per address, ``API_RATE``, counted by
``lib.throttle`` against the same count. Past it, 429 with a page that says how long to wait."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bordercase.lib.throttle import CallRateThrottle

View = Callable[..., HttpResponse]


def throttled(view: View) -> View:
    """The view, refused with 429 (and Retry-After) once the address has made more calls than ``API_RATE`` allows
    in the window."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A counter of its own for each call (it keeps the window it counted in), at the rate set now.
        limit = CallRateThrottle(settings.API_RATE)
        if not limit.allow_request(request):
            wait = max(1, math.ceil(limit.wait() or 1))
            response = render(request, "429.html", {"wait": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return view(request, *args, **kwargs)

    return wrapped
