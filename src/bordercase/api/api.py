"""The JSON API at /api/v1: its routers, its token, its rate limit, and its errors (api.errors)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from ninja import NinjaAPI

from bordercase.api.account import router as account_router
from bordercase.api.administration import router as administration_router
from bordercase.api.allocation import router as allocation_router
from bordercase.api.assessment import router as assessment_router
from bordercase.api.auth import ApiTokenAuth
from bordercase.api.declared_rounds import router as declared_rounds_router
from bordercase.api.documents import router as documents_router
from bordercase.api.errors import document, register
from bordercase.api.immigration import router as immigration_router
from bordercase.api.occupations import router as occupations_router
from bordercase.api.requests import router as requests_router
from bordercase.api.rules import router as rules_router
from bordercase.api.schemes import router as schemes_router
from bordercase.api.stats import router as stats_router
from bordercase.api.transparency import router as transparency_router
from bordercase.lib.throttle import CallRateThrottle


class BordercaseAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return document(super().get_openapi_schema(**kwargs))


api = BordercaseAPI(
    title="bordercase API",
    version="1",
    description="Lodge and follow border-exception requests. Authenticate with a personal API token. Every error "
    "answers JSON in one shape: `message` (what went wrong and what to do next) and `fields` (each field at fault, "
    "with the rule it breaks).",
    auth=ApiTokenAuth(),
    urls_namespace="api-v1",
    # Calls per token (or per address, for the public routes), counted in Django's cache.
    throttle=[CallRateThrottle(settings.API_RATE)],
)
register(api)
api.add_router("/", requests_router)
api.add_router("/", schemes_router)
api.add_router("/", documents_router)
api.add_router("/", assessment_router)
api.add_router("/", stats_router)
api.add_router("/", allocation_router)
api.add_router("/", declared_rounds_router)
api.add_router("/", immigration_router)
api.add_router("/", administration_router)
api.add_router("/", transparency_router)
api.add_router("/", rules_router)
api.add_router("/", occupations_router)
api.add_router("/", account_router)

