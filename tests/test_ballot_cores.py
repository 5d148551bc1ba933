"""A draw's work shared with forked workers (ballot.cores) and the SHA-256 its keys are made with (ballot.keys).

The results of many processes are checked against one process in test_ballot_fast; here, what happens when a
worker or this process fails, or stops reading: the failure is told, and no worker is left running or unreaped.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from bordercase.ballot import Caps, Entry, cores, draw, entries_csv, results_csv
from bordercase.ballot import cli as ballot_cli
from bordercase.ballot import keys as keys_module
from bordercase.ballot.files import entry_columns

draw_module = sys.modules["bordercase.ballot.draw"]


def children() -> set[int]:
    """This process's children, running or not yet reaped (Linux). The browser a test session starts is one."""
    return {int(pid) for task in Path("/proc/self/task").iterdir() for pid in (task / "children").read_text().split()}


_BEFORE: set[int] = set()


@pytest.fixture(autouse=True)
def _children_before() -> None:
    _BEFORE.clear()
    _BEFORE.update(children())


def no_children_left() -> bool:
    """Whether every worker the test forked is gone and reaped: no child but those there before it began."""
    return children() <= _BEFORE


def test_the_parts_come_back_in_order() -> None:
    spans = [(0, 3), (3, 5), (5, 9), (9, 10)]
    got = cores._in_parts("shared", spans, lambda b, e: ("forked", b, e, os.getpid(), cores._inherited()),
                          lambda b, e: ("here", b, e, os.getpid(), cores._inherited()))
    assert [part[:3] for part in got] == [("here", 0, 3), ("forked", 3, 5), ("forked", 5, 9), ("forked", 9, 10)]
    assert got[0][3] == os.getpid() and len({part[3] for part in got}) == 4  # each forked part in its own process
    assert all(part[4] == "shared" for part in got)
    assert cores._SHARED is None and no_children_left()


def test_a_failing_worker_fails_the_draw_and_says_so(capfd: pytest.CaptureFixture[str]) -> None:
    def forked(begin: int, end: int) -> int:
        if begin == 5:
            raise ValueError("part five is spoilt")
        return begin

    with pytest.raises(RuntimeError, match="A worker of the draw failed"):
        cores._in_parts(None, [(0, 5), (5, 9), (9, 12)], forked, lambda b, e: b)
    assert "part five is spoilt" in capfd.readouterr().err  # the worker's own account, on standard error
    assert cores._SHARED is None and no_children_left()


def test_a_worker_killed_fails_the_draw() -> None:
    def forked(begin: int, end: int) -> int:
        os.kill(os.getpid(), 9)
        return begin

    with pytest.raises(RuntimeError, match="killed"):
        cores._in_parts(None, [(0, 1), (1, 2)], forked, lambda b, e: b)
    assert no_children_left()


def test_a_failure_here_stops_the_workers() -> None:
    def forked(begin: int, end: int) -> int:
        import time

        time.sleep(30)  # would outlive the test, were it not stopped
        return begin

    def here(begin: int, end: int) -> int:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cores._in_parts(None, [(0, 1), (1, 2), (2, 3)], forked, here)
    assert cores._SHARED is None and no_children_left()


def pool_file(count: int) -> tuple[bytes, list[Entry]]:
    rng = random.Random(count)
    pool = [Entry(f"{rng.getrandbits(80):020X}", rng.choice([1, 1, 3]), f"w{rng.randrange(count)}",
                  rng.choice(["2613", ""]), rng.choice(["", "e1", "e2"])) for _ in range(count)]
    return entries_csv(pool), pool


@pytest.mark.parametrize("workers", [2, 3, 5])
def test_results_written_in_parts_are_the_results(workers: int) -> None:
    data, _ = pool_file(900)
    columns = entry_columns(data)
    assert columns is not None
    order = np.random.default_rng(workers).permutation(len(columns)).astype(np.int64)
    status = np.random.default_rng(workers).integers(0, 3, len(columns)).astype(np.int8)
    whole = b"".join(columns.results(order, status))
    assert b"".join(cores.results_in_parallel(columns, order, status, None, workers)) == whole
    # The parts each process writes fit together at any cut, ranks of more digits or not.
    for cut in (1, 9, 95, 100, 899):
        assert b"".join([*columns.results(order, status, None, 0, cut), *columns.results(order, status, None, cut,
                                                                                         900)]) == whole
    assert no_children_left()


def test_results_left_unread_stop_their_workers() -> None:
    data, _ = pool_file(2000)
    columns = entry_columns(data)
    assert columns is not None
    order, status = np.arange(len(columns), dtype=np.int64), np.ones(len(columns), dtype=np.int8)
    pieces = cores.results_in_parallel(columns, order, status, None, 3)
    assert next(pieces).startswith(b"rank,entry_id,status\n")
    pieces.close()  # as when writing the results fails: the disc is full, say
    assert no_children_left()


def test_a_mapped_file_draws_as_a_read_one(tmp_path, capsysbinary, monkeypatch) -> None:
    data, pool = pool_file(3000)
    path = tmp_path / "entries.csv"
    path.write_bytes(data)
    seed = hashlib.sha256(b"mapped").digest()
    expected = results_csv(draw(pool, Caps(300, {"2613": 100}, 90), seed))
    monkeypatch.setattr(draw_module, "PARALLEL_FROM_BYTES", 0)  # in parts, as a large file is
    monkeypatch.setattr(draw_module, "PARALLEL_FROM", 100)
    arguments = ["draw", "--places", "300", "--seed", seed.hex(), "--category-cap", "2613=100",
                 "--employer-cap", "90", "--workers", "2"]
    assert isinstance(ballot_cli._mapped(str(path), "entries"), ballot_cli.mmap.mmap)
    assert ballot_cli.main([arguments[0], str(path), *arguments[1:], "--out", str(tmp_path / "r.csv")]) == 0
    assert (tmp_path / "r.csv").read_bytes() == expected
    # A pipe cannot be mapped, and an empty file need not be: both are read.
    reader, writer = os.pipe()
    os.write(writer, data[:1000])
    os.close(writer)
    assert ballot_cli._mapped(f"/dev/fd/{reader}", "entries") == data[:1000]
    os.close(reader)
    (tmp_path / "empty.csv").write_bytes(b"")
    assert ballot_cli._mapped(str(tmp_path / "empty.csv"), "entries") == b""
    assert ballot_cli.main([arguments[0], str(tmp_path / "empty.csv"), *arguments[1:]]) == 2
    assert b"entries file" in capsysbinary.readouterr().err


def test_the_keys_are_hmac_whichever_sha256_is_quicker(monkeypatch: pytest.MonkeyPatch) -> None:
    made = keys_module.sha256_constructors()
    assert keys_module.fastest_sha256() in made
    seed = hashlib.sha256(b"pads").digest()
    for constructor in made:
        monkeypatch.setattr(keys_module, "fastest_sha256", lambda constructor=constructor: constructor)
        for message in (b"", b"E1#1", b"x" * 55, b"y" * 56, b"z" * 200):
            assert keys_module.hmac_sha256(seed)(message) == hmac.digest(seed, message, "sha256")


def test_every_ticket_is_hashed_whatever_the_weight_and_id() -> None:
    rng = random.Random(8)
    weights = [1, 2, 9, 10, 11, 99, 100, 101, 999, 1000]
    # ids of 1 to 64 characters, about the 8-byte words the messages are laid out in
    pool = sorted((Entry("".join(rng.choices("AZaz09-_.:", k=rng.choice([0, 3, 4, 5, 59, 60]))) + f"{i:04d}"[
        -rng.randint(1, 4):], rng.choice(weights)) for i in range(300)), key=lambda e: e.entry_id)
    pool = list({e.entry_id: e for e in pool}.values())
    data = entries_csv(pool)
    columns = entry_columns(data)
    assert columns is not None
    plain = draw_module._Entries(pool)
    for start, stop in ((0, len(pool)), (3, 17), (40, 41), (5, 5)):
        expected = [f"{e.entry_id}#{k}".encode() for e in pool[start:stop] for k in range(1, e.weight)]
        assert columns.other_messages(start, stop) == expected == plain.other_messages(start, stop)
    seed = hashlib.sha256(b"tickets").digest()
    leading = keys_module.keys_between(columns, seed, 0, len(pool), None)
    smallest = [keys_module.entry_key(seed, e.entry_id, e.weight) for e in pool]
    assert leading.tolist() == [int.from_bytes(key[:8], "big") for key in smallest]


def test_results_appended_to_a_file_come_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file opened to append writes every part at its end, whatever the offset: the parts are then written in turn.
    data, pool = pool_file(1200)
    seed = hashlib.sha256(b"append").digest()
    monkeypatch.setattr(draw_module, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(draw_module, "PARALLEL_FROM", 100)
    out = tmp_path / "results.csv"
    out.write_bytes(b"kept before\n")
    with out.open("ab") as appending:
        draw_module.drawn_file(data, Caps(100), seed, workers=3).write_to(appending)
    assert out.read_bytes() == b"kept before\n" + results_csv(draw(pool, Caps(100), seed))
    with out.open("r+b") as in_place:  # on disc, not appending: each part where it goes, after what is there
        in_place.seek(0, 2)
        draw_module.drawn_file(data, Caps(100), seed, workers=3).write_to(in_place)
    assert out.read_bytes() == b"kept before\n" + results_csv(draw(pool, Caps(100), seed)) * 2
    assert no_children_left()


def test_the_size_of_the_results_is_counted_before_they_are_made() -> None:
    data, _ = pool_file(1200)
    columns = entry_columns(data)
    assert columns is not None
    order = np.random.default_rng(4).permutation(len(columns)).astype(np.int64)
    status = np.random.default_rng(4).integers(0, 3, len(columns)).astype(np.int8)
    for begin, end in ((0, 0), (0, 1), (0, 9), (8, 10), (9, 99), (99, 100), (0, 1200), (999, 1000), (1000, 1200)):
        made = b"".join(columns.results(order, status, None, begin, end))
        assert columns.results_size(order, status, begin, end) == len(made), (begin, end)


def test_an_entrys_many_tickets_are_hashed_a_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = [Entry(f"E{i:04d}", weight) for i, weight in enumerate([1000, 1, 3, 999, 2, 1000, 1, 1])]
    columns = entry_columns(entries_csv(pool))
    assert columns is not None
    monkeypatch.setattr(keys_module, "_CHUNK", 50)
    batches: list[int] = []
    made = columns.other_messages
    monkeypatch.setattr(columns, "other_messages", lambda start, stop: batches.append(len(made(start, stop))) or
                        made(start, stop))
    seed = hashlib.sha256(b"batches").digest()
    leading = keys_module.keys_between(columns, seed, 0, len(pool), None)
    assert leading.tolist() == [int.from_bytes(keys_module.entry_key(seed, e.entry_id, e.weight)[:8], "big")
                                for e in pool]
    assert sum(batches) == sum(e.weight - 1 for e in pool) and max(batches) <= 50 + 999


def test_only_a_file_on_disc_not_appending_is_written_in_place(tmp_path: Path) -> None:
    on_disc = draw_module._on_disc
    path = tmp_path / "results.csv"
    path.write_bytes(b"")
    with path.open("r+b") as in_place, path.open("ab") as appending, path.open("wb") as fresh:
        assert on_disc(in_place) and on_disc(fresh) and not on_disc(appending)
    reader, writer = os.pipe()
    with os.fdopen(writer, "wb") as pipe:
        assert not on_disc(pipe)
    os.close(reader)
    assert not on_disc(io.BytesIO())
