"""What a process keeps between calls, read afresh everywhere after any change.

Some rows are read on nearly every call and change rarely: a scheme with its bodies and windows, an API token's
caller and the organisations they act for. Each process keeps what it read, marked with the version it read it at.
A change sets a new version in Django's cache, which every process shares (``BORDERCASE_CACHE``: files on one
machine, Redis across several), so the next call anywhere reads the rows again; a call costs one cache read
instead of the queries.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Hashable
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

V = TypeVar("V")
logger = logging.getLogger("bordercase.held")


class Held(Generic[V]):
    """Values by key, kept by this process until the version named ``name`` changes (or ``limit`` are held)."""

    def __init__(self, name: str, limit: int = 10_000) -> None:
        self.name = name
        self._version_key = f"bordercase:{name}:version"
        self._limit = limit
        self._values: dict[Hashable, tuple[str, V]] = {}
        # The atomic blocks, outermost first, that a change made here and not yet committed was made in.
        self._pending: list[object] | None = None

    def get(self, key: Hashable, load: Callable[[], V | None]) -> V | None:
        """The value kept for ``key`` at the current version, or what ``load`` reads (kept unless None).

        Shared by the calls this process serves: read it, never change it.
        """
        self._forget_what_a_rollback_undid()
        try:
            version = self._version()
        except Exception:  # any failure of the cache's backend: Redis down, a full disk
            # Nothing can be known to be current: read the rows, and keep nothing held from before.
            logger.warning("The shared cache cannot be read: %s is read from the database until it can.", self.name)
            self._values.clear()
            return load()
        held = self._values.get(key)
        if held is not None and held[0] == version:
            return held[1]
        value = load()
        if value is not None:
            if len(self._values) >= self._limit:
                self._values.clear()
            self._values[key] = (version, value)
        return value

    def follow(self, *models: type[Model] | str, ignoring: Collection[str] = ()) -> None:
        """Read afresh after every save and delete of these models' rows, but a save of only the fields
        ``ignoring`` names (which what is held does not depend on). Writes that send no signal (``QuerySet.update``)
        call ``changed`` themselves."""
        def saved(update_fields: Collection[str] | None = None, **_: Any) -> None:
            if not update_fields or not set(update_fields) <= set(ignoring):
                self.changed()

        for model in models:
            post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{self._version_key}:save:{model}")
            post_delete.connect(self.changed, sender=model, weak=False,
                                dispatch_uid=f"{self._version_key}:delete:{model}")

    def changed(self, **_: Any) -> None:
        """A signal receiver for every save and delete of what is held.

        The version is set anew at once and again when the change commits: a process that read the rows between
        the two (the old rows, under the first new version) reads them again after the second.
        """
        self._new_version()
        connection = transaction.get_connection()
        if connection.in_atomic_block:
            # Until it commits, this process may read and keep the change's own rows; were it rolled back, no
            # version would follow, so the block it was made in is watched (_forget_what_a_rollback_undid).
            self._pending = list(connection.atomic_blocks)
        transaction.on_commit(self._committed)

    def _committed(self) -> None:
        self._pending = None
        self._new_version()

    def _forget_what_a_rollback_undid(self) -> None:
        """Once the block a change was made in has ended without its commit (rolled back, or released into the
        block around it, which may yet roll back), drop what was read since, and watch the blocks still open."""
        if self._pending is None:
            return
        kept = 0
        for mine, now in zip(self._pending, transaction.get_connection().atomic_blocks, strict=False):
            if mine is not now:
                break
            kept += 1
        if kept == len(self._pending):
            return
        self._values.clear()
        self._pending = self._pending[:kept] or None

    def _version(self) -> str:
        version = cache.get(self._version_key)
        if version is None:
            cache.add(self._version_key, uuid.uuid4().hex, timeout=None)
            version = cache.get(self._version_key)
        return str(version)

    def _new_version(self) -> None:
        self._values.clear()
        cache.set(self._version_key, uuid.uuid4().hex, timeout=None)
