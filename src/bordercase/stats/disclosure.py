"""Protecting small counts in public outputs, as official statistics do. Pure.

Two methods, chosen by a setting: suppression (a count below the threshold is shown as a mark, not a number) and
random rounding to base 3 (Stats NZ's method: a count is rounded to a neighbouring multiple of 3, to the nearer
one with probability 2/3). The rounding is random per cell but fixed by a key and the cell's name, so the same
table asked for twice gives the same figures: re-asking cannot average the noise away.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

SUPPRESSED = None  # shown as "c" (confidential) in tables and null in JSON


@dataclass(frozen=True)
class Disclosure:
    method: str = "none"  # none, suppress or round3
    threshold: int = 0  # with suppress: counts below it (but above 0) are suppressed
    key: bytes = b""  # with round3: fixes each cell's rounding

    def apply(self, count: int, cell: str) -> int | None:
        if self.method == "suppress":
            return SUPPRESSED if 0 < count < self.threshold else count
        if self.method == "round3":
            return round_base3(count, self.key, cell)
        return count


def round_base3(count: int, key: bytes, cell: str) -> int:
    remainder = count % 3
    if remainder == 0:
        return count
    draw = int.from_bytes(hmac.digest(key, cell.encode("utf-8"), hashlib.sha256)[:8], "big") / 2**64
    # Remainder 1: down (nearer) with probability 2/3; remainder 2: up (nearer) with probability 2/3.
    down = draw < (2 / 3 if remainder == 1 else 1 / 3)
    return count - remainder if down else count + 3 - remainder
