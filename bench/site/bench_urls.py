"""bordercase's URLs plus ``bench/bare/``: parse a JSON body and insert one row, nothing else.

The bare view stands for what gunicorn, Django's middleware and one PostgreSQL write cost on this machine
before any of bordercase's own work, so a lodging's throughput can be read as a fraction of it. It keeps
the run and the client's key with each row, so the bench can count lost and duplicated inserts here too.
"""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bordercase.urls import urlpatterns as bordercase_urls


@csrf_exempt
@require_POST
def bare(request: HttpRequest) -> HttpResponse:
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"message": "Send a JSON body."}, status=400)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_bare (run, op_key, body) VALUES (%s, %s, %s) RETURNING id",
            [request.headers.get("X-Bench-Run", ""), request.headers.get("Idempotency-Key", ""), json.dumps(body)],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [path("bench/bare/", bare), path("", include(bordercase_urls))]
