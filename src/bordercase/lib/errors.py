"""Domain errors that interfaces turn into pages and API answers. Every message says what to do next."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404


class InvalidInput(Exception):
    """Input that breaks a rule; ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> InvalidInput:
        if hasattr(exc, "error_dict"):
            return cls({field: " ".join(m for e in errs for m in e.messages) for field, errs in exc.error_dict.items()})
        return cls({"__all__": " ".join(exc.messages)})


class NotFound(Http404):
    """Nothing by that name that the caller may see: both interfaces answer 404, never 403, so nobody learns by
    guessing what exists. The message says what to check."""


class Refused(Exception):
    """The caller may not do this, though they may see what it is done to."""


class ConcurrentChange(Exception):
    """Someone else changed the record first; reload and try again."""


class OutsideWindow(Exception):
    """The scheme is not taking this now; the message says when it opens or that it has closed."""

    def __init__(self, message: str, intake: object) -> None:
        super().__init__(message)
        self.intake = intake


class IdempotencyMismatch(Exception):
    """An Idempotency-Key came back with a different request: the client reused a key by mistake."""


class NotEditable(Exception):
    """The request is past the point where this can change (a draft can be edited; a lodged request cannot)."""
