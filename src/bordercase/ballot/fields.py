"""Reading the JSON a round publishes strictly: each field of the kind it must be, or a message naming it.

A verifier is given files that anyone may have edited, so whatever a field holds, reading it ends in a message
saying which field is wrong and what it must be, never in a failure of the verifier's own.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bordercase.ballot.files import BallotFileError

LOWER_HEX = re.compile(r"[0-9a-f]+")
# RFC 8785 writes numbers as IEEE 754 doubles: a whole number beyond 2⁵³ would not come back as written.
LARGEST_COUNT = 2**53 - 1


def is_count(value: object) -> bool:
    # JSON's true and false are not numbers, though Python counts them as 1 and 0.
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= LARGEST_COUNT


def hex_bytes(value: str, size: int) -> bytes | None:
    """``size`` bytes written as lower-case hexadecimal, or None for anything else."""
    if not LOWER_HEX.fullmatch(value) or len(value) != 2 * size:
        return None
    return bytes.fromhex(value)


def parsed_json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BallotFileError(f"The manifest is not JSON: {exc}.") from exc


def pasted(text: str) -> str:
    """Hexadecimal as a person may paste it, from a page or an email: spaces and line breaks dropped, lower case."""
    return "".join(text.split()).lower()


def shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)[:40]


class Fields:
    """The named fields of one JSON object, each taken once and checked for its kind as it is taken."""

    def __init__(self, raw: object, what: str, names: tuple[str, ...]) -> None:
        """``what`` names the object in messages ("The manifest"); ``names`` are all its fields, every one required."""
        if not isinstance(raw, dict):
            raise BallotFileError(f"{what} must be a JSON object of named fields, as published.")
        unknown, missing = set(raw) - set(names), [n for n in names if n not in raw]
        if unknown or missing:
            raise BallotFileError(f"{what} has unknown fields {sorted(unknown)} or lacks {missing}: it must have "
                                  f"exactly {', '.join(names)}.")
        self.raw: dict[str, Any] = raw
        self.what = what

    def _wrong(self, name: str, must: str) -> BallotFileError:
        return BallotFileError(f"{self.what}'s {name} must be {must}, not {shown(self.raw[name])}.")

    def text(self, name: str) -> str:
        value = self.raw[name]
        if not isinstance(value, str):
            raise self._wrong(name, "text")
        return value

    def hex(self, name: str, size: int = 32) -> str:
        value = self.raw[name]
        if not isinstance(value, str) or hex_bytes(value, size) is None:
            raise self._wrong(name, f"{size} bytes in lower-case hexadecimal ({2 * size} characters 0-9 and a-f)")
        return value

    def count(self, name: str, *, optional: bool = False) -> int | None:
        value = self.raw[name]
        if (value is None and optional) or is_count(value):
            return value  # type: ignore[no-any-return]
        raise self._wrong(name, "a whole number, 0 or more" + (", or null" if optional else ""))

    def counts(self, name: str) -> dict[str, int]:
        value = self.raw[name]
        if not isinstance(value, dict) or not all(is_count(v) for v in value.values()):
            raise self._wrong(name, "an object giving each category a whole number, 0 or more")
        return dict(value)

    def hex_list(self, name: str, size: int = 32) -> tuple[str, ...]:
        value = self.raw[name]
        if not isinstance(value, list) or not value or not all(
                isinstance(v, str) and hex_bytes(v, size) is not None for v in value):
            raise self._wrong(name, f"a list of one or more values of {size} bytes in lower-case hexadecimal")
        return tuple(value)

    def object(self, name: str) -> object:
        return self.raw[name]
