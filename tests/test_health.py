"""/healthz says the process answers without touching the database; /readyz says the database answers and has
every migration, or 503 with the reason."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from bordercase import health


def test_liveness_answers_without_a_database_query(client: Client) -> None:
    # No django_db mark: pytest-django fails any database access, so a query here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_readiness_answers_200_when_the_database_is_migrated(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.mark.django_db
def test_readiness_names_each_unapplied_migration(client: Client) -> None:
    # The newest migration of an app, as a deployment that forgot to migrate would lack it.
    app, name = max(n for n in MigrationLoader(connection).graph.leaf_nodes() if n[0] == "reporting")
    MigrationRecorder.Migration.objects.get(app=app, name=name).delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert f"reporting.{name}" in body["unapplied_migrations"]
    assert "bordercase migrate" in body["reason"]


@pytest.mark.django_db
def test_readiness_answers_503_with_the_reason_when_the_database_does_not_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr(connection, "cursor", refused)
    ready, body = health.readiness()
    assert not ready
    assert body["reason"] == "The database does not answer."
    assert "Connection refused" in str(body["error"])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_probes_answer_whatever_host_they_name(client: Client) -> None:
    # An orchestrator probes a pod by its address, not by a host name in ALLOWED_HOSTS.
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert client.get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400


@pytest.mark.django_db
def test_other_paths_are_not_answered_by_the_probe(client: Client) -> None:
    assert client.get("/healthzz").status_code == 404
