"""What `bordercase check --deploy` says of the transparency log: a production site must be able to sign it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning
from django.core.exceptions import ImproperlyConfigured

from bordercase.transparency.checkpoints import log_signer


def log_key_usable(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    hint = ("Make one with `bordercase transparency key > /run/secrets/bordercase-log.key` (readable by the service "
            "alone), set BORDERCASE_LOG_KEY_FILE to it, and publish `bordercase transparency public-key`.")
    if not settings.PRODUCTION:
        return []
    try:
        log_signer()
    except ImproperlyConfigured as exc:
        return [Warning(f"The transparency log cannot sign checkpoints: {exc}", hint=hint, id="bordercase.W003")]
    return []
