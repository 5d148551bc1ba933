"""The transparency log's public pages: what it is and how to check it, its key, and every signed checkpoint."""

from __future__ import annotations

import base64

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bordercase.cases.windows import nz_time
from bordercase.transparency.checkpoints import checkpoint_latest, log_signer
from bordercase.transparency.log import tree_size
from bordercase.transparency.models import Checkpoint

PAGE = 50  # checkpoints a page


def _shown(checkpoint: Checkpoint) -> dict[str, object]:
    return {"size": checkpoint.size, "root": base64.b64encode(bytes(checkpoint.root_hash)).decode(),
            "made": nz_time(checkpoint.made_at)}


def _public_key() -> str | None:
    try:
        return log_signer().verifier_key()
    except ImproperlyConfigured:  # a production site not yet given its key signs nothing: the page says so
        return None


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    latest = checkpoint_latest()
    return render(request, "web/transparency/overview.html", {
        "latest": _shown(latest) if latest else None, "public_key": _public_key(), "entries": tree_size(),
        "base": request.build_absolute_uri("/").rstrip("/")})


@require_GET
def checkpoints(request: HttpRequest) -> HttpResponse:
    """Every checkpoint, newest first, a page at a time; ``below`` is the size the page starts under."""
    below = request.GET.get("below", "")
    found = Checkpoint.objects.order_by("-size")
    if below.isascii() and below.isdigit() and len(below) < 19:  # anything else: the first page
        found = found.filter(size__lt=int(below))
    page = list(found[:PAGE + 1])
    return render(request, "web/transparency/checkpoints.html", {
        "checkpoints": [_shown(c) for c in page[:PAGE]],
        "older": page[PAGE - 1].size if len(page) > PAGE else None, "paged": bool(below)})
