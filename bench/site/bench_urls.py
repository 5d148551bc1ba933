"""bordercase's URLs plus ``bench/bare/``: parse a JSON body and insert one row, nothing else.

It stands for what Django, gunicorn and PostgreSQL cost on this machine before any of bordercase's rules,
so a lodging's throughput can be read as a fraction of it.
"""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from bordercase.urls import urlpatterns as bordercase_urls


@csrf_exempt
def bare(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body or b"{}")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_bare (body) VALUES (%s) RETURNING id", [json.dumps(body)])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [path("bench/bare/", bare), path("", include(bordercase_urls))]
