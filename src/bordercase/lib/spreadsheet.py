"""What bordercase writes into CSV that people open in a spreadsheet."""

from __future__ import annotations

# A cell a spreadsheet would run as a formula (CSV injection, OWASP): these first characters start one.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """The text as a cell a spreadsheet shows rather than runs: a leading ' where it would start a formula."""
    return f"'{value}" if value.startswith(FORMULA_START) else value
