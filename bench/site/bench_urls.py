"""bordercase's URLs plus two bench-only views: ``bench/bare/`` and ``bench/floor/``.

``bench/bare/`` parses a JSON body and inserts one row, nothing else.

``bench/floor/`` makes, in one transaction and with plain SQL on the connection, the rows a lodging must write and
nothing else: the nominee, the request (lodged), its event, its evaluation, its milestone, the Idempotency-Key's
record with the answer, and the queued notification. No reads but the four ids it needs (looked up once per
process), no rules, no hashing beyond one digest: the fair floor for a lodging, as a bare insert is not.

The bare view stands for what gunicorn, Django's middleware and one PostgreSQL write cost on this machine
before any of bordercase's own work, so a lodging's throughput can be read as a fraction of it. It keeps
the run and the client's key with each row, so the bench can count lost and duplicated inserts here too.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.utils import timezone
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


_IDS: dict[str, int] = {}


def _ids(nzbn: str) -> dict[str, int]:
    """The bench employer's user, organisation, the tech scheme and NZTech: read once per worker process."""
    if not _IDS:
        with connection.cursor() as cursor:
            for name, query, value in (
                ("user", "SELECT id FROM accounts_user WHERE email = %s", "bench@load-test.example"),
                ("organisation", "SELECT id FROM cases_organisation WHERE nzbn = %s", nzbn),
                ("scheme", "SELECT id FROM cases_scheme WHERE code = %s", "tech-specialists-2022"),
                ("body", "SELECT id FROM cases_organisation WHERE code = %s", "nztech"),
            ):
                cursor.execute(query, [value])
                _IDS[name] = cursor.fetchone()[0]
    return _IDS


@csrf_exempt
@require_POST
def floor(request: HttpRequest) -> HttpResponse:
    try:
        body = json.loads(request.body)
        nominee = body["nominee"]
    except (ValueError, KeyError):
        return JsonResponse({"message": "Send a create's JSON body."}, status=400)
    ids = _ids(str(body.get("organisation_nzbn", "")))
    key = request.headers.get("Idempotency-Key", "")
    now = timezone.now()
    reference = secrets.token_hex(5).upper()
    digest = hashlib.sha256(request.body).hexdigest()
    answers = json.dumps(body.get("answers", {}))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_person (given_names, family_name, date_of_birth, nationality, passport_number, email, "
            "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [nominee["given_names"], nominee["family_name"], nominee["date_of_birth"], nominee["nationality"],
             nominee["passport_number"], nominee["email"], now])
        (person,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO cases_request (reference, answers, status, created_at, updated_at, lodged_at, "
            "status_changed_at, events_count, events_head_hash, assessing_body_id, created_by_id, nominee_id, "
            "organisation_id, scheme_id, worker_identity, entry_id) VALUES (%s, %s, 'lodged', %s, %s, %s, %s, 1, %s, "
            "%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [reference, answers, now, now, now, now, digest, ids["body"], ids["user"], person, ids["organisation"],
             ids["scheme"], digest[:64], reference])
        (request_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO cases_event (position, actor_label, at, transition, from_state, to_state, reason, data, "
            "prev_hash, hash, actor_id, request_id) VALUES (1, 'Load Test', %s, 'lodge', 'draft', 'lodged', '', "
            "'{}', '', %s, %s, %s)", [now, digest, ids["user"], request_id])
        cursor.execute(
            "INSERT INTO cases_evaluation (policy_version, as_at, outcome, criteria, answers, created_at, request_id) "
            "VALUES ('bench', %s, 'eligible', '[]', %s, %s, %s)", [now.date(), answers, now, request_id])
        cursor.execute(
            "INSERT INTO reporting_milestones (category, lodged_at, decision, visa, request_id) "
            "VALUES ('tech-specialists-2022', %s, '', '', %s)", [now, request_id])
        answer = {"reference": reference, "status": "lodged"}
        cursor.execute(
            "INSERT INTO cases_idempotencyrecord (key, fingerprint, status_code, response, created_at, user_id) "
            "VALUES (%s, %s, 201, %s, %s, %s)", [key, digest, json.dumps(answer), now, ids["user"]])
        cursor.execute(
            "INSERT INTO django_tasks_database_dbtaskresult (id, status, args_kwargs, priority, task_path, "
            "queue_name, backend_name, run_after, enqueued_at, exception_class_path, traceback, worker_ids) "
            "VALUES (%s, 'READY', %s, 0, 'bench.floor', 'default', 'default', %s, %s, '', '', '[]')",
            [uuid.uuid4(), json.dumps({"args": [reference], "kwargs": {}}), now, now])
    return JsonResponse(answer, status=201)


urlpatterns = [path("bench/bare/", bare), path("bench/floor/", floor), path("", include(bordercase_urls))]
