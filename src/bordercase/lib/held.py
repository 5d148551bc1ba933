"""What a process keeps between calls, read afresh everywhere after any change.

Some rows are read on nearly every call and change rarely: a scheme with its bodies and windows, an API token's
caller and the organisations they act for. Each process keeps what it read, marked with the version it read it at.
A change sets a new version in Django's cache, which every process shares (``BORDERCASE_CACHE``: files on one
machine, Redis across several), so the next call anywhere reads the rows again; a call costs one cache read
instead of the queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

V = TypeVar("V")


class Held(Generic[V]):
    """Values by key, kept by this process until the version named ``name`` changes (or ``limit`` are held)."""

    def __init__(self, name: str, limit: int = 10_000) -> None:
        self._version_key = f"bordercase:{name}:version"
        self._limit = limit
        self._values: dict[Hashable, tuple[str, V]] = {}

    def get(self, key: Hashable, load: Callable[[], V | None]) -> V | None:
        """The value kept for ``key`` at the current version, or what ``load`` reads (kept unless None).

        Shared by the calls this process serves: read it, never change it.
        """
        version = self._version()
        held = self._values.get(key)
        if held is not None and held[0] == version:
            return held[1]
        value = load()
        if value is not None:
            if len(self._values) >= self._limit:
                self._values.clear()
            self._values[key] = (version, value)
        return value

    def follow(self, *models: type[Model] | str) -> None:
        """Read afresh after every save and delete of these models' rows. Writes that send no signal
        (``QuerySet.update``) call ``changed`` themselves."""
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(self.changed, sender=model, weak=False,
                               dispatch_uid=f"{self._version_key}:{signal is post_save}:{model}")

    def changed(self, **_: Any) -> None:
        """A signal receiver for every save and delete of what is held.

        The version is set anew at once and again when the change commits: a process that read the rows between
        the two (the old rows, under the first new version) reads them again after the second.
        """
        self._new_version()
        transaction.on_commit(self._new_version)

    def _version(self) -> str:
        version = cache.get(self._version_key)
        if version is None:
            cache.add(self._version_key, uuid.uuid4().hex, timeout=None)
            version = cache.get(self._version_key)
        return str(version)

    def _new_version(self) -> None:
        self._values.clear()
        cache.set(self._version_key, uuid.uuid4().hex, timeout=None)
