"""The fast draw against the algorithm as published, written here as plainly as it reads in docs/ballot.md.

draw() and draw_file() rank by packed 64-bit integers, find duplicates by hashing, stop walking once the places
are taken and write the results with numpy; the reference below does none of that: sorted() over (key,
entry_id) tuples and a walk over every entry. They must agree byte for byte, on made-up pools of every shape,
and the command must write the same bytes as draw() in-process.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import sys
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bordercase.ballot import (
    ALGORITHM,
    BallotFileError,
    Caps,
    Entry,
    Manifest,
    Result,
    Status,
    commitment,
    cores,
    draw,
    entries_csv,
    rank_by_receipt,
    read_entries,
    results_csv,
    seed_from,
    sha256_hex,
    verify,
)
from bordercase.ballot import cli as ballot_cli
from bordercase.ballot import files as ballot_files
from bordercase.ballot import keys as keys_module
from bordercase.ballot.files import entry_columns, line_cuts, sharing

draw_module = sys.modules["bordercase.ballot.draw"]  # the module, which the package's `draw` function hides
draw_file = draw_module.draw_file

Digest = Callable[[bytes, bytes], bytes]


def real_hmac(seed: bytes, message: bytes) -> bytes:
    return hmac.digest(seed, message, "sha256")


# --- the reference: docs/ballot.md, line by line --------------------------------------------------------------------


def reference_key(seed: bytes, entry: Entry, digest: Digest = real_hmac) -> bytes:
    """The smallest, over k = 1 … weight, of HMAC-SHA256(seed, UTF-8 of entry_id + "#" + k)."""
    return min(digest(seed, f"{entry.entry_id}#{k}".encode()) for k in range(1, entry.weight + 1))


def reference_walk(ranked: list[Entry], caps: Caps) -> bytes:
    seen: set[str] = set()
    per_category: Counter[str] = Counter()
    per_employer: Counter[str] = Counter()
    selected = 0
    rows = ["rank,entry_id,status"]
    for rank, entry in enumerate(ranked, start=1):
        if entry.beneficiary_id and entry.beneficiary_id in seen:
            status = "duplicate"
        else:
            if entry.beneficiary_id:
                seen.add(entry.beneficiary_id)
            category_full = (entry.category and entry.category in caps.category
                             and per_category[entry.category] >= caps.category[entry.category])
            employer_full = (entry.employer_id and caps.employer is not None
                             and per_employer[entry.employer_id] >= caps.employer)
            if selected < caps.places and not category_full and not employer_full:
                status = "selected"
                selected += 1
                per_category[entry.category] += 1
                per_employer[entry.employer_id] += 1
            else:
                status = "waitlisted"
        rows.append(f"{rank},{entry.entry_id},{status}")
    return ("\n".join(rows) + "\n").encode()


def reference_draw(entries: list[Entry], caps: Caps, seed: bytes, digest: Digest = real_hmac) -> bytes:
    by_id = {e.entry_id: e for e in entries}
    ranked = sorted((reference_key(seed, e, digest), e.entry_id) for e in entries)
    return reference_walk([by_id[entry_id] for _, entry_id in ranked], caps)


def reference_receipt(entries: list[Entry], caps: Caps) -> bytes:
    return reference_walk(sorted(entries, key=lambda e: (e.priority, e.lodged_at, e.entry_id)), caps)


# --- made-up pools -------------------------------------------------------------------------------------------------

# The ends of the field alphabet in byte order ("-" is the lowest, "z" the highest), and lengths that cross the
# 8-byte words the fast path reads.
ID_CHARS = "-.09:AZ_az"
ids = st.text(ID_CHARS, min_size=1, max_size=26)
beneficiaries = st.sampled_from(["", "w1", "w2", "w3", "x" * 8, "x" * 9, "x" * 16 + "a", "x" * 16 + "b",
                                 "0" * 64, "0" * 63 + "1"])
categories = st.sampled_from(["", "2613", "1351", "c", "C"])
employers = st.sampled_from(["", "e1", "e2", "e3", "ed5dcab90e670e3a"])
weights = st.one_of(st.integers(1, 4), st.sampled_from([9, 10, 11, 99, 100, 1000]))


@st.composite
def pools(draw_: st.DrawFn, max_size: int = 40) -> list[Entry]:
    chosen = draw_(st.lists(ids, min_size=0, max_size=max_size, unique=True))
    return [Entry(entry_id, draw_(weights), draw_(beneficiaries), draw_(categories), draw_(employers))
            for entry_id in chosen]


@st.composite
def caps(draw_: st.DrawFn) -> Caps:
    category = draw_(st.dictionaries(categories, st.integers(0, 5), max_size=3))
    employer = draw_(st.one_of(st.none(), st.integers(0, 4)))
    return Caps(draw_(st.integers(0, 45)), category, employer)


seeds = st.binary(min_size=32, max_size=32)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the draw agrees with the reference ----------------------------------------------------------------------------


@FAST
@given(pools(), caps(), seeds, st.randoms(use_true_random=False))
@example([], Caps(3), bytes(32), random.Random(0))
@example([Entry("E1")], Caps(0), bytes(32), random.Random(0))
def test_draw_in_process_is_the_reference_byte_for_byte(pool: list[Entry], cap: Caps, seed: bytes,
                                                        rng: random.Random) -> None:
    shuffled = pool[:]
    rng.shuffle(shuffled)  # the order entries come in makes no difference
    assert results_csv(draw(shuffled, cap, seed)) == reference_draw(pool, cap, seed)


@FAST
@given(pools(), caps(), seeds)
def test_draw_from_the_file_is_the_reference_byte_for_byte(pool: list[Entry], cap: Caps, seed: bytes) -> None:
    data = entries_csv(pool)
    assert entry_columns(data) is not None  # read as columns, not left to read_entries
    assert b"".join(draw_file(data, cap, seed)) == reference_draw(pool, cap, seed)


long_ids = st.text(ID_CHARS, min_size=40, max_size=64)


@FAST
@given(st.lists(long_ids, min_size=1, max_size=12, unique=True), st.lists(beneficiaries, min_size=12, max_size=12),
       caps(), seeds)
def test_ids_as_long_as_the_format_allows_are_read_as_written(chosen: list[str], shared: list[str], cap: Caps,
                                                              seed: bytes) -> None:
    pool = [Entry(entry_id, 1, shared[n]) for n, entry_id in enumerate(chosen)]
    data = entries_csv(pool)
    assert entry_columns(data) is not None
    assert b"".join(draw_file(data, cap, seed)) == reference_draw(pool, cap, seed)


# Any text a field could hold but commas and line breaks: long, empty, unicode, control characters.
odd_fields = st.one_of(st.text(st.characters(exclude_characters=",\n\r"), max_size=80),
                       st.text(ID_CHARS, min_size=60, max_size=300), st.just(""))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(odd_fields, odd_fields, odd_fields, odd_fields), min_size=1, max_size=6))
def test_the_fast_and_the_plain_reader_agree_on_any_fields(rows: list[tuple[str, str, str, str]]) -> None:
    lines = sorted({f"{entry_id},1,{beneficiary},{category},{employer}"
                    for entry_id, beneficiary, category, employer in rows})
    data = ("entry_id,weight,beneficiary_id,category,employer_id\n" + "".join(f"{line}\n" for line in lines)
            ).encode("utf-8", "surrogatepass")
    try:
        expected: bytes | str = results_csv(draw(read_entries(data), Caps(2, {"2613": 1}, 1), bytes(32)))
    except (BallotFileError, ValueError) as exc:
        expected = str(exc)
    if isinstance(expected, str):
        assert entry_columns(data) is None  # what the plain reader refuses, the fast one leaves to it
        assert expected.startswith("Line ") or "not UTF-8" in expected or "out of order" in expected, expected
    try:
        got: bytes | str = b"".join(draw_file(data, Caps(2, {"2613": 1}, 1), bytes(32)))
    except (BallotFileError, ValueError) as exc:
        got = str(exc)
    assert got == expected


@pytest.mark.parametrize(("field", "value"), [
    ("entry_id", "E" * 65), ("beneficiary_id", "w" * 65), ("category", "software engineer"), ("employer_id", "é"),
    ("entry_id", "E1#2"), ("category", "\x00"),
])
def test_a_field_beyond_the_alphabet_or_length_is_refused_naming_the_line(field: str, value: str) -> None:
    row = {"entry_id": "B2", "beneficiary_id": "w", "category": "2613", "employer_id": "e1", field: value}
    data = GOOD.replace(b"B2,1,w1,,\n", f"{row['entry_id']},1,{row['beneficiary_id']},{row['category']},"
                                      f"{row['employer_id']}\n".encode())
    assert data != GOOD and entry_columns(data) is None
    for read in (read_entries, lambda data: b"".join(draw_file(data, Caps(2), bytes(32)))):
        with pytest.raises(BallotFileError, match=f"Line 3 of the entries file has {field} .*at most 64 of the"):
            read(data)
    with pytest.raises(BallotFileError, match=f"{field} .* is not at most 64 of the letters"):
        entries_csv([Entry(**{"entry_id": "B2", field: value})])  # bordercase never writes such a file


@FAST
@given(pools(), caps())
def test_order_of_receipt_is_the_reference(pool: list[Entry], cap: Caps) -> None:
    rng = random.Random(len(pool))
    pool = [Entry(e.entry_id, 1, e.beneficiary_id, e.category, e.employer_id, rng.randint(1, 3),
                  f"2022-02-{rng.randint(18, 20)}") for e in pool]
    assert results_csv(rank_by_receipt(pool, cap)) == reference_receipt(pool, cap)


def test_a_bigger_pool_with_caps_that_bind() -> None:
    rng = random.Random(6)
    pool = [Entry(f"{rng.getrandbits(100):026x}", rng.choice([1, 1, 1, 2, 3, 4]), f"w{rng.randrange(2800)}",
                  rng.choice(["2613", "1351", "", "2621"]), rng.choice(["", *(f"e{i}" for i in range(40))]))
            for _ in range(3000)]
    seed = hashlib.sha256(b"bigger").digest()
    for cap in (Caps(300), Caps(300, {"2613": 40, "1351": 10}, 6), Caps(2990, {"2621": 5}, 50), Caps(10_000)):
        expected = reference_draw(pool, cap, seed)
        assert results_csv(draw(pool, cap, seed)) == expected
        assert b"".join(draw_file(entries_csv(pool), cap, seed)) == expected


def test_blocks_chunks_and_pieces_make_no_difference(monkeypatch: pytest.MonkeyPatch) -> None:
    # The file is read in blocks of lines, keyed in chunks of entries and written in pieces of rows: made tiny here,
    # so that every seam (and an entry_id out of order across one) is crossed many times.
    rng = random.Random(7)
    pool = [Entry(f"{rng.getrandbits(60):x}", rng.choice([1, 2, 12]), f"w{rng.randrange(150)}",
                  rng.choice(["2613", ""]), rng.choice(["", "e1", "e2"])) for _ in range(700)]
    seed, cap = hashlib.sha256(b"seams").digest(), Caps(90, {"2613": 30}, 20)
    expected = reference_draw(pool, cap, seed)
    monkeypatch.setattr(ballot_files, "_BLOCK_BYTES", 100)
    monkeypatch.setattr(ballot_files, "_ROWS", 7)
    monkeypatch.setattr(keys_module, "_CHUNK", 5)
    assert b"".join(draw_file(entries_csv(pool), cap, seed)) == expected
    assert results_csv(draw(pool, cap, seed)) == expected
    for at in range(1, 40):  # two lines swapped, in a block or across two
        lines = entries_csv(pool).split(b"\n")
        lines[at], lines[at + 1] = lines[at + 1], lines[at]
        assert entry_columns(b"\n".join(lines)) is None


def test_verify_finds_the_first_changed_row_wherever_the_pieces_of_the_rerun_end(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # verify compares the re-run with the published file a piece at a time: made tiny, a change falls on every seam.
    rng = random.Random(8)
    pool = [Entry(f"{rng.getrandbits(60):x}", rng.choice([1, 2]), f"w{rng.randrange(60)}") for _ in range(80)]
    secret, public = bytes(range(32)), "round 1"
    seed, cap = seed_from(secret, public), Caps(30)
    entries, results = entries_csv(pool), results_csv(draw(pool, cap, seed))
    monkeypatch.setattr(ballot_files, "_ROWS", 7)
    assert len(list(draw_file(entries, cap, seed))) > 10  # the re-run comes in many pieces
    rows = results.split(b"\n")
    for line in range(1, len(rows) - 1):
        changed = b"\n".join([*rows[:line], rows[line].replace(b",", b",X", 1), *rows[line + 1:]])
        manifest = Manifest(ALGORITHM, "ballot", 30, sha256_hex(entries), sha256_hex(changed), {}, None,
                            commitment(secret), secret.hex(), public, seed.hex())
        assert verify(manifest, entries, changed) == [
            f"The results differ from a re-run of the draw at rank {line}: the file has X"
            f"{rows[line].split(b',')[1].decode()} {rows[line].split(b',')[2].decode()}, the re-run "
            f"{rows[line].split(b',')[1].decode()} {rows[line].split(b',')[2].decode()}."]


# --- ties ----------------------------------------------------------------------------------------------------------


def test_rank_orders_entries_whose_leading_bits_are_alike_by_the_whole_key_then_entry_id() -> None:
    # Leading keys that are equal, or equal in all but the low bits where _rank packs the index: those are
    # ordered by tie_key, the whole key and then the entry_id; the rest by the leading key.
    rng = random.Random(8)
    n = 300
    leading = [rng.choice([0, 1, 2, 5, 1 << 40, (1 << 40) + 3, (1 << 63) + 7, (1 << 64) - 1]) for _ in range(n)]
    rest = [rng.choice([b"", b"\x00", b"\x01"]) for _ in range(n)]
    names = [rng.choice([b"a", b"b", b"c"]) + bytes([i % 251]) for i in range(n)]

    def tie_key(i: int) -> tuple[bytes, bytes]:
        return leading[i].to_bytes(8, "big") + rest[i], names[i]

    order = draw_module._rank(np.array(leading, dtype=np.uint64), tie_key)
    assert order.tolist() == sorted(range(n), key=tie_key)


def test_rank_of_no_entries_and_of_one() -> None:
    assert draw_module._rank(np.zeros(0, dtype=np.uint64), lambda i: (b"", b"")).tolist() == []
    assert draw_module._rank(np.array([7], dtype=np.uint64), lambda i: (b"", b"")).tolist() == [0]


class _Crafted:
    """A SHA-256 whose digests are changed by ``craft``: keys that tie in their first 8 bytes, or in all 32."""

    def __init__(self, hashed: object, craft: Callable[[bytes], bytes]) -> None:
        self.hashed, self.craft = hashed, craft

    def copy(self) -> _Crafted:
        return _Crafted(self.hashed.copy(), self.craft)  # type: ignore[attr-defined]

    def update(self, data: bytes) -> None:
        self.hashed.update(data)  # type: ignore[attr-defined]

    def digest(self) -> bytes:
        return self.craft(self.hashed.digest())  # type: ignore[attr-defined]


CRAFTS = {
    "the first 8 bytes tie three ways": lambda d: bytes(7) + bytes([d[0] % 3]) + d[8:],
    "whole keys tie, so entry_id decides": lambda d: bytes(31) + bytes([d[0] % 2]),
}


@pytest.mark.parametrize("craft", CRAFTS.values(), ids=CRAFTS.keys())
def test_keys_that_tie_are_ranked_as_published(monkeypatch: pytest.MonkeyPatch, craft: Callable[[bytes], bytes]
                                               ) -> None:
    real_pads = keys_module.pads

    def crafted_pads(seed: bytes) -> tuple[object, object]:
        inner, outer = real_pads(seed)
        return inner, _Crafted(outer, craft)

    monkeypatch.setattr(keys_module, "pads", crafted_pads)
    rng = random.Random(3)
    pool = [Entry("".join(rng.choices("AB:z", k=rng.randint(1, 9))) + str(i), rng.randint(1, 4), f"w{i % 50}",
                  rng.choice(["", "c"]), rng.choice(["", "e1", "e2"])) for i in range(400)]
    seed = bytes(range(32))
    cap = Caps(120, {"c": 30}, 25)
    expected = reference_draw(pool, cap, seed, lambda s, m: craft(real_hmac(s, m)))
    assert results_csv(draw(pool, cap, seed)) == expected
    assert b"".join(draw_file(entries_csv(pool), cap, seed)) == expected


# --- duplicates: hashes sort, bytes decide ------------------------------------------------------------------------


@pytest.mark.parametrize("vectorised", [False, True], ids=["one by one", "many at once"])
def test_sharing_compares_beneficiaries_whose_hashes_are_alike_in_full(vectorised: bool) -> None:
    values = ["a", "b", "a", "c", "b", "a", "d", "", ""]
    present = np.array([bool(v) for v in values])

    def same(these: np.ndarray, those: np.ndarray) -> np.ndarray:
        return np.array([values[i] == values[j] for i, j in zip(these, those, strict=True)])

    every_hash_alike = np.zeros(len(values), dtype=np.uint64)
    entries, groups = sharing(every_hash_alike, present, lambda at: [values[i] for i in at],
                              same if vectorised else None)
    together: dict[int, set[int]] = {}
    for entry, group in zip(entries.tolist(), groups.tolist(), strict=True):
        together.setdefault(group, set()).add(entry)
    assert sorted(map(sorted, together.values())) == [[0, 2, 5], [1, 4]]  # never the two without one


WEAK_HASHES = {
    "every beneficiary hashes alike": lambda rows, length: np.zeros(len(length), dtype=np.uint64),
    # Alike by length: some runs of alike hashes are one beneficiary, some several.
    "hashes by length": lambda rows, length: length.astype(np.uint64) << np.uint64(40),
}


@pytest.mark.parametrize("weak", WEAK_HASHES.values(), ids=WEAK_HASHES.keys())
def test_the_file_path_is_right_however_weak_the_hash(monkeypatch: pytest.MonkeyPatch, weak: Callable) -> None:
    monkeypatch.setattr(ballot_files, "_hash", weak)
    rng = random.Random(4)
    pool = [Entry(f"E{i:05d}", 1, rng.choice(["", "x" * 8, "x" * 9, "y", "y" * 17, "z" * 17, f"w{i % 7}", f"v{i}",
                                              f"u{i % 90:03d}", "q" * 30])) for i in range(2000)]
    seed = bytes(32)
    assert b"".join(draw_file(entries_csv(pool), Caps(100), seed)) == reference_draw(pool, Caps(100), seed)


# --- files the columns leave to read_entries -----------------------------------------------------------------------

GOOD = entries_csv([Entry("A1", 2, "w1", "2613", "e1"), Entry("B2", 1, "w1"), Entry("C3", 10, "", "", "e2")])
BAD = {
    "out of order": GOOD.replace(b"A1,", b"Z1,"),
    "an entry_id twice": GOOD.replace(b"B2,", b"A1,"),
    "an empty entry_id": GOOD.replace(b"B2,", b","),
    "weight 0": GOOD.replace(b"B2,1,", b"B2,0,"),
    "a leading zero": GOOD.replace(b"B2,1,", b"B2,01,"),
    "weight 1001": GOOD.replace(b"B2,1,", b"B2,1001,"),
    "weight 10000": GOOD.replace(b"B2,1,", b"B2,10000,"),
    "an empty weight": GOOD.replace(b"B2,1,", b"B2,,"),
    "a weight with a letter": GOOD.replace(b"B2,1,", b"B2,1a,"),
    "a superscript weight": GOOD.replace(b"B2,1,", "B2,²,".encode()),
    "four fields": GOOD.replace(b"B2,1,w1,,", b"B2,1,w1,"),
    "six fields": GOOD.replace(b"B2,1,w1,,", b"B2,1,w1,,,"),
    "an empty line": GOOD + b"\n",
    "CR LF": GOOD.replace(b"\n", b"\r\n"),
    "no last line break": GOOD[:-1],
    "not UTF-8": GOOD.replace(b"w1,2613", b"w\xff,2613"),
    "the wrong header": GOOD.replace(b"employer_id", b"employer"),
    "nothing": b"",
}


@pytest.mark.parametrize("data", BAD.values(), ids=BAD.keys())
def test_a_bad_file_is_refused_with_read_entries_own_message(data: bytes) -> None:
    assert entry_columns(data) is None
    try:
        read_entries(data)
    except (BallotFileError, ValueError) as exc:
        with pytest.raises(type(exc)) as raised:
            draw_file(data, Caps(1), bytes(32))
        assert str(raised.value) == str(exc)
    else:  # a file only read_entries reads: the same draw, the slow way
        assert b"".join(draw_file(data, Caps(1), bytes(32))) == results_csv(draw(read_entries(data), Caps(1),
                                                                                  bytes(32)))


def test_a_weight_in_other_digits_is_refused_by_both_readers_naming_the_line() -> None:
    data = GOOD.replace(b"B2,1,", "B2,٣,".encode())  # Arabic-Indic three: str.isdigit() and int() take it
    assert entry_columns(data) is None
    for read in (read_entries, lambda data: b"".join(draw_file(data, Caps(2), bytes(32)))):
        with pytest.raises(BallotFileError, match=r"Line 3 of the entries file has weight '٣'.*digits 0-9"):
            read(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(GOOD)), st.integers(0, 3),
                          st.sampled_from(b",\n019a#\x00\r\xff")), max_size=4))
def test_any_changed_file_is_read_as_read_entries_reads_it(changes: list[tuple[int, int, int]]) -> None:
    data = bytearray(GOOD)
    for at, cut, byte in changes:
        data[at:at + cut] = bytes([byte])
    data = bytes(data)
    try:
        expected: bytes | str = results_csv(draw(read_entries(data), Caps(2, {"2613": 1}, 1), bytes(32)))
    except (BallotFileError, ValueError) as exc:
        expected = str(exc)
    try:
        got: bytes | str = b"".join(draw_file(data, Caps(2, {"2613": 1}, 1), bytes(32)))
    except (BallotFileError, ValueError) as exc:
        got = str(exc)
    assert got == expected


# --- the command writes what draw() gives -------------------------------------------------------------------------


def test_the_command_writes_the_bytes_of_draw_in_process(tmp_path, capsysbinary, monkeypatch) -> None:
    rng = random.Random(5)
    pool = [Entry(f"{rng.getrandbits(100):025X}", rng.choice([1, 1, 2, 4]), f"{rng.randrange(4900):064x}",
                  rng.choice(["2613", "1351", ""]), rng.choice(["", *(f"{i:016x}" for i in range(30))]))
            for _ in range(5000)]
    path = tmp_path / "entries.csv"
    path.write_bytes(entries_csv(pool))
    seed = hashlib.sha256(b"command").digest()
    cap = Caps(400, {"2613": 150, "1351": 50}, 20)
    expected = results_csv(draw(pool, cap, seed))
    arguments = ["draw", str(path), "--places", "400", "--seed", seed.hex(), "--category-cap", "2613=150",
                 "--category-cap", "1351=50", "--employer-cap", "20"]
    monkeypatch.setattr(ballot_cli, "PROGRESS_FROM_BYTES", 1000)  # a large draw, as far as progress goes
    assert ballot_cli.main([*arguments, "--out", str(tmp_path / "results.csv")]) == 0
    assert (tmp_path / "results.csv").read_bytes() == expected
    assert b"reading entries" in capsysbinary.readouterr().err
    assert ballot_cli.main(arguments) == 0  # to standard output
    assert capsysbinary.readouterr().out == expected
    # Verifying a large round re-runs the draw, and says so as it goes.
    secret = bytes(range(32))
    drawn = results_csv(draw(pool, cap, seed_from(secret, "beacon")))
    (tmp_path / "results.csv").write_bytes(drawn)
    (tmp_path / "manifest.json").write_bytes(Manifest(
        ALGORITHM, "ballot", 400, sha256_hex(path.read_bytes()), sha256_hex(drawn), {"2613": 150, "1351": 50}, 20,
        commitment(secret), secret.hex(), "beacon", seed_from(secret, "beacon").hex()).to_json())
    assert ballot_cli.main(["verify", *(str(tmp_path / n) for n in ("manifest.json", "entries.csv",
                                                                     "results.csv"))]) == 0
    shown = capsysbinary.readouterr()
    assert shown.out.startswith(b"OK:") and b"re-running the draw" in shown.err and b"reading entries" in shown.err


def test_the_command_still_names_the_line_of_a_bad_file(tmp_path, capsys) -> None:
    path = tmp_path / "entries.csv"
    path.write_bytes(BAD["out of order"])
    assert ballot_cli.main(["draw", str(path), "--places", "1", "--seed", "00" * 32]) == 2
    assert "out of order" in capsys.readouterr().err


def test_results_come_as_results_and_statuses() -> None:
    results = draw([Entry("A", beneficiary_id="w"), Entry("B", beneficiary_id="w"), Entry("C")], Caps(1), bytes(32))
    assert all(isinstance(r, Result) and isinstance(r.status, Status) for r in results)
    assert Counter(r.status for r in results) == {Status.SELECTED: 1, Status.WAITLISTED: 1, Status.DUPLICATE: 1}


def test_keyed_on_several_cores_the_draw_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    pool = [Entry(f"{rng.getrandbits(70):x}", rng.choice([1, 1, 3]), f"w{rng.randrange(400)}",
                  rng.choice(["2613", ""]), rng.choice(["", "e1", "e2"])) for _ in range(1500)]
    seed, cap = hashlib.sha256(b"cores").digest(), Caps(200, {"2613": 60}, 80)
    expected = reference_draw(pool, cap, seed)
    monkeypatch.setattr(draw_module, "PARALLEL_FROM", 100)
    monkeypatch.setattr(keys_module, "_CHUNK", 97)  # shares and chunks that do not line up
    for read_in_parts_from in (10 ** 12, 0):  # keyed in parallel after reading; read and keyed in parallel
        monkeypatch.setattr(draw_module, "PARALLEL_FROM_BYTES", read_in_parts_from)
        for workers in (2, 3, 7):
            assert b"".join(draw_file(entries_csv(pool), cap, seed, workers=workers)) == expected
    assert cores._SHARED is None  # nothing is left for the next draw


@pytest.mark.parametrize("spoil", ["swap at the cut", "bad byte in the last part", "short line in the middle"])
def test_a_file_read_in_parts_is_refused_as_read_whole(monkeypatch: pytest.MonkeyPatch, spoil: str) -> None:
    pool = [Entry(f"E{i:05d}", 1 + i % 3, f"w{i % 700}", "2613" if i % 4 else "", f"e{i % 9}") for i in range(1000)]
    data = entries_csv(pool)
    cuts = line_cuts(data, 2)
    if spoil == "swap at the cut":  # each part is in order; where they meet is not
        before_cut = data.rindex(b"\n", 0, cuts[1] - 1) + 1
        after_cut = data.index(b"\n", cuts[1]) + 1
        data = data[:before_cut] + data[cuts[1]:after_cut] + data[before_cut:cuts[1]] + data[after_cut:]
    elif spoil == "bad byte in the last part":
        at = data.rindex(b"w", cuts[1])
        data = data[:at] + "ŵ".encode() + data[at + 1:]
    else:
        at = data.index(b"\n", len(data) // 2) + 1
        data = data[:at] + b"E00500x\n" + data[at:]
    with pytest.raises(BallotFileError) as whole:
        read_entries(data)
    monkeypatch.setattr(draw_module, "PARALLEL_FROM_BYTES", 0)
    with pytest.raises(BallotFileError) as in_parts:
        b"".join(draw_file(data, Caps(10), bytes(32), workers=2))
    assert str(in_parts.value) == str(whole.value)
