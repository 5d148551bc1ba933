"""The accessibility statement, in the form the New Zealand Government's accessibility statement guidance sets out:
the standard, how the service was tested, what is known not to meet it, and how to report a problem."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

# When the statement was prepared and last checked against the service; change it with what the statement says.
PREPARED = dt.date(2026, 12, 6)
REVIEWED = dt.date(2026, 12, 6)


@require_safe
def statement(request: HttpRequest) -> HttpResponse:
    return render(request, "web/accessibility.html", {
        "prepared": PREPARED, "reviewed": REVIEWED, "contact": settings.ACCESSIBILITY_EMAIL,
        # A sign-in lasts SESSION_COOKIE_AGE seconds from signing in (a known issue below), said in whole hours.
        "sign_in_hours": max(1, round(settings.SESSION_COOKIE_AGE / 3600)),
    })
