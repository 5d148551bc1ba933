"""What every page view needs from Django's request, once: the person signed in, and what they posted."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from bordercase.accounts.models import User


def user_of(request: HttpRequest) -> User:
    """The person signed in. Views that call this are behind login_required; anyone else finds nothing here."""
    if not isinstance(request.user, User):
        raise Http404("Sign in to see this page")
    return request.user


def posted_data(request: HttpRequest) -> Any:
    """The posted data, even when empty: an empty post must still be validated, not treated as a fresh page."""
    return request.POST if request.method == "POST" else None
