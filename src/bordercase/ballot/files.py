"""The published files of a round: the entries file and the results file, read strictly and written exactly.

Both are UTF-8 CSV with LF line ends and a fixed header, written byte for byte the same way every time, so their
SHA-256 digests can be published and checked. Reading refuses anything else, naming the line and what to fix:
a file that was changed in transit must not be silently accepted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

BALLOT_HEADER = "entry_id,weight,beneficiary_id,category,employer_id"
RECEIPT_HEADER = "entry_id,priority,lodged_at,beneficiary_id,category,employer_id"
RESULTS_HEADER = "rank,entry_id,status"
# Fields are plain tokens, so no quoting is ever needed and the bytes of a file are fixed by its rows.
_FORBIDDEN = frozenset(',"\r\n')
MAX_WEIGHT = 1000


class BallotFileError(ValueError):
    """An entries or results file that is not exactly in the published format; the message names the line."""


class Status(StrEnum):
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Entry:
    """One entry: a random public id, its tickets, and the fields caps and duplicates are counted by.

    ``priority`` and ``lodged_at`` matter only to an order-of-receipt round (tier 1 before tier 2, then the
    earlier lodging); a ballot ignores them.
    """

    entry_id: str
    weight: int = 1
    beneficiary_id: str = ""
    category: str = ""
    employer_id: str = ""
    priority: int = 0
    lodged_at: str = ""


@dataclass(frozen=True)
class Result:
    rank: int
    entry_id: str
    status: Status


def _plain(value: str, what: str) -> str:
    if _FORBIDDEN & set(value):
        raise BallotFileError(f"{what} {value!r} contains a comma, quote or line break, which the file format "
                              "does not allow: use letters, digits and -_.:")
    return value


def _lines(data: bytes, header: str, kind: str) -> list[tuple[int, str]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BallotFileError(f"The {kind} file is not UTF-8 (byte {exc.start}): save it as UTF-8.") from exc
    if "\r" in text:
        raise BallotFileError(f"The {kind} file has CR line ends: the format is LF only, as published.")
    if not text.endswith("\n"):
        raise BallotFileError(f"The {kind} file does not end with a line break: it may be cut short.")
    lines = text[:-1].split("\n")
    if lines[0] != header:
        raise BallotFileError(f"Line 1 of the {kind} file is {lines[0]!r}; it must be the header {header!r}.")
    return list(enumerate(lines[1:], start=2))


def read_entries(data: bytes) -> list[Entry]:
    """The entries of a file in either format (ballot or order of receipt), checked line by line."""
    header = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    receipt = header == RECEIPT_HEADER
    rows = _lines(data, RECEIPT_HEADER if receipt else BALLOT_HEADER, "entries")
    entries: list[Entry] = []
    seen: set[str] = set()
    previous = ""
    for number, line in rows:
        fields = line.split(",")
        if len(fields) != (6 if receipt else 5):
            raise BallotFileError(f"Line {number} of the entries file has {len(fields)} fields; the header names "
                                  f"{6 if receipt else 5}.")
        entry_id = fields[0]
        if not entry_id:
            raise BallotFileError(f"Line {number} of the entries file has no entry_id.")
        if entry_id in seen:
            raise BallotFileError(f"Line {number} of the entries file repeats entry_id {entry_id!r}: each entry "
                                  "appears once.")
        seen.add(entry_id)
        if receipt:
            number_text, lodged_at, beneficiary, category, employer = fields[1:]
            if not number_text.isdigit():
                raise BallotFileError(f"Line {number} of the entries file has priority {number_text!r}: it must be "
                                      "a whole number, 1 for the first tier.")
            entries.append(Entry(entry_id, 1, beneficiary, category, employer, int(number_text), lodged_at))
            continue
        if entry_id <= previous:
            raise BallotFileError(f"Line {number} of the entries file is out of order: rows are sorted by "
                                  f"entry_id, and {entry_id!r} comes after {previous!r}.")
        previous = entry_id
        weight, beneficiary, category, employer = fields[1:]
        if not weight.isdigit() or weight.startswith("0") or int(weight) > MAX_WEIGHT:
            raise BallotFileError(f"Line {number} of the entries file has weight {weight!r}: it must be a whole "
                                  f"number from 1 to {MAX_WEIGHT}, without leading zeros.")
        entries.append(Entry(entry_id, int(weight), beneficiary, category, employer))
    return entries


def entries_csv(entries: Iterable[Entry], *, receipt: bool = False) -> bytes:
    """The entries file: sorted by entry_id for a ballot; by priority, lodging and entry_id for order of receipt."""
    rows = list(entries)
    for e in rows:
        for value, what in ((e.entry_id, "entry_id"), (e.beneficiary_id, "beneficiary_id"),
                            (e.category, "category"), (e.employer_id, "employer_id"), (e.lodged_at, "lodged_at")):
            _plain(value, what)
        if not e.entry_id:
            raise BallotFileError("Every entry needs an entry_id.")
    if receipt:
        rows.sort(key=lambda e: (e.priority, e.lodged_at, e.entry_id))
        lines = [RECEIPT_HEADER, *(f"{e.entry_id},{e.priority},{e.lodged_at},{e.beneficiary_id},{e.category},"
                                   f"{e.employer_id}" for e in rows)]
    else:
        rows.sort(key=lambda e: e.entry_id)
        if any(not 1 <= e.weight <= MAX_WEIGHT for e in rows):
            raise BallotFileError(f"Every weight must be a whole number from 1 to {MAX_WEIGHT}.")
        lines = [BALLOT_HEADER, *(f"{e.entry_id},{e.weight},{e.beneficiary_id},{e.category},{e.employer_id}"
                                  for e in rows)]
    if len({e.entry_id for e in rows}) != len(rows):
        raise BallotFileError("Two entries have the same entry_id: each entry appears once.")
    return ("\n".join(lines) + "\n").encode("utf-8")


def results_csv(results: Iterable[Result]) -> bytes:
    return ("\n".join([RESULTS_HEADER, *(f"{r.rank},{r.entry_id},{r.status.value}" for r in results)]) + "\n"
            ).encode("utf-8")


def read_results(data: bytes) -> list[Result]:
    results = []
    statuses = {s.value: s for s in Status}
    for number, line in _lines(data, RESULTS_HEADER, "results"):
        fields = line.split(",")
        if len(fields) != 3 or not fields[0].isdigit() or fields[2] not in statuses:
            raise BallotFileError(f"Line {number} of the results file is {line!r}: it must be rank,entry_id,status "
                                  f"with status one of {', '.join(statuses)}.")
        results.append(Result(int(fields[0]), fields[1], statuses[fields[2]]))
    return results
