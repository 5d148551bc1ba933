from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bordercase.transparency.checkpoints import checkpoint_latest, log_signer


@require_GET
@never_cache
def checkpoint(request: HttpRequest) -> HttpResponse:
    """The latest signed checkpoint, as plain text for tools to keep and check."""
    latest = checkpoint_latest()
    if latest is None:
        return HttpResponse("The log has no checkpoint yet: one is made every few minutes. Try again shortly.\n",
                            status=404, content_type="text/plain; charset=utf-8")
    return HttpResponse(latest.note, content_type="text/plain; charset=utf-8")


@require_GET
def key(request: HttpRequest) -> HttpResponse:
    """The log's public key, as plain text, as `bordercase audit … --key` and Go's note package take it."""
    try:
        text = log_signer().verifier_key()
    except ImproperlyConfigured:
        return HttpResponse("This service has not been given its signing key yet, so it signs no checkpoints. Ask "
                            "its operator.\n", status=404, content_type="text/plain; charset=utf-8")
    return HttpResponse(text + "\n", content_type="text/plain; charset=utf-8")
