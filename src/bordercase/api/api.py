"""The JSON API at /api/v1, and how domain errors become HTTP answers."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from bordercase.api.allocation import router as allocation_router
from bordercase.api.assessment import router as assessment_router
from bordercase.api.auth import ApiTokenAuth
from bordercase.api.documents import router as documents_router
from bordercase.api.immigration import router as immigration_router
from bordercase.api.requests import router as requests_router
from bordercase.api.schemes import router as schemes_router
from bordercase.api.stats import router as stats_router
from bordercase.cases.errors import (
    ConcurrentChange,
    IdempotencyMismatch,
    InvalidInput,
    NotEditable,
    OutsideWindow,
    Refused,
)
from bordercase.cases.lifecycle import IllegalTransition, LifecycleError, NotPermitted, ReasonRequired

api = NinjaAPI(
    title="bordercase API",
    version="1",
    description="Lodge and follow border-exception requests. Authenticate with a personal API token.",
    auth=ApiTokenAuth(),
    urls_namespace="api-v1",
)
api.add_router("/", requests_router)
api.add_router("/", schemes_router)
api.add_router("/", documents_router)
api.add_router("/", assessment_router)
api.add_router("/", stats_router)
api.add_router("/", allocation_router)
api.add_router("/", immigration_router)


def _error(request: HttpRequest, status: int, message: str, fields: dict[str, str] | None = None) -> HttpResponse:
    return api.create_response(request, {"message": message, "fields": fields or {}}, status=status)


@api.exception_handler(IllegalTransition)
@api.exception_handler(ConcurrentChange)
@api.exception_handler(NotEditable)
@api.exception_handler(OutsideWindow)
def conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 409, str(exc))


@api.exception_handler(NotPermitted)
@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, str(exc))


@api.exception_handler(ReasonRequired)
def reason_required(request: HttpRequest, exc: ReasonRequired) -> HttpResponse:
    return _error(request, 422, str(exc), {"reason": str(exc)})


@api.exception_handler(LifecycleError)
def unknown_transition(request: HttpRequest, exc: LifecycleError) -> HttpResponse:
    return _error(request, 404, str(exc))


@api.exception_handler(InvalidInput)
def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return _error(request, 422, "Some of what was sent breaks a rule: see fields.", exc.errors)


@api.exception_handler(IdempotencyMismatch)
def idempotency_mismatch(request: HttpRequest, exc: IdempotencyMismatch) -> HttpResponse:
    return _error(request, 422, str(exc), {"Idempotency-Key": str(exc)})


@api.exception_handler(ValidationError)
def malformed(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = {".".join(str(p) for p in e.get("loc", ()) if p not in {"body", "query", "path"}): e.get("msg", "")
              for e in exc.errors}
    return _error(request, 422, "The request body or parameters are not in the expected form: see fields.", fields)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or "Not found.")


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "Send a valid API token as 'Authorization: Bearer bc_…'. Create one on your "
                                "API tokens page; a revoked token no longer works.")
