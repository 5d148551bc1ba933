"""The records official statistics are counted from, and reading historical ones from files. Pure.

A request's record is its milestones: when it was lodged, decided (declined or found eligible), invited to apply,
and its visa decided. Historical requests arrive as JSON Lines, one record a line; people stuck offshore as CSV.
Every line is checked and every bad line reported by number, so a file is imported whole or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

DECISIONS = ("declined", "eligible")
VISA_OUTCOMES = ("granted", "declined")


@dataclass(frozen=True)
class RequestRecord:
    category: str  # a scheme's code, or an EOI category such as eoi-family-2020
    lodged_at: dt.datetime
    decision: str = ""  # declined or eligible, once decided
    decided_at: dt.datetime | None = None
    invited_at: dt.datetime | None = None
    visa: str = ""  # granted or declined
    visa_decided_at: dt.datetime | None = None


@dataclass(frozen=True)
class OffshoreHolder:
    visa_type: str
    ordinarily_resident: bool
    offshore_since: dt.date


@dataclass(frozen=True)
class BadLine:
    number: int
    text: str
    problem: str


def _moment(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a date and time as text, such as 2020-05-28T14:00:00+12:00")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{field} {value!r} is not an ISO 8601 date and time, such as 2020-05-28T14:00:00+12:00"
                         ) from exc
    if moment.tzinfo is None:
        raise ValueError(f"{field} {value!r} has no time zone: add one, such as +12:00 or Z")
    return moment


def _optional(raw: dict[str, Any], field: str) -> dt.datetime | None:
    return None if raw.get(field) in (None, "") else _moment(raw[field], field)


_REQUEST_FIELDS = {"category", "scheme", "lodged_at", "decision", "decided_at", "invited_at", "visa_decision",
                   "visa_decided_at"}


def request_record(raw: Any, known_categories: frozenset[str]) -> RequestRecord:
    """One historical request, or ValueError naming the field and the rule."""
    if not isinstance(raw, dict):
        raise ValueError("each line must be a JSON object")
    unknown = sorted(set(raw) - _REQUEST_FIELDS)
    if unknown:
        raise ValueError(f"unknown field {', '.join(unknown)}: the fields are {', '.join(sorted(_REQUEST_FIELDS))}")
    category = raw.get("category") or raw.get("scheme")
    if not isinstance(category, str) or category not in known_categories:
        raise ValueError(f"category {category!r} is not a scheme or EOI category bordercase knows: use one of "
                         f"{', '.join(sorted(known_categories))}")
    lodged_at = _moment(raw.get("lodged_at"), "lodged_at")
    decision, decided_at = raw.get("decision") or "", _optional(raw, "decided_at")
    if decision not in ("", *DECISIONS):
        raise ValueError(f"decision {decision!r} must be declined, eligible or empty")
    if bool(decision) != (decided_at is not None):
        raise ValueError("decision and decided_at go together: give both or neither")
    invited_at = _optional(raw, "invited_at")
    visa, visa_at = raw.get("visa_decision") or "", _optional(raw, "visa_decided_at")
    if visa not in ("", *VISA_OUTCOMES):
        raise ValueError(f"visa_decision {visa!r} must be granted, declined or empty")
    if bool(visa) != (visa_at is not None):
        raise ValueError("visa_decision and visa_decided_at go together: give both or neither")
    if invited_at is not None and decision == "declined":
        raise ValueError("a declined request cannot have been invited to apply: check decision and invited_at")
    if invited_at is not None and not decision:
        raise ValueError("a request invited to apply was found eligible first: add decision eligible and its "
                         "decided_at, or remove invited_at")
    if visa and invited_at is None:
        raise ValueError("a visa was decided but the request was never invited to apply: add invited_at")
    order = [("lodged_at", lodged_at), ("decided_at", decided_at), ("invited_at", invited_at),
             ("visa_decided_at", visa_at)]
    dated = [(name, moment) for name, moment in order if moment is not None]
    for (earlier, first), (later, second) in itertools.pairwise(dated):
        if second < first:
            raise ValueError(f"{later} is before {earlier}: the milestones must be in order")
    return RequestRecord(category, lodged_at, decision, decided_at, invited_at, visa, visa_at)


def read_requests(lines: Iterator[str], known_categories: frozenset[str]
                  ) -> Iterator[RequestRecord | BadLine]:
    """Each line of a JSON Lines file as a record, or as the bad line with its number and problem."""
    for number, line in enumerate(lines, start=1):
        text = line.rstrip("\n")
        if not text.strip():
            continue
        try:
            yield request_record(json.loads(text), known_categories)
        except json.JSONDecodeError as exc:
            yield BadLine(number, text, f"not JSON: {exc.msg} at column {exc.colno}")
        except ValueError as exc:
            yield BadLine(number, text, str(exc))


OFFSHORE_HEADER = ["visa_type", "ordinarily_resident", "offshore_since"]


def read_offshore(lines: Iterator[str]) -> Iterator[OffshoreHolder | BadLine]:
    """Each row of the offshore visa holders CSV, or the bad line with its number and problem."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header != OFFSHORE_HEADER:
        yield BadLine(1, ",".join(header or []), f"the header must be {','.join(OFFSHORE_HEADER)}")
        return
    for row in reader:
        number = reader.line_num
        text = _row_text(row)
        if not row or not any(row):
            continue
        if len(row) != 3:
            yield BadLine(number, text, f"{len(row)} fields; the header names 3")
            continue
        visa_type, resident, since = (v.strip() for v in row)
        if not visa_type:
            yield BadLine(number, text, "visa_type is empty")
            continue
        if resident.lower() not in ("yes", "no", "true", "false"):
            yield BadLine(number, text, f"ordinarily_resident {resident!r} must be yes or no")
            continue
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            yield BadLine(number, text, f"offshore_since {since!r} is not a date (YYYY-MM-DD)")
            continue
        yield OffshoreHolder(visa_type, resident.lower() in ("yes", "true"), day)


def _row_text(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()
