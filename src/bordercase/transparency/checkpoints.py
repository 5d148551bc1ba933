"""Signed checkpoints of the transparency log: made on demand (and by a timer), kept, and served to anyone."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from bordercase.lib.signed_note import Checkpoint as CheckpointText
from bordercase.lib.signed_note import NoteError, Signer
from bordercase.transparency.log import entries_sequence, tree_root, tree_size
from bordercase.transparency.models import Checkpoint


def log_signer() -> Signer:
    """The log's signing key: from BORDERCASE_LOG_KEY_FILE, or in development one made once under the var
    directory."""
    path = settings.TRANSPARENCY_KEY_FILE
    if not path:
        if settings.PRODUCTION:
            raise ImproperlyConfigured("Set BORDERCASE_LOG_KEY_FILE to the log's signing key (`bordercase "
                                       "transparency key` makes one) before checkpoints can be signed.")
        path = settings.VAR_DIR / "transparency-log.key"
        if not Path(path).exists():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Readable by this user alone, like any private key.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as out:
                out.write(Signer.generate(settings.TRANSPARENCY_ORIGIN).text() + "\n")
    try:
        signer = Signer.from_text(Path(path).read_text(encoding="utf-8"))
    except (OSError, NoteError) as exc:
        raise ImproperlyConfigured(f"The log's signing key in {path} cannot be used: {exc}") from exc
    if signer.name != settings.TRANSPARENCY_ORIGIN:
        raise ImproperlyConfigured(f"The log's signing key is named {signer.name!r}, but the log's origin is "
                                   f"{settings.TRANSPARENCY_ORIGIN!r}: make a key for the origin, or set "
                                   "BORDERCASE_LOG_ORIGIN to the key's name.")
    return signer


@transaction.atomic
def checkpoint_make() -> Checkpoint:
    """Place the committed entries, then sign the tree as it is: a new checkpoint, or the latest if nothing grew."""
    entries_sequence()
    size = tree_size()
    latest = Checkpoint.objects.filter(size=size).first()
    if latest is not None:
        return latest
    root = tree_root(size)
    note = log_signer().sign(CheckpointText(settings.TRANSPARENCY_ORIGIN, size, root).text())
    return Checkpoint.objects.create(size=size, root_hash=root, note=note, made_at=timezone.now())


def checkpoint_latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()
