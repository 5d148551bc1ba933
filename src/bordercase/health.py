"""Whether this process can serve: /healthz for liveness, /readyz for readiness, and the migration check `serve`
makes before it starts.

Load balancers and orchestrators probe by address, over plain HTTP, with whatever Host header they like. The
middleware answers these two paths before host validation and sessions, so a probe neither needs a configured host
name nor touches the session table: it comes right after SecurityMiddleware (whose headers it keeps), and settings
exempt both paths from the HTTPS redirect.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"


def unapplied_migrations(alias: str = "default") -> list[str]:
    """The migrations the database still lacks, as "app.name", in the order they would run."""
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def readiness(alias: str = "default") -> tuple[bool, dict[str, object]]:
    """Ready when the database answers a query and has every migration; otherwise the reason, for the operator."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        missing = unapplied_migrations(alias)
    except DatabaseError as exc:
        # The driver's message names the host and the failure (refused, authentication, unknown database), which
        # is what the operator needs; it holds no secret, since DATABASE_URL's password is never in it.
        return False, {"status": "unavailable", "reason": "The database does not answer.",
                       "error": f"{type(exc).__name__}: {exc}".strip()[:500]}
    if missing:
        return False, {"status": "unavailable",
                       "reason": "The database is not up to date: run `bordercase migrate`.",
                       "unapplied_migrations": missing}
    return True, {"status": "ready"}


class HealthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in (LIVENESS_PATH, f"{LIVENESS_PATH}/"):
            return _no_store(JsonResponse({"status": "alive"}))
        if request.path_info in (READINESS_PATH, f"{READINESS_PATH}/"):
            ready, body = readiness()
            return _no_store(JsonResponse(body, status=200 if ready else 503))
        return self.get_response(request)


def _no_store(response: HttpResponse) -> HttpResponse:
    # A cached "ready" would keep sending traffic to a process that has since lost its database.
    response["Cache-Control"] = "no-store"
    return response
