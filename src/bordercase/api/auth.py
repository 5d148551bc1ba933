from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from bordercase.accounts.models import User
from bordercase.accounts.tokens import token_authenticate


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer bc_…` with a token the user made on their API tokens page."""

    openapi_description = "A personal API token, created on the API tokens page. Send it as a Bearer token."

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return token_authenticate(token)


def caller(request: HttpRequest) -> User:
    """The user whose token authenticated this call."""
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):
        raise AuthenticationError
    return user
