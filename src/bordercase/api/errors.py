"""Every error the API answers, in one shape: ``{"message": …, "fields": {field: what is wrong}}``.

Domain errors, ninja's own (an unparseable body, a missing token, too many calls) and anything unexpected all
become that shape here, and ``document`` adds to the OpenAPI every status each route can answer, worked out from
what the route has (a token, path parameters, query parameters, a body), so the document and the answers agree.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from bordercase.cases.lifecycle import IllegalTransition, LifecycleError, NotPermitted, ReasonRequired
from bordercase.lib.errors import (
    ConcurrentChange,
    IdempotencyMismatch,
    InvalidInput,
    NotEditable,
    OutsideWindow,
    Refused,
)

logger = logging.getLogger("bordercase.api")

# What each status means to a client, as the OpenAPI says it.
MEANINGS = {
    400: "The body could not be read: it is not JSON (or not a multipart form, for uploads), or it is too large.",
    401: "No valid API token was sent.",
    403: "You may see this but not do it.",
    404: "Nothing here that you can see.",
    409: "The request is not in a state this can be done in, or someone changed it first.",
    422: "Something sent breaks a rule: `fields` names each field and the rule.",
    429: "Too many calls: wait the seconds Retry-After gives, then try again.",
    500: "bordercase failed: nothing was changed. Try again; if it goes on, tell the service desk the time.",
}
UNAUTHENTICATED = ("Send a valid API token as 'Authorization: Bearer bc_…'. Create one on your API tokens page; a "
                   "revoked token no longer works.")


def error_response(status: int, message: str, fields: dict[str, str] | None = None) -> HttpResponse:
    return JsonResponse({"message": message, "fields": fields or {}}, status=status)


def unreadable_body(exc: Exception) -> HttpResponse:
    """A body Django would not read: too large, or a multipart form whose parts it refused."""
    if isinstance(exc, MultiPartParserError):
        # Django caps each part's headers, which hold the file's name, at 1 KB: a long name is the usual cause.
        return error_response(400, "The multipart form could not be read: if the file's name is long, rename the "
                                   "file to a shorter name and send it again.", {"file": str(exc)})
    return error_response(400, "The body is larger than bordercase reads: send less at once.", {"body": str(exc)})


_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


def _fields_of(exc: ValidationError) -> dict[str, str]:
    # ninja's locations name where the value came from and the route's parameter (body, query, path): the field is
    # what is left.
    return {".".join(str(p) for p in e.get("loc", ()) if p not in _SOURCES) or "body":
            e.get("msg", "") for e in exc.errors}


def register(api: NinjaAPI) -> None:
    """Answer every exception the routes can raise in the one shape."""

    def handle(*classes: type[Exception]) -> Any:
        def decorator(func: Any) -> Any:
            for cls in classes:
                api.add_exception_handler(cls, func)
            return func
        return decorator

    @handle(IllegalTransition, ConcurrentChange, NotEditable, OutsideWindow)
    def conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(409, str(exc))

    @handle(NotPermitted, Refused)
    def refused(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(403, str(exc))

    @handle(ReasonRequired)
    def reason_required(request: HttpRequest, exc: ReasonRequired) -> HttpResponse:
        return error_response(422, str(exc), {"reason": str(exc)})

    @handle(LifecycleError)
    def unknown_transition(request: HttpRequest, exc: LifecycleError) -> HttpResponse:
        return error_response(404, str(exc))

    @handle(InvalidInput)
    def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
        return error_response(422, "Some of what was sent breaks a rule: see fields.", exc.errors)

    @handle(IdempotencyMismatch)
    def idempotency_mismatch(request: HttpRequest, exc: IdempotencyMismatch) -> HttpResponse:
        return error_response(422, str(exc), {"Idempotency-Key": str(exc)})

    @handle(ValidationError)
    def malformed(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(422, "The request body or parameters are not in the expected form: see fields.",
                              _fields_of(exc))

    @handle(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, str(exc) or "Not found.")

    @handle(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(401, UNAUTHENTICATED)

    @handle(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = max(1, int(exc.wait or 1))
        response = error_response(429, f"Too many calls with this token: wait {wait} seconds, then try again.")
        response["Retry-After"] = str(wait)
        return response

    @handle(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja raises this for a body it cannot parse: its own words say which ("Cannot parse request body").
        if exc.status_code == 400:
            return error_response(400, "The body could not be read: send JSON with Content-Type: application/json "
                                       "(or a multipart form, for uploads).", {"body": str(exc)})
        return error_response(exc.status_code, str(exc))

    @handle(RequestDataTooBig, MultiPartParserError)
    def unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
        return unreadable_body(exc)

    @handle(Exception)
    def failed(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API %s %s failed", request.method, request.path)
        return error_response(500, MEANINGS[500])


def statuses(operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer whatever its route does, from what the operation has."""
    found = {429, 500}
    if operation.get("security"):
        found.add(401)
    places = {p.get("in") for p in operation.get("parameters", ())}
    if "path" in places:
        found.add(404)
    if places & {"path", "query", "header"} or "requestBody" in operation:
        found.add(422)
    if "requestBody" in operation:
        found.add(400)
    return found


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to every operation the errors it can answer, each with the one error shape, and mark the headers a
    route reads as optional (to answer their absence in its own words) but needs (``x-required-headers``)."""
    reference = {"$ref": "#/components/schemas/ErrorOut"}
    schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = {
        "title": "ErrorOut", "type": "object", "required": ["message", "fields"],
        "properties": {"message": {"type": "string", "description": "What went wrong and what to do next"},
                       "fields": {"type": "object", "additionalProperties": {"type": "string"},
                                  "description": "Each field at fault, with the rule it breaks"}},
    }
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            required = operation.pop("x-required-headers", ())
            for parameter in operation.get("parameters", ()):
                if parameter.get("in") == "header" and parameter.get("name") in required:
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "minLength": 1, "maxLength": 255,
                                           "pattern": "^[!-~]+$"}
            # ninja keys its responses by number; JSON would turn them into text anyway, so one key per status.
            answers = {str(status): entry for status, entry in operation.get("responses", {}).items()}
            operation["responses"] = answers
            for status in sorted(statuses(operation) | {int(s) for s in answers if str(s).isdigit()
                                                        and int(s) >= 400}):
                entry = answers.setdefault(str(status), {})
                entry["description"] = MEANINGS.get(status, entry.get("description", ""))
                entry["content"] = {"application/json": {"schema": reference}}
                if status == 429:
                    entry["headers"] = {"Retry-After": {"description": "Seconds to wait", "schema": {
                        "type": "integer"}}}
    return schema
