"""Schemes with their assessing bodies and intake windows, read once per process and again only after a change.

Every lodging needs them and they change a few times a year, so each process keeps what it read, marked with the
version it read it at. Any change to a scheme, its bodies or its windows sets a new version in Django's cache,
which every process shares (`BORDERCASE_CACHE`: files on one machine, Redis across several), so the next lodging
anywhere reads them afresh. Whether a window is open is still worked out at each call from the windows' times.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction

from bordercase.cases.models import Scheme

_VERSION = "bordercase:schemes:version"
_held: dict[str, tuple[str, Scheme]] = {}


def _version() -> str:
    version = cache.get(_VERSION)
    if version is None:
        cache.add(_VERSION, uuid.uuid4().hex, timeout=None)
        version = cache.get(_VERSION)
    return str(version)


def scheme_for_intake(code: str) -> Scheme | None:
    """The scheme, its assessing bodies and its intake windows (prefetched), or None for no such scheme.

    Shared by the calls this process serves: read it, never change it.
    """
    version = _version()
    held = _held.get(code)
    if held is not None and held[0] == version:
        return held[1]
    scheme = Scheme.objects.filter(code=code).prefetch_related("assessing_bodies", "windows").first()
    if scheme is not None:
        _held[code] = (version, scheme)
    return scheme


def schemes_changed(**_: Any) -> None:
    """Connected to the saving and deleting of schemes, windows and organisations, and to a scheme's bodies.

    The version is set anew at once and again when the change commits: a process that read the rows between the
    two (the old rows, under the first new version) reads them again after the second.
    """
    _new_version()
    transaction.on_commit(_new_version)


def _new_version() -> None:
    _held.clear()
    cache.set(_VERSION, uuid.uuid4().hex, timeout=None)
