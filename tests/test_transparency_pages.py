"""The transparency log's public pages: what it is, its key, its checkpoints page by page (in Chromium:
tests/browser/test_transparency_pages.py)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bordercase.lib.signed_note import Verifier
from bordercase.transparency.checkpoints import checkpoint_make, log_signer
from bordercase.transparency.models import Checkpoint


def test_the_overview_shows_the_latest_checkpoint_and_the_key(db: None) -> None:
    empty = Client().get("/transparency/")
    assert empty.status_code == 200
    assert "The log has no checkpoint yet" in empty.content.decode()
    made = checkpoint_make()
    page = Client().get("/transparency/").content.decode()
    assert base64.b64encode(bytes(made.root_hash)).decode() in page
    assert log_signer().verifier_key() in page
    key = Client().get("/transparency/key")
    assert key["Content-Type"].startswith("text/plain")
    Verifier.from_text(key.content.decode())  # the key as text is a key the note package reads
    assert key.content.decode().strip() == log_signer().verifier_key()


def test_without_its_key_a_production_site_says_so(db: None, settings: Any) -> None:
    settings.PRODUCTION, settings.TRANSPARENCY_KEY_FILE = True, ""
    assert "has not been given its signing key yet" in Client().get("/transparency/").content.decode()
    answer = Client().get("/transparency/key")
    assert answer.status_code == 404 and b"Ask its operator" in answer.content


def _checkpoints(count: int) -> None:
    Checkpoint.objects.bulk_create(Checkpoint(size=size, root_hash=bytes([size % 256]) * 32, note=f"n{size}",
                                              made_at=timezone.now()) for size in range(1, count + 1))


def test_every_checkpoint_page_by_page(db: None) -> None:
    _checkpoints(120)
    first = Client().get("/transparency/checkpoints/").content.decode()
    assert ">120<" in first and ">71<" in first and ">70<" not in first
    assert "?below=71" in first
    second = Client().get("/transparency/checkpoints/?below=71").content.decode()
    assert ">70<" in second and ">21<" in second and ">71<" not in second
    third = Client().get("/transparency/checkpoints/?below=21").content.decode()
    assert ">20<" in third and ">1<" in third and "Older checkpoints" not in third
    assert "No older checkpoints" in Client().get("/transparency/checkpoints/?below=1").content.decode()


@pytest.mark.parametrize("below", ["", "abc", "-5", "9" * 40, "\u0663", "1e3", "%00"])
def test_a_strange_page_asked_for_is_the_first_page(db: None, below: str) -> None:
    _checkpoints(3)
    answer = Client().get("/transparency/checkpoints/", {"below": below})
    assert answer.status_code == 200 and ">3<" in answer.content.decode()
