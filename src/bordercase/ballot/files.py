"""The published files of a round: the entries file and the results file, read strictly and written exactly.

Both are UTF-8 CSV with LF line ends and a fixed header, written byte for byte the same way every time, so their
SHA-256 digests can be published and checked. Reading refuses anything else, naming the line and what to fix:
a file that was changed in transit must not be silently accepted.
"""

from __future__ import annotations

import mmap
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import groupby, pairwise
from typing import TypeAlias

import numpy as np

BALLOT_HEADER = "entry_id,weight,beneficiary_id,category,employer_id"
RECEIPT_HEADER = "entry_id,priority,lodged_at,beneficiary_id,category,employer_id"
RESULTS_HEADER = "rank,entry_id,status"
# Fields are plain tokens, so no quoting is ever needed and the bytes of a file are fixed by its rows.
MAX_WEIGHT = 1000
# Every text field of an entries or results file: at most 64 of these characters (an entry_id at least one), so
# that one id has one spelling, sorts the same as text and as bytes, and every reader reads the same bytes.
FIELD_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:"
FIELD_MAX = 64
FIELD_RULE = f"at most {FIELD_MAX} of the letters A-Z and a-z, the digits 0-9 and - _ . :"
# An entries file's bytes, read or mapped (see EntryColumns): a draw from a mapped file shares its pages with the
# workers it forks, and never copies the file.
FileBytes: TypeAlias = bytes | mmap.mmap
_FIELD = re.compile(f"[{re.escape(FIELD_CHARACTERS)}]{{0,{FIELD_MAX}}}")


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
    if not _FIELD.fullmatch(value):
        raise BallotFileError(f"{what} {value[:80]!r} is not {FIELD_RULE}.")
    return value


def _field(number: int, value: str, what: str) -> str:
    if not _FIELD.fullmatch(value):
        raise BallotFileError(f"Line {number} of the entries file has {what} {value[:80]!r}: each field is "
                              f"{FIELD_RULE}.")
    return value


def _ascii_digits(text: str) -> bool:
    # str.isdigit() and int() also take other scripts' digits (Arabic-Indic ٣ is 3): one number, one spelling.
    return text.isascii() and text.isdigit()


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
        for value, what in zip(fields, (RECEIPT_HEADER if receipt else BALLOT_HEADER).split(","), strict=True):
            if what not in ("weight", "priority"):
                _field(number, value, what)
        if entry_id in seen:
            raise BallotFileError(f"Line {number} of the entries file repeats entry_id {entry_id!r}: each entry "
                                  "appears once.")
        seen.add(entry_id)
        if receipt:
            number_text, lodged_at, beneficiary, category, employer = fields[1:]
            if not _ascii_digits(number_text):
                raise BallotFileError(f"Line {number} of the entries file has priority {number_text!r}: it must be "
                                      "a whole number, 1 for the first tier.")
            entries.append(Entry(entry_id, 1, beneficiary, category, employer, int(number_text), lodged_at))
            continue
        if entry_id <= previous:
            raise BallotFileError(f"Line {number} of the entries file is out of order: rows are sorted by "
                                  f"entry_id, and {entry_id!r} comes after {previous!r}.")
        previous = entry_id
        weight, beneficiary, category, employer = fields[1:]
        if not _ascii_digits(weight) or weight.startswith("0") or int(weight) > MAX_WEIGHT:
            raise BallotFileError(f"Line {number} of the entries file has weight {weight!r}: it must be a whole "
                                  f"number from 1 to {MAX_WEIGHT} in the digits 0-9, without leading zeros.")
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
    return [result_line(number, line) for number, line in _lines(data, RESULTS_HEADER, "results")]


def result_line(number: int, line: str) -> Result:
    """Line ``number`` of a results file (after its header), or the error naming it."""
    fields = line.split(",")
    statuses = {s.value: s for s in Status}
    if (len(fields) != 3 or not _ascii_digits(fields[0]) or fields[2] not in statuses or not fields[1]
            or not _FIELD.fullmatch(fields[1])):
        raise BallotFileError(f"Line {number} of the results file is {line!r}: it must be rank,entry_id,status "
                              f"with status one of {', '.join(statuses)}.")
    return Result(int(fields[0]), fields[1], statuses[fields[2]])


# --- a ballot file as columns, for large draws ---------------------------------------------------------------------
#
# Twenty million Entry objects take minutes to build and some ten gigabytes to hold, for a draw that needs little
# of them. So a draw from a file reads it as columns instead: numpy arrays of where each line starts, how long its
# entry_id is, its weight, and which entries share a beneficiary, computed from the bytes a block of lines at a
# time. Its checks are read_entries' checks made on whole blocks, or stricter: a file that does not pass them
# outright (a mistake, or something unusual) is left to read_entries, which names the line to fix or reads it the
# slow way. Either way the draw is the same.

# The status codes of a draw's numpy arrays, in this order.
STATUS_CODES = (Status.SELECTED, Status.WAITLISTED, Status.DUPLICATE)
_BALLOT_START = (BALLOT_HEADER + "\n").encode()
_FILE_BYTES = (FIELD_CHARACTERS + ",\n").encode()
_COMMA, _LF, _HASH = ord(","), ord("\n"), ord("#")
_SEPARATORS = np.array([_COMMA] * 4 + [_LF], dtype=np.uint8)  # of every line of five fields
_BLOCK_BYTES = 1 << 23  # lines are checked some 8 MB at a time, so that no array is as big as the file
_ROWS = 1 << 16  # results rows made at a time: a piece whose rows fit in the processor's cache is made quicker
_POWERS = 10 ** np.arange(19, dtype=np.int64)
_STATUS_TEXT = [f"{s.value}\n".encode() for s in STATUS_CODES]
_STATUS_BYTES = np.array([list(t.ljust(11, b"\0")) for t in _STATUS_TEXT], dtype=np.uint8)
_STATUS_LENGTHS = np.array([len(t) for t in _STATUS_TEXT], dtype=np.int64)


def _spans(octets: np.ndarray, start: np.ndarray, length: np.ndarray, words: int) -> np.ndarray:
    """The bytes from each start, ``length`` of them, as a row of ``words`` 8-byte words, zero past the length.

    One numpy gather of whole rows, from a view of the file as overlapping rows at every offset: gathering costs
    about as much per row as per byte, so this is several times faster than gathering a byte or a word at a time.
    Each row is one opaque item of ``width`` bytes, which numpy copies whole; rows of bytes it would copy a byte at
    a time, some twice as slowly again for rows all over the file, as the results' are.
    """
    width = 8 * words
    last = len(octets) - width  # the last offset a whole row can be read from
    if last >= 0 and width:
        overlapping = np.ndarray(shape=(last + 1,), dtype=np.dtype((np.void, width)), buffer=octets, strides=(1,))
        rows: np.ndarray = overlapping[np.minimum(start, last)].view(np.uint8).reshape(len(start), width)
    elif last >= 0:
        rows = np.zeros((len(start), 0), dtype=np.uint8)
    else:
        rows = np.zeros((len(start), width), dtype=np.uint8)
    for i in np.flatnonzero(start > last).tolist():  # within a row's width of the end of the file
        piece = octets[start[i]:start[i] + length[i]]
        rows[i] = 0
        rows[i, :len(piece)] = piece
    # Zero what is past each span: past the longest, a slice for every row; then the few shorter rows one by one.
    longest = int(length.max()) if len(length) else 0
    rows[:, longest:] = 0
    shorter = np.flatnonzero(length < longest)
    if len(shorter):
        rows[shorter] *= np.arange(width) < length[shorter, None]  # not uint8: a row may be wider than 255
    return rows


def _first(rows: np.ndarray, length: np.ndarray) -> bytes:
    """The first ``length`` bytes of each row, one row after the next."""
    if len(length) and (length == length[0]).all():  # as they mostly are: no need to pick byte by byte
        return rows[:, :int(length[0])].tobytes()
    return rows[np.arange(rows.shape[1]) < length[:, None]].tobytes()


def _words_for(length: np.ndarray) -> int:
    return (int(length.max()) + 7) // 8 if len(length) else 0


def packed_sort(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value's leading bits with its index below them, as one 64-bit integer, sorted; and how many bits the
    index takes. Done in place: ``values`` is what is returned.

    np.sort of 64-bit integers is several times faster than np.argsort, so to put indices in the order of their
    values the index is packed into the low bits. Only values whose leading bits are alike, which for 20 million
    random values are a few hundred, then need looking at again.
    """
    bits = max(1, (len(values) - 1).bit_length())
    values >>= np.uint64(bits)
    values <<= np.uint64(bits)
    for start in range(0, len(values), 1 << 20):  # a piece at a time, not an index array as big as the values
        values[start:start + (1 << 20)] |= np.arange(start, min(start + (1 << 20), len(values)), dtype=np.uint64)
    values.sort()
    return values, bits


def alike_runs(packed: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Where in the sorted packed_sort the values' leading bits are alike, run by run: (places, runs), with each
    place's run numbered from 1."""
    differ = packed[1:] ^ packed[:-1]
    differ >>= np.uint64(bits)
    alike = differ == 0
    del differ
    in_run = np.zeros(len(packed), dtype=bool)
    in_run[1:] = alike
    in_run[:-1] |= alike
    starts = in_run.copy()
    starts[1:] &= ~alike
    return np.flatnonzero(in_run), np.cumsum(starts[in_run])


def sharing(hashes: np.ndarray, present: np.ndarray, values: Callable[[list[int]], Sequence[object]],
            same: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The entries that share their beneficiary with another, and a group number for each: (entries, groups).

    ``hashes`` are the hashes of every entry's beneficiary (sorted in place), counting only where ``present``;
    ``values`` gives the beneficiaries themselves, and ``same``, if given, whether entries have their beneficiary
    in common, for many at once. Only the entries whose hashes are alike are looked at, and those are compared in
    full, so two beneficiaries are never taken for one because their hashes are alike.
    """
    none = np.zeros(0, dtype=np.int64)
    if len(hashes) < 2:
        return none, none
    packed, bits = packed_sort(hashes)
    places, run = alike_runs(packed, bits)
    members = (packed[places] & np.uint64((1 << bits) - 1)).view(np.int64)
    kept = present[members]
    members, run = members[kept], run[kept]
    if not len(members):
        return none, none
    entries, groups = [none], [none]
    next_group = int(run.max()) + 1  # for the groups found one by one, after every run's number
    if same is not None:
        # Most runs are one beneficiary entered more than once: those whose every entry has the beneficiary of the
        # run's first entry are a group as they are, and only the rest are compared one by one.
        first = np.concatenate([[True], run[1:] != run[:-1]])
        firsts = members[first][np.cumsum(first) - 1]
        odd = np.unique(run[~same(members, firsts)])
        clean = ~np.isin(run, odd)
        entries.append(members[clean])
        groups.append(run[clean])
        members, run = members[~clean], run[~clean]
    found, numbers = [], []
    for _, same_hash in groupby(zip(run.tolist(), members.tolist(), values(members.tolist()), strict=True),
                                key=lambda item: item[0]):
        by_value: dict[object, list[int]] = {}
        for _, member, value in same_hash:
            by_value.setdefault(value, []).append(member)
        for together in by_value.values():
            found += together
            numbers += [next_group] * len(together)
            next_group += 1
    entries.append(np.array(found, dtype=np.int64))
    groups.append(np.array(numbers, dtype=np.int64))
    # A run of two whose entries turned out to differ leaves groups of one: no one to share with.
    entries_all, groups_all = np.concatenate(entries), np.concatenate(groups)
    _, inverse, counts = np.unique(groups_all, return_inverse=True, return_counts=True)
    shared = counts[inverse] > 1
    return entries_all[shared], groups_all[shared]


def _multipliers(count: int) -> np.ndarray:
    """Odd 64-bit numbers that look random (splitmix64's), one for each word a _hash takes."""
    values, state = [], 0
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) % (1 << 64)
        z = (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9 % (1 << 64)
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB % (1 << 64)
        values.append((z ^ (z >> 31)) | 1)
    return np.array(values, dtype=np.uint64)


def _hash(rows: np.ndarray, length: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of _spans and its length, to sort by: equal spans hash alike (see sharing).

    The words times odd multipliers, summed (one matrix product, several times quicker than mixing word by word),
    then mixed; a hash that sorts alike spans that are not equal only makes sharing compare a few more.
    """
    words = rows.view("<u8")
    hashed = words @ _multipliers(words.shape[1]) if words.shape[1] else np.zeros(len(rows), dtype=np.uint64)
    hashed ^= length.astype(np.uint64)
    hashed *= np.uint64(0xBF58476D1CE4E5B9)
    hashed ^= hashed >> np.uint64(31)
    return hashed


def _ascending(rows: np.ndarray, length: np.ndarray) -> bool:
    """Whether the rows of _spans are in strictly ascending byte order, each before the next.

    Read as big-endian words, which compare as their bytes do; a span that is a prefix of the next, the rest of
    which is zero bytes, is told from it by its length.
    """
    decided = np.zeros(max(len(length) - 1, 0), dtype=bool)
    ascending = decided.copy()
    words = rows.view(">u8").astype(np.uint64)
    for j in range(words.shape[1]):
        word = words[:, j]
        differ = ~decided & (word[:-1] != word[1:])
        ascending |= differ & (word[:-1] < word[1:])
        decided |= differ
    ascending |= ~decided & (length[:-1] < length[1:])
    return bool(ascending.all())


def _weights(octets: np.ndarray, at: np.ndarray, size: np.ndarray) -> np.ndarray | None:
    """The weights of 1 to 4 ASCII digits at ``at``, or None unless all are 1 to MAX_WEIGHT without leading zeros."""
    value = octets[at].astype(np.int64) - ord("0")
    if not ((value >= 1) & (value <= 9)).all():  # the first digit: no leading zero
        return None
    for j in range(1, 4):  # further digits, for the few weights of 10 or more
        longer = np.flatnonzero(size > j)
        if not len(longer):
            break
        digit = octets[at[longer] + j].astype(np.int64) - ord("0")
        if not ((digit >= 0) & (digit <= 9)).all():
            return None
        value[longer] = value[longer] * 10 + digit
    return value if (value <= MAX_WEIGHT).all() else None


class EntryColumns:
    """A ballot entries file as columns: what a draw needs of each entry, in file order, without an object for each.

    ``bounds`` are where each line starts, and then the end of the file; the entry_id is the first ``id_length``
    bytes of the line. ``shared_beneficiary`` are the entries whose beneficiary_id another entry has too, with a
    group number for each beneficiary. Made by columns_of from lines entry_lines has checked: every byte of them is
    a field's character, a comma or a line break.
    """

    def __init__(self, data: FileBytes, bounds: np.ndarray, id_length: np.ndarray, weight: np.ndarray) -> None:
        self.data, self.bounds, self.id_length, self.weight = data, bounds, id_length, weight
        self._same_id_length = int(id_length[0]) if len(id_length) and (id_length == id_length[0]).all() else None
        self.shared_beneficiary = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        self._octets = np.frombuffer(data, dtype=np.uint8)

    def __len__(self) -> int:
        return len(self.weight)

    @staticmethod
    def text(value: str) -> bytes:
        """A category as the columns hold it, to count caps by: its UTF-8 bytes."""
        return value.encode("utf-8")

    def messages(self, start: int, stop: int) -> list[bytes]:
        """``entry_id#weight`` in UTF-8 for the entries from start to stop: one of each entry's tickets.

        These are the first bytes of each line with the comma after the entry_id made a ``#``, since the weight is
        written in decimal without leading zeros, as k is in the message.
        """
        line, id_length = self.bounds[start:stop], self.id_length[start:stop]
        size = id_length + 1 + np.searchsorted(_POWERS, self.weight[start:stop], side="right")
        count = int(size.max()) // 8 + 1 if len(size) else 0  # room for a line break after each message
        rows = _spans(self._octets, line, size, count)
        every = np.arange(len(rows))
        rows[every, id_length] = _HASH
        rows[every, size] = _LF
        return _first(rows, size + 1).split(b"\n")[:-1]

    def other_messages(self, start: int, stop: int) -> list[bytes]:
        """``entry_id#k`` for k = 1 … weight - 1 of each of the entries from start to stop, entry after entry: their
        tickets but the one ``messages`` gives, made as it makes that one."""
        more = self.weight[start:stop].astype(np.int64) - 1
        owner = np.repeat(np.arange(start, stop), more)
        if not len(owner):
            return []
        k = np.arange(1, len(owner) + 1) - np.repeat(np.cumsum(more) - more, more)
        id_length = self.id_length[owner]
        digits = np.searchsorted(_POWERS, k, side="right")
        size = id_length + 1 + digits
        rows = _spans(self._octets, self.bounds[owner], id_length, int(size.max()) // 8 + 1)
        every = np.arange(len(rows))
        rows[every, id_length] = _HASH
        for place in range(int(digits.max())):  # k's digits, the last first
            has = digits > place
            rows[every[has], (id_length + digits - place)[has]] = ord("0") + k[has] // 10 ** place % 10
        rows[every, size] = _LF
        return _first(rows, size + 1).split(b"\n")[:-1]

    def entry_id(self, index: int) -> bytes:
        start = int(self.bounds[index])
        return self.data[start:start + int(self.id_length[index])]

    def _fields(self, indices: Sequence[int], *which: int) -> list[list[bytes]]:
        """Fields of these entries' lines, split from the bytes: for the few entries whose fields are looked at."""
        data, bounds = self.data, self.bounds
        at = np.asarray(indices, dtype=np.int64)
        # A list of bytes for each field rather than one of fields for each line: bytes are no work for the
        # garbage collector, and a million lists alive at once are, again and again.
        columns: list[list[bytes]] = [[] for _ in which]
        keep = [column.append for column in columns]
        for start, end in zip(bounds[at].tolist(), bounds[at + 1].tolist(), strict=True):
            fields = data[start:end - 1].split(b",")
            for field, append in zip(which, keep, strict=True):
                append(fields[field])
        return columns

    def beneficiaries(self, indices: Sequence[int]) -> list[bytes]:
        return self._fields(indices, 2)[0]

    def same_beneficiary(self, these: np.ndarray, those: np.ndarray) -> np.ndarray:
        """Whether each of these entries has the beneficiary_id of each of those, byte for byte."""
        # The beneficiary_id follows the entry_id and weight: the rest of each line is read, up to its first comma.
        start, rest = [], []
        for entries in (these, those):
            start.append(self.bounds[entries] + self.id_length[entries] + 2
                         + np.searchsorted(_POWERS, self.weight[entries], side="right"))
            rest.append(self.bounds[entries + 1] - 1 - start[-1])
        words = max(_words_for(rest[0]), _words_for(rest[1]))
        (mine, theirs), (my_length, their_length) = zip(*(self._upto_comma(s, r, words)
                                                           for s, r in zip(start, rest, strict=True)), strict=True)
        same: np.ndarray = (my_length == their_length) & (mine == theirs).all(axis=1)
        return same

    def _upto_comma(self, start: np.ndarray, rest: np.ndarray, words: int) -> tuple[np.ndarray, np.ndarray]:
        rows = _spans(self._octets, start, rest, words)
        length = np.argmax(rows == _COMMA, axis=1)  # a comma always follows: the category's
        rows *= np.arange(rows.shape[1]) < length[:, None]
        return rows, length

    def fields(self, indices: Sequence[int]) -> tuple[list[bytes], list[bytes]]:
        """The category and employer_id of each of these entries, for the walk, which looks at few of them."""
        category, employer = self._fields(indices, 3, 4)
        return category, employer

    def results(self, order: np.ndarray, status: np.ndarray, progress: Callable[[str, int, int], None] | None = None,
                begin: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The results file in pieces, as results_csv writes it: ``order`` are the entries in rank order, ``status``
        their STATUS_CODES. Made a piece at a time as they are written, so the whole file is never held at once.

        Only the rows of the ranks after ``begin`` up to ``end``, when given: the part of the file another process
        writes (the header comes with the first rank's part).
        """
        end = len(order) if end is None else end
        if begin == 0:
            yield (RESULTS_HEADER + "\n").encode()
        start = begin
        while start < end:
            # Each piece has ranks of as many digits, so that the rank is a column of fixed width.
            stop = min(end, start + _ROWS, 10 ** len(str(start + 1)) - 1)
            yield self._rows(start + 1, order[start:stop], status[start:stop])
            if progress:
                progress("write", stop - begin, end - begin)
            start = stop

    def results_size(self, order: np.ndarray, status: np.ndarray, begin: int, end: int) -> int:
        """How many bytes ``results(order, status, None, begin, end)`` makes, counted without making them."""
        size = len(RESULTS_HEADER) + 1 if begin == 0 else 0
        for digits in range(1, len(str(end)) + 1):  # the ranks begin + 1 to end of each number of digits
            size += digits * max(0, min(end, 10 ** digits - 1) - max(begin + 1, 10 ** (digits - 1)) + 1)
        chosen = order[begin:end]
        size += (self._same_id_length * len(chosen) if self._same_id_length is not None else
                 int(self.id_length[chosen].sum()))
        counts = np.bincount(status[begin:end], minlength=len(_STATUS_TEXT))
        return size + 2 * len(chosen) + int(counts @ _STATUS_LENGTHS)  # two commas a row; the status ends the line

    def _rows(self, first_rank: int, entries: np.ndarray, status: np.ndarray) -> bytes:
        # The rows `rank,entry_id,status\n` laid out in an array, the entry_id and the status padded with NUL bytes to
        # the longest; the NULs, which entry_lines lets no line have, are then dropped. Most rows are waitlisted,
        # the longest status, and most entry_ids are as long as the longest, so there are few to drop.
        wide = len(str(first_rank))
        # Entries in rank order are all over the file, and each look-up a wait for memory: when every entry_id is
        # as long, as bordercase's are, that is one look-up fewer.
        id_length = self.id_length[entries] if self._same_id_length is None else np.broadcast_to(
            np.int32(self._same_id_length), entries.shape)
        longest = int(id_length.max()) if len(entries) else 0
        ids = _spans(self._octets, self.bounds[entries], id_length, _words_for(id_length))
        status_at = wide + longest + 2
        rows = np.empty((len(entries), status_at + _STATUS_BYTES.shape[1]), dtype=np.uint8)
        rows[:, :wide] = _digits(first_rank, len(entries), wide)
        rows[:, wide] = rows[:, status_at - 1] = _COMMA
        rows[:, wide + 1:status_at - 1] = ids[:, :longest]
        rows[:, status_at:] = _STATUS_BYTES[status]
        return rows.tobytes().replace(b"\0", b"")


# The decimal digits of 0 to 9999, four bytes each, to write ranks four digits at a time.
_FOUR_DIGITS = (np.arange(10_000)[:, None] // np.array([1000, 100, 10, 1]) % 10 + ord("0")).astype(np.uint8).view(
    "<u4")[:, 0]


def _digits(first: int, count: int, wide: int) -> np.ndarray:
    """The numbers first, first + 1, … in decimal, each ``wide`` digits (as they all are), one a row."""
    number = np.arange(first, first + count, dtype=np.int64)
    groups = (wide + 3) // 4
    digits = np.empty((count, groups), dtype="<u4")
    for group in range(groups - 1, -1, -1):
        number, digits[:, group] = np.divmod(number, 10_000)
        digits[:, group] = _FOUR_DIGITS[digits[:, group]]
    return digits.view(np.uint8)[:, 4 * groups - wide:]


def entry_columns(data: FileBytes, progress: Callable[[str, int, int], None] | None = None) -> EntryColumns | None:
    """A ballot entries file as columns, checked as read_entries checks it; None for a file to leave to read_entries.

    None for anything but a ballot file (with the ballot header) that passes every check outright, so that
    read_entries can name the line to fix, or read what only it reads, such as a weight in non-ASCII digits.
    """
    if not is_ballot_file(data):
        return None
    lines = entry_lines(data, len(_BALLOT_START), len(data), progress)
    return None if lines is None else columns_of(data, [lines])


def is_ballot_file(data: FileBytes) -> bool:
    """Whether the file starts with the ballot header and ends with a line break: what entry_lines assumes."""
    return sys.byteorder == "little" and data[:len(_BALLOT_START)] == _BALLOT_START and data[-1:] == b"\n"


def line_cuts(data: FileBytes, parts: int) -> list[int]:
    """Where to cut a ballot file's lines into ``parts`` of about as many bytes: each cut at a line's start."""
    begin, end = len(_BALLOT_START), len(data)
    inner = [data.find(b"\n", begin + (end - begin) * i // parts) + 1 for i in range(1, parts)]
    return [begin, *sorted(set(cut for cut in inner if begin < cut < end)), end]


@dataclass
class EntryLines:
    """The lines of an entries file from one offset to another, read and checked: where each starts, the length
    of its entry_id, its weight, and a hash of its beneficiary_id (``present`` where it has one). Joining the
    parts of a file into its columns (columns_of) empties them."""

    start: int
    stop: int
    bounds: np.ndarray
    id_length: np.ndarray
    weight: np.ndarray
    hashes: np.ndarray
    present: np.ndarray


def entry_lines(data: FileBytes, start: int, stop: int, progress: Callable[[str, int, int], None] | None = None
                ) -> EntryLines | None:
    """The lines of a ballot file from ``start`` to ``stop`` (each at a line's start), checked as read_entries checks
    them, but for the order of the ids across the lines before and after; None if any check fails."""
    octets = np.frombuffer(data, dtype=np.uint8)
    low = np.empty(_BLOCK_BYTES + (1 << 16), dtype=bool)  # reused, block after block
    pieces: list[tuple[np.ndarray, ...]] = []
    at, previous = start, b""
    while at < stop:
        end = data.find(b"\n", min(at + _BLOCK_BYTES, stop) - 1) + 1
        if data[at:end].translate(None, _FILE_BYTES):  # a byte no field, comma or line break may be
            return None
        block = octets[at:end]
        # Every line has its five fields: the commas and line breaks of the block come four and one, line by line.
        # Of the bytes the check above lets through only those two are "," or below, which is quicker to look for.
        found = np.flatnonzero(np.less_equal(block, _COMMA, out=low[:len(block)]) if len(block) <= len(low) else
                               block <= _COMMA)
        separator = block[found]
        if len(found) % 5 or not (separator.reshape(-1, 5) == _SEPARATORS).all():
            return None
        separators = found.reshape(-1, 5) + at
        begin = np.concatenate([[at], separators[:-1, 4] + 1])
        comma = separators[:, 0]
        length, weight_length = comma - begin, separators[:, 1] - comma - 1
        widths = np.diff(separators, axis=1) - 1  # of the weight, beneficiary, category and employer fields
        if (length.min() < 1 or length.max() > FIELD_MAX or weight_length.min() < 1 or weight_length.max() > 4
                or widths[:, 1:].max() > FIELD_MAX):
            return None
        weights = _weights(octets, comma + 1, weight_length)
        # Sorted by entry_id, and so each one once: within the block, and from the last one of the block before.
        ids = _spans(octets, begin, length, _words_for(length))
        if weights is None or not _ascending(ids, length) or not previous < data[at:int(comma[0])]:
            return None
        previous = data[int(begin[-1]):int(comma[-1])]
        beneficiary = separators[:, 1] + 1
        beneficiary_length = separators[:, 2] - beneficiary
        hashes = _hash(_spans(octets, beneficiary, beneficiary_length, _words_for(beneficiary_length)),
                       beneficiary_length)
        pieces.append((begin, length.astype(np.int32), weights, hashes, beneficiary_length > 0))
        at = end
        if progress:
            progress("read", at - start, stop - start)
    bounds, id_length, weight, hashes, present = (
        np.concatenate([piece[i] for piece in pieces]) if pieces else np.zeros(0, dtype=kind)
        for i, kind in enumerate((np.int64, np.int32, np.uint16, np.uint64, bool)))
    return EntryLines(start, stop, bounds, id_length, weight, hashes, present)


def columns_of(data: FileBytes, parts: Sequence[EntryLines]) -> EntryColumns | None:
    """The columns of a whole file from its lines read in parts, in order; None if the ids are out of order where
    one part meets the next (each part has checked its own). The parts are emptied as their columns are joined, so
    that a large file's columns are never held twice."""
    for before, after in pairwise(part for part in parts if len(part.bounds)):
        last, first = int(before.bounds[-1]), int(after.bounds[0])
        if not data[last:last + int(before.id_length[-1])] < data[first:first + int(after.id_length[0])]:
            return None
    bounds = np.append(_joined(parts, "bounds"), len(data))
    columns = EntryColumns(data, bounds, _joined(parts, "id_length"), _joined(parts, "weight"))
    columns.shared_beneficiary = sharing(_joined(parts, "hashes"), _joined(parts, "present"), columns.beneficiaries,
                                         columns.same_beneficiary)
    return columns


def _joined(parts: Sequence[EntryLines], name: str) -> np.ndarray:
    """One column of the whole file, the parts no longer holding theirs."""
    taken = [getattr(part, name) for part in parts]
    for part in parts:
        setattr(part, name, np.empty(0, dtype=taken[0].dtype))  # not a view, which would keep the column alive
    return taken[0] if len(taken) == 1 else np.concatenate(taken)
