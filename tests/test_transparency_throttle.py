"""The public pages and routes that read the transparency log for anyone (a letter's page proves the letter's place
in it; the API's proofs) are limited per address, by one count: past it, 429 saying how long to wait."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from bordercase.api.api import api

NOW = 1_000_040.0  # 40 seconds before a minute's window ends: the calls below all fall in one


@pytest.fixture
def three_a_minute(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings.API_RATE = "3/m"
    [throttle] = api.throttle
    monkeypatch.setattr(throttle, "num_requests", 3)
    monkeypatch.setattr(throttle, "duration", 60)
    monkeypatch.setattr("bordercase.lib.throttle.time.time", lambda: NOW)
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.usefixtures("three_a_minute")
@pytest.mark.parametrize("path", ["/letters?code=ABCD-EFGH-JKLM", "/letters/ABCD-EFGH-JKLM", "/letters"])
def test_the_letter_pages_refuse_the_call_past_the_limit_with_429(path: str) -> None:
    client = Client()
    statuses = [client.get(path).status_code for _ in range(3)]
    refused = client.get(path)
    assert 429 not in statuses and refused.status_code == 429
    page = refused.content.decode()
    assert "Too many requests" in page and "Wait 40 seconds, then try again." in page
    assert refused["Retry-After"] == "40"
    assert Client(REMOTE_ADDR="192.0.2.7").get(path).status_code != 429  # another address has its own count


@pytest.mark.django_db
@pytest.mark.usefixtures("three_a_minute")
def test_an_upload_to_check_a_letter_is_counted_too() -> None:
    client = Client()
    for _ in range(3):
        client.get("/letters/ABCD-EFGH-JKLM")
    assert client.post("/letters/ABCD-EFGH-JKLM", {}).status_code == 429


@pytest.mark.django_db
@pytest.mark.usefixtures("three_a_minute")
def test_the_api_s_public_proofs_and_the_letter_pages_share_the_address_s_count() -> None:
    client = Client()
    for _ in range(2):
        client.get("/letters/ABCD-EFGH-JKLM")
    assert client.get("/api/v1/transparency/consistency", {"old_size": 1, "new_size": 2}).status_code != 429
    refused = client.get("/api/v1/transparency/consistency", {"old_size": 1, "new_size": 2})
    assert refused.status_code == 429 and "wait 40 seconds" in refused.json()["message"]
    assert client.get("/letters").status_code == 429
