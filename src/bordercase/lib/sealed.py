"""Encryption at rest: text and files kept in the database sealed under keys the database never holds.

Passport numbers and machine-readable zones identify a person to every border in the world and are what an identity
thief wants, so a copy of the database (a backup, a replica, a dump handed to support) must not give them away. They
are sealed with Fernet (AES-128-CBC and HMAC-SHA256, from ``cryptography``) under keys from the environment:

- ``BORDERCASE_DATA_KEYS``, comma-separated, newest first. The first seals everything written; every one of them
  opens what it sealed, so a new key can be put in front while rows sealed under the old one are still read, and
  ``bordercase keys rotate`` re-seals every row under the newest before the old one is taken away.
- ``BORDERCASE_INDEX_KEY``, a separate key for keyed hashes (HMAC-SHA256) that let the database find equal values
  without holding them: the worker's identity (``lib.identifiers.worker_identity``). A sealed value is random on
  every write, so no database can compare two; a keyed hash can be compared, and cannot be recomputed from a guessed
  passport number by anyone without the key.

Development makes keys of its own under the var directory, as it does its secret key; production refuses to start
without both (a deploy check, ``keys_given``), and sealing or opening anything without
them raises ``ImproperlyConfigured`` saying what to set.

Recommendation batches keep the file each was sent to Immigration NZ as, exactly as sent, and it lists every worker's
name, birth date and passport number: ``SealedBinaryField`` seals those bytes the same way (``seal_bytes``), in the
same binary column, so a digest of what was sent still matches what is opened.

A sealed column cannot be filtered, ordered or compared by the database: ``SealedCharField`` and ``SealedBinaryField``
refuse every lookup but ``isnull`` and equality with the empty value (blank stays blank, so "no passport given yet"
can still be asked), with an error naming the field, rather than letting a filter on a plaintext silently match
nothing.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import Exact, IsNull

MAKE_ONE = "make one with `bordercase keys new`"
# The version byte every Fernet token begins with, base64-encoded: no passport number or MRZ line (capital letters,
# digits and "<") begins so, so a token is never mistaken for a plaintext left over from before sealing. (Until 2106,
# when a token's timestamp outgrows four bytes.)
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - a format's marker, not a secret
TOKEN_PREFIX_BYTES = TOKEN_PREFIX.encode("ascii")  # the same, as a binary column holds it (no export begins so either)


class SealedValueUnreadable(ImproperlyConfigured):
    """A sealed value that no key given opens: the key that sealed it is missing, or the value is not a token."""


@dataclass(frozen=True)
class Keys:
    sealing: MultiFernet  # the newest key first: seals with it, opens with any
    newest: Fernet
    index: bytes


def new_key() -> str:
    """A fresh key for BORDERCASE_DATA_KEYS or BORDERCASE_INDEX_KEY: 32 random bytes, URL-safe base64."""
    return Fernet.generate_key().decode("ascii")


def keys() -> Keys:
    """The keys as configured now (read once per configuration: tests and a rotation change them)."""
    return _keys(tuple(settings.DATA_KEYS), settings.INDEX_KEY, bool(settings.PRODUCTION), str(settings.VAR_DIR))


@lru_cache(maxsize=8)
def _keys(data_keys: tuple[str, ...], index_key: str, production: bool, var_dir: str) -> Keys:
    if not data_keys:
        if production:
            raise ImproperlyConfigured(f"Production mode needs BORDERCASE_DATA_KEYS to seal passport numbers: "
                                       f"{MAKE_ONE} and keep it in a secret store.")
        data_keys = (_development_key(Path(var_dir) / "data-key"),)
    if not index_key:
        if production:
            raise ImproperlyConfigured(f"Production mode needs BORDERCASE_INDEX_KEY, the key of the worker identity's "
                                       f"keyed hash: {MAKE_ONE} (a different one from BORDERCASE_DATA_KEYS').")
        index_key = _development_key(Path(var_dir) / "index-key")
    fernets = [_fernet(key, n) for n, key in enumerate(data_keys, start=1)]
    index = _key_bytes(index_key)
    if index is None:
        raise ImproperlyConfigured(f"BORDERCASE_INDEX_KEY is not a key (32 bytes in URL-safe base64): {MAKE_ONE}.")
    if index_key in data_keys:
        raise ImproperlyConfigured("BORDERCASE_INDEX_KEY is also one of BORDERCASE_DATA_KEYS: give it a key of its "
                                   f"own ({MAKE_ONE}), so that rotating the data keys never touches it.")
    return Keys(sealing=MultiFernet(fernets), newest=fernets[0], index=index)


def _key_bytes(key: str) -> bytes | None:
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    return raw if len(raw) == 32 else None


def _fernet(key: str, n: int) -> Fernet:
    if _key_bytes(key) is None:
        # The key itself is never repeated in a message: messages end up in logs.
        raise ImproperlyConfigured(f"Key {n} of BORDERCASE_DATA_KEYS is not a key (32 bytes in URL-safe base64): "
                                   f"{MAKE_ONE}.")
    return Fernet(key)


def _development_key(path: Path) -> str:
    """A key of development's own, made once and readable by its owner alone; two processes starting at once agree
    on one (the file appears whole, or not at all)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, made = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as out:
                out.write(new_key() + "\n")
            os.link(made, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(made)
    return path.read_text(encoding="ascii").strip()


@checks.register(checks.Tags.security, deploy=True)
def keys_given(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Production seals nothing without its keys, so `bordercase check --deploy` refuses to pass without them.

    Registered here, beside what it checks, by importing this module, which every model with a sealed field does.
    """
    if not settings.PRODUCTION:
        return []
    try:
        keys()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="Set BORDERCASE_DATA_KEYS and BORDERCASE_INDEX_KEY (or their _FILE "
                                            "forms), each a line `bordercase keys new` prints.", id="bordercase.E001")]
    return []


def index_key() -> bytes:
    return keys().index


def seal_bytes(data: bytes) -> bytes:
    """The bytes sealed under the newest key, as a token of ASCII bytes; blank stays blank."""
    if data == b"":
        return b""
    return keys().sealing.encrypt(data)


def unseal_bytes(token: bytes, *, what: str = "a sealed value") -> bytes:
    """The bytes a token seals, or SealedValueUnreadable naming ``what`` and what to do; blank stays blank."""
    if token == b"":
        return b""
    try:
        return keys().sealing.decrypt(token)
    except InvalidToken as exc:
        raise _unreadable(token, what) from exc


def _unreadable(token: bytes, what: str) -> SealedValueUnreadable:
    if not token.startswith(TOKEN_PREFIX_BYTES):
        return SealedValueUnreadable(
            f"{what} is stored in clear, not sealed: run `bordercase migrate`, which seals what was kept "
            "before encryption at rest.")
    return SealedValueUnreadable(
        f"{what} cannot be opened with any key in BORDERCASE_DATA_KEYS: the key that sealed it is missing. Put "
        "back the key taken away (keys are taken away only after `bordercase keys rotate` finishes), or check "
        "that this is the database the keys belong to.")


def seal(text: str) -> str:
    """The text sealed under the newest key; blank stays blank."""
    return seal_bytes(text.encode("utf-8")).decode("ascii")


def unseal(token: str, *, what: str = "a sealed value") -> str:
    """The text a token seals, or SealedValueUnreadable naming ``what`` and what to do; blank stays blank."""
    try:
        # A token is ASCII; text that is not (a name with macrons) was never sealed.
        return unseal_bytes(token.encode("ascii"), what=what).decode("utf-8")
    except UnicodeError as exc:
        raise _unreadable(token.encode("utf-8"), what) from exc


def under_newest_key(token: str | bytes) -> bool:
    """Whether the token was sealed with the newest key (blank counts as current)."""
    if token in ("", b""):
        return True
    try:
        keys().newest.decrypt(token)
    except (InvalidToken, ValueError):  # ValueError: text in clear that is not even ASCII, so no token
        return False
    return True


# --- the field -----------------------------------------------------------------------------------------------------


class _BlankOnlyExact(Exact):
    """Equality with the blank value only: blank is stored blank, every other value as a token random each time."""

    def get_prep_lookup(self) -> Any:
        field = self.lhs.output_field
        if self.rhs != field.blank_value:
            raise FieldError(f"{field.model.__name__}.{field.name} is sealed, so the database cannot compare it with "
                             f"a value: {field.find_instead}.")
        return self.rhs


class _RefusesLookups:
    """What a sealed field lets the database be asked: whether it is null, or blank; nothing else."""

    blank_value: Any
    find_instead = "find the row another way"
    model: type[models.Model]
    name: str

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _BlankOnlyExact
        raise FieldError(f"{self.model.__name__}.{self.name} is sealed, so the database cannot filter it by "
                         f"{lookup_name!r}: find the row another way.")

    def get_transform(self, lookup_name: str) -> Any:
        return None


class SealedCharField(_RefusesLookups, models.CharField):  # type: ignore[type-arg]
    """A short text kept sealed (``seal``): read and written as text, held in the column as a Fernet token.

    ``max_length`` and the validators check the text; the column is unbounded text, which a token needs.
    """

    description = "Text sealed under the data keys"
    blank_value = ""
    find_instead = "find the row another way (for a worker, by the keyed worker identity)"

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: str | None, expression: Any, connection: BaseDatabaseWrapper) -> str | None:
        if value is None:
            return None
        return unseal(value, what=f"A value of {self.model.__name__}.{self.name}")

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or not isinstance(value, str):
            return value
        return seal(value)


class SealedBinaryField(_RefusesLookups, models.BinaryField):  # type: ignore[type-arg]
    """Bytes kept sealed (``seal_bytes``): read and written as bytes, held in the binary column as a Fernet token.

    The column stays the binary column a ``BinaryField`` has, so sealing one that held bytes in clear changes no
    column type, only its values (a migration with ``seal_in_place``).
    """

    description = "Bytes sealed under the data keys"
    blank_value = b""

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> bytes | None:
        if value is None:
            return None
        return unseal_bytes(bytes(value), what=f"A value of {self.model.__name__}.{self.name}")

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or not isinstance(value, bytes | bytearray | memoryview):
            return value
        return seal_bytes(bytes(value))


SealedField = SealedCharField | SealedBinaryField


# --- every sealed column, and re-sealing it under the newest key ----------------------------------------------------


def sealed_columns() -> list[tuple[type[models.Model], list[SealedField]]]:
    """Every model with sealed fields, text or bytes, and those fields, in the order the apps are installed."""
    found: list[tuple[type[models.Model], list[SealedField]]] = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, SealedCharField | SealedBinaryField)]
        if fields:
            found.append((model, fields))
    return found


@dataclass
class Tally:
    rows: int = 0  # rows read
    resealed: int = 0  # values sealed again under the newest key
    current: int = 0  # values already under it (or blank)
    moved: int = 0  # values changed by someone else meanwhile: written under the newest key, so left alone


def _batches(connection: BaseDatabaseWrapper, table: str, pk_column: str, columns: list[str],
             batch_size: int) -> Iterator[list[tuple[Any, ...]]]:
    quote = connection.ops.quote_name
    key, selected = quote(pk_column), ", ".join(quote(c) for c in columns)
    last: Any = None
    while True:
        # Keyset pagination: each batch starts after the last key seen, so a re-run, or rows added meanwhile, never
        # make it skip or repeat rows the way an offset would.
        after = "" if last is None else f" WHERE {key} > %s"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {key}, {selected} FROM {quote(table)}{after} ORDER BY {key} LIMIT %s",  # noqa: S608
                           ([] if last is None else [last]) + [batch_size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def seal_in_place(connection: BaseDatabaseWrapper, table: str, columns: list[str], *, pk_column: str = "id",
                  batch_size: int = 1000, opening: bool = False) -> int:
    """For a migration: seal every value of these columns that is still in clear (or, ``opening``, put every sealed
    value back in clear); what is already so is left alone, so it can run again. The number of values changed.

    Reads and writes the columns directly: a migration's models read them through the field, which cannot read a
    column half sealed. A text column is sealed as ``SealedCharField`` seals it, a binary one as ``SealedBinaryField``.
    """
    quote = connection.ops.quote_name
    changed = 0
    for rows in _batches(connection, table, pk_column, columns, batch_size):
        with connection.cursor() as cursor:
            for row in rows:
                for column, value in zip(columns, row[1:], strict=True):
                    if not value or _is_token(value) != opening:
                        continue
                    what = f"{table}.{column} of row {row[0]}"
                    new: str | bytes
                    if isinstance(value, str):
                        new = unseal(value, what=what) if opening else seal(value)
                    else:
                        new = unseal_bytes(bytes(value), what=what) if opening else seal_bytes(bytes(value))
                    cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = %s "  # noqa: S608
                                   f"WHERE {quote(pk_column)} = %s", [new, row[0]])
                    changed += 1
    return changed


def _is_token(value: str | bytes | memoryview) -> bool:
    """Whether a column's value is a token (a binary column's comes back as bytes, or from some drivers memoryview)."""
    if isinstance(value, str):
        return value.startswith(TOKEN_PREFIX)
    return bytes(value[:len(TOKEN_PREFIX_BYTES)]) == TOKEN_PREFIX_BYTES


def reseal(model: type[models.Model], fields: Sequence[SealedField], *, batch_size: int = 500,
           check_only: bool = False, using: str = "default",
           progress: Callable[[Tally], None] | None = None) -> Tally:
    """Seal every value of these fields again under the newest key, in batches of ``batch_size`` rows, each batch in
    a transaction of its own; or, with ``check_only``, count what would be.

    A value already under the newest key is left alone, so running it again does nothing more; a value changed
    between reading and writing (by the site, which seals under the newest key) is left as it was changed. A value no
    key opens stops it with SealedValueUnreadable, naming the row, and what was done before stays done.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None  # noqa: S101 - every model has one
    tally = Tally()
    sealing = keys().sealing
    for rows in _batches(connection, model._meta.db_table, pk.column, [f.column for f in fields], batch_size):
        updates: list[tuple[str, list[Any]]] = []
        for row in rows:
            tally.rows += 1
            for field, token in zip(fields, row[1:], strict=True):
                if isinstance(token, memoryview):
                    token = bytes(token)  # a binary column, as some drivers give it
                if token is None or under_newest_key(token):
                    tally.current += 1
                    continue
                try:
                    # A text column gets a text token back, a binary one bytes: each as its field writes it.
                    resealed: str | bytes
                    if isinstance(token, str):
                        resealed = sealing.rotate(token.encode("ascii")).decode("ascii")
                    else:
                        resealed = sealing.rotate(token)
                except (InvalidToken, UnicodeError) as exc:
                    # The same words as reading it would give, with the row it is in.
                    raw = token.encode("utf-8") if isinstance(token, str) else token
                    raise _unreadable(raw, f"{model.__name__}.{field.name} of row {row[0]}") from exc
                tally.resealed += 1
                updates.append((f"UPDATE {quote(model._meta.db_table)} SET {quote(field.column)} = %s "  # noqa: S608
                                f"WHERE {quote(pk.column)} = %s AND {quote(field.column)} = %s",
                                [resealed, row[0], token]))
        if updates and not check_only:
            with transaction.atomic(using=using), connection.cursor() as cursor:
                for sql, params in updates:
                    cursor.execute(sql, params)
                    if cursor.rowcount == 0:
                        tally.moved += 1
                        tally.resealed -= 1
        if progress is not None:
            progress(tally)
    return tally
