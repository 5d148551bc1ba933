"""How fast a ballot is drawn: 1,000,000 and 20,000,000 entries, against the bare floor of one HMAC per entry.

    .venv/bin/python bench/ballot.py [--sizes 1000000,20000000] [--repeats 3] [--skip-in-process-from 0]

For each size, in one run on this machine:

- (a) the command an auditor runs, ``bordercase ballot draw FILE --places N --seed HEX --category-cap …
  --employer-cap N --out RESULTS``, as a subprocess: wall and CPU seconds and its peak memory (maximum resident
  set, from wait4); it keys the entries on every core; (a1) the same with ``--workers 1``, on one core;
- (b) the draw in-process, ``draw(entries, caps, seed)``, on entries already read with read_entries (not timed),
  in a subprocess of its own so that its memory is its own; left out when the Entry objects would take more than
  half the memory available (20,000,000 of them take some 18 GB);
- (d) once, ``bordercase ballot verify MANIFEST FILE RESULTS`` of what (a) drew, as a subprocess: wall and CPU
  seconds and its peak memory (it re-runs the draw and checks every digest, the secret and the seed);
- (c) the bare floor: one HMAC-SHA256 per entry, done the fastest way Python has, and a sort of the keys, the
  fastest of numpy's and Python's; no reading, no tickets beyond the first, no walk, no writing.

The entries are made up the same way every time (and kept in bench/results/ for the next run): random 20-character
base-32 entry ids, sorted, as the file requires; weights mostly 1, some 2 to 4; beneficiary ids that are 64
hexadecimal characters, as bordercase's hashes of passport, nationality and birth date are, about 1% of them a
second entry for the same worker; a few ANZSCO categories; employers of every size. The round is capped as a
scheme might cap it: places for one entry in 400, category caps on two categories, an employer cap.

1,000,000 entries are timed ``--repeats`` times (the median is reported), 20,000,000 once, (a), (b) and (c) in turn
each time, so that each ratio compares runs made at much the same time. On a shared machine CPU seconds are
steadier than wall seconds; both are reported, with the load average. The goals (issue 6): 1,000,000
entries in under 3 s; 20,000,000 in under 60 s and 4 GB; within 1.5 times the floor; and (issue 17) verify of
20,000,000 in under 4 GB. Results are printed and written to bench/results/ballot-<timestamp>.json and .md.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import gc
import hashlib
import hmac
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).parent / "results"
ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)  # in ASCII order, as the ids sort
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
CATEGORIES = [b"2613", b"2611", b"2612", b"2621", b"1351", b""]
CATEGORY_SHARE = [0.40, 0.10, 0.10, 0.15, 0.15, 0.10]
# A round as the protocol draws it, so that (d) can verify what (a) drew: seed = SHA-256(secret ‖ public value).
SECRET = hashlib.sha256(b"bordercase bench/ballot.py").digest()
PUBLIC_VALUE = "bench/ballot.py"
SEED = hashlib.sha256(SECRET + PUBLIC_VALUE.encode()).hexdigest()
GENERATOR = 1  # bump when the made-up entries change, so that files kept from before are made again
MB = 1_000_000  # megabytes of 10^6 bytes, as the goal's 4 GB is 4 * 10^9 bytes


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- the entries -----------------------------------------------------------------------------------------------------


def _base32(values: np.ndarray, chars: int) -> np.ndarray:
    shifts = np.arange(chars - 1, -1, -1, dtype=np.uint64) * np.uint64(5)
    return ALPHABET[((values[:, None] >> shifts) & np.uint64(31)).astype(np.intp)]


def _lines(columns: list[np.ndarray]) -> bytes:
    """Rows of fixed-width byte columns, NUL-padded, joined by commas: NULs dropped, none being in the data."""
    rows = len(columns[0])
    pieces = []
    for column in columns:
        pieces += [column, np.full((rows, 1), ord(","), dtype=np.uint8)]
    pieces[-1] = np.full((rows, 1), ord("\n"), dtype=np.uint8)
    return np.hstack(pieces).tobytes().replace(b"\0", b"")


def make_entries(n: int, path: Path) -> None:
    """The entries file of n made-up entries, the same bytes every time."""
    rng = np.random.default_rng([GENERATOR, n])
    # 100 random bits an id: the first 60 sorted and distinct (which sorts the ids), the other 40 anything.
    high = np.unique(rng.integers(0, 1 << 60, n + n // 1000 + 16, dtype=np.uint64))
    high = high[np.sort(rng.choice(len(high), n, replace=False))]
    employers = max(100, n // 20)
    worker = np.arange(n)
    again = rng.random(n) < 0.01  # a second entry for a worker entered already, by another employer say
    worker[again] = rng.integers(0, n, int(again.sum()))
    with path.open("wb") as out:
        out.write(b"entry_id,weight,beneficiary_id,category,employer_id\n")
        for start in range(0, n, 1 << 20):
            stop = min(n, start + (1 << 20))
            rows = stop - start
            ids = np.hstack([_base32(high[start:stop], 12),
                             _base32(rng.integers(0, 1 << 40, rows, dtype=np.uint64), 8)])
            weight = (ord("0") + rng.choice(4, rows, p=[0.85, 0.08, 0.04, 0.03]) + 1).astype(np.uint8)[:, None]
            # A worker's beneficiary id is the same in every entry: 32 bytes made from the worker's number.
            words = np.stack([_mix(worker[start:stop], k) for k in range(4)], axis=1)
            nibbles = words.view(np.uint8).reshape(rows, 32)
            beneficiary = HEX[np.stack([nibbles >> 4, nibbles & 15], axis=2).reshape(rows, 64)]
            beneficiary[rng.random(rows) < 0.001] = 0  # a few without one
            category_index = rng.choice(len(CATEGORIES), rows, p=CATEGORY_SHARE)
            category = np.array([c.ljust(4, b"\0") for c in CATEGORIES], dtype="S4").view(np.uint8).reshape(-1, 4)
            # Employers of every size: a third of the entries from the hundred biggest, most from the rest, a few
            # from none (an individual's own request).
            which = np.where(rng.random(rows) < 0.3, rng.integers(0, 100, rows), rng.integers(0, employers, rows))
            employer = HEX[((_mix(which, 9)[:, None] >> (np.arange(15, -1, -1, dtype=np.uint64) * np.uint64(4)))
                             & np.uint64(15)).astype(np.intp)]
            employer[rng.random(rows) < 0.05] = 0
            out.write(_lines([ids, weight, beneficiary, category[category_index], employer]))
            say(f"  made {stop:,} of {n:,} entries")


def _mix(values: np.ndarray, salt: int) -> np.ndarray:
    """64 well-mixed bits from each number (splitmix64), the same for the same number."""
    offset = np.uint64((salt * 0x632BE59BD9B4E019 + 1) % (1 << 64))
    z = values.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + offset
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def entries_file(n: int) -> Path:
    path = RESULTS / f"ballot-entries-{n}-v{GENERATOR}.csv"
    if not path.exists():
        say(f"Making {n:,} entries in {path} (kept for the next run)…")
        partial = path.with_suffix(".partial")
        make_entries(n, partial)
        partial.rename(path)
    return path


def round_caps(n: int) -> dict[str, Any]:
    """A round as a scheme might cap it: one place for 400 entries, two categories capped, an employer cap."""
    places = max(600, n // 400)
    return {"places": places, "category": {"2613": places * 30 // 100, "1351": places * 15 // 100},
            "employer": max(5, places // 200)}


# --- (a) the command, (b) the draw in-process, (c) the floor --------------------------------------------------------


def run_child(command: list[str], echo: bool) -> dict[str, Any]:
    """Run a command, echoing its standard error; its wall and CPU seconds and peak memory, from wait4."""
    began = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603 - our own
    errors: list[str] = []

    def relay() -> None:
        for line in child.stderr:  # type: ignore[union-attr]
            errors.append(line.decode("utf-8", "replace").rstrip("\n"))
            if echo:
                say(f"    | {errors[-1]}")

    reader = threading.Thread(target=relay)
    reader.start()
    output = child.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n" + "\n".join(errors[-20:]))
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss * 1024 / MB,
            "stdout": output, "stderr": errors}


def cli_command(path: Path, caps: dict[str, Any], out: Path, workers: int | None = None) -> list[str]:
    command = [str(Path(sys.executable).with_name("bordercase")), "ballot", "draw", str(path),
               "--places", str(caps["places"]), "--seed", SEED, "--out", str(out)]
    if workers is not None:
        command += ["--workers", str(workers)]
    for category, cap in caps["category"].items():
        command += ["--category-cap", f"{category}={cap}"]
    return [*command, "--employer-cap", str(caps["employer"])]


def verify_command(path: Path, caps: dict[str, Any], out: Path, results_digest: str) -> list[str]:
    """`bordercase ballot verify` of the round (a) drew, with its manifest written beside the results."""
    from bordercase.ballot import ALGORITHM, Manifest, commitment

    manifest = RESULTS / f"ballot-manifest-{path.stem}.json"
    with path.open("rb") as entries:
        entries_digest = hashlib.file_digest(entries, "sha256").hexdigest()
    manifest.write_bytes(Manifest(ALGORITHM, "ballot", caps["places"], entries_digest, results_digest,
                                  caps["category"], caps["employer"], commitment(SECRET), SECRET.hex(),
                                  PUBLIC_VALUE, SEED).to_json())
    return [str(Path(sys.executable).with_name("bordercase")), "ballot", "verify", str(manifest), str(path), str(out)]


def worker_in_process(path: str, caps_json: str) -> None:
    """(b), in a process of its own: read the entries (not timed), then time draw()."""
    from bordercase.ballot import Caps, draw, read_entries, results_csv

    entries = read_entries(Path(path).read_bytes())
    caps = json.loads(caps_json)
    # The entries live for the whole run, as in a service holding them: keep the collector from walking them.
    gc.collect()
    gc.freeze()
    before_mb = _peak_mb()
    began, cpu = time.perf_counter(), time.process_time()
    results = draw(entries, Caps(caps["places"], caps["category"], caps["employer"]), bytes.fromhex(SEED))
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_before_draw_mb": before_mb, "peak_mb": _peak_mb(),
                      "results_sha256": hashlib.sha256(results_csv(results)).hexdigest()}))


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


def _hmac_ways(seed: bytes) -> dict[str, Callable[[list[bytes]], list[bytes]]]:
    """Every way we know to do one HMAC-SHA256 per message in Python; the floor takes the fastest."""
    import _sha256  # CPython's own SHA-256: cheaper hash objects than OpenSSL's for short messages

    def padded(constructor: Callable[[bytes], Any]) -> Callable[[list[bytes]], list[bytes]]:
        block = seed.ljust(64, b"\0")
        inner, outer = constructor(bytes(b ^ 0x36 for b in block)), constructor(bytes(b ^ 0x5C for b in block))

        def run(messages: list[bytes]) -> list[bytes]:
            keys = []
            keep = keys.append
            for message in messages:
                first = inner.copy()
                first.update(message)
                second = outer.copy()
                second.update(first.digest())
                keep(second.digest())
            return keys

        return run

    def one_shot(messages: list[bytes]) -> list[bytes]:
        digest = hmac.digest
        return [digest(seed, message, "sha256") for message in messages]

    return {"precomputed pads, CPython sha256": padded(_sha256.sha256),
            "precomputed pads, OpenSSL sha256": padded(hashlib.sha256), "hmac.digest": one_shot}


def _sort_ways() -> dict[str, Callable[[np.ndarray, list[bytes]], Any]]:
    return {"numpy sort of the leading 8 bytes": lambda leading, keys: np.sort(leading),
            "numpy argsort of the leading 8 bytes": lambda leading, keys: np.argsort(leading),
            "list.sort of the keys": lambda leading, keys: sorted(keys)}


def worker_floor(path: str, repeats: int) -> None:
    """(c), in a process of its own: the messages are made first (not timed), then hashed and the keys sorted."""
    with Path(path).open("rb") as lines:
        next(lines)
        messages = [line[:line.index(b",")] + b"#1" for line in lines]
    gc.collect()
    gc.freeze()
    seed = bytes.fromhex(SEED)
    sample = messages[:200_000]
    # Choose the fastest HMAC and the fastest sort on a sample, each the best of five, taken in turn.
    hmacs, sorts = _hmac_ways(seed), _sort_ways()
    times: dict[str, list[float]] = {name: [] for name in [*hmacs, *sorts]}
    sample_keys = hmacs["hmac.digest"](sample)
    sample_leading = np.frombuffer(b"".join(sample_keys), dtype=">u8")[::4].astype(np.uint64)
    for _ in range(5):
        for name, way in hmacs.items():
            began = time.process_time()
            if way(sample) != sample_keys:
                raise SystemExit(f"{name} is not HMAC-SHA256: that is a bug.")
            times[name].append(time.process_time() - began)
        for name, sort in sorts.items():
            began = time.process_time()
            sort(sample_leading, sample_keys)
            times[name].append(time.process_time() - began)
    best_hmac = min(hmacs, key=lambda name: min(times[name]))
    best_sort = min(sorts, key=lambda name: min(times[name]))
    hash_all, sort_keys = hmacs[best_hmac], sorts[best_sort]
    runs = []
    for _ in range(repeats):
        began, cpu = time.perf_counter(), time.process_time()
        leading = np.empty(len(messages), dtype=np.uint64)
        kept: list[bytes] = []
        for start in range(0, len(messages), 1 << 16):
            keys = hash_all(messages[start:start + (1 << 16)])
            leading[start:start + len(keys)] = np.frombuffer(b"".join(keys), dtype=">u8")[::4]
            if best_sort == "list.sort of the keys":
                kept += keys
        sort_keys(leading, kept)
        runs.append({"wall": time.perf_counter() - began, "cpu": time.process_time() - cpu})
        del leading, kept
    print(json.dumps({"runs": runs, "hmac": best_hmac, "sort": best_sort, "peak_mb": _peak_mb(),
                      "sample_ns_per_entry": {name: round(min(t) / len(sample) * 1e9) for name, t in times.items()}}))


# --- the run ---------------------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "platform": platform.platform(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE")
                                                                * os.sysconf("SC_PHYS_PAGES") / (1 << 30), 1)}


def _available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024 / MB
    return float("inf")


def measure(n: int, repeats: int, in_process: bool, entry_mb_per_file_mb: float) -> dict[str, Any]:
    path = entries_file(n)
    caps = round_caps(n)
    out = RESULTS / f"ballot-results-{n}.csv"
    me = [sys.executable, __file__]
    row: dict[str, Any] = {"entries": n, "file_mb": round(path.stat().st_size / MB), "caps": caps,
                           "tickets": None, "load_before": os.getloadavg()}
    say(f"{n:,} entries ({row['file_mb']:,} MB), {caps['places']:,} places:")
    # (b) needs an Entry object for every line first: about nine times the file in memory, 18 GB for 20 million.
    # On a machine others share, it takes no more than half of what is free.
    needed, available = row["file_mb"] * entry_mb_per_file_mb * 1.2, _available_mb()
    if in_process and needed > available / 2:
        say(f"  (b) left out: the Entry objects would take some {needed:,.0f} MB; {available:,.0f} MB are free.")
        row["in_process_left_out"] = (f"reading the entries into Entry objects would take some {needed:,.0f} MB, "
                                      f"more than half of the {available:,.0f} MB available")
        in_process = False
    # (a), (b) and (c) in turn, run after run: a shared machine's speed drifts from one minute to the next, and
    # each ratio should compare runs made at much the same time.
    cli_runs, one_core_runs, in_process_runs, floor_runs = [], [], [], []
    for i in range(repeats):
        say(f"  run {i + 1} of {repeats}: (a) bordercase ballot draw, on every core…")
        cli_runs.append(run_child(cli_command(path, caps, out), echo=i == 0))
        say(f"  run {i + 1} of {repeats}: (a1) bordercase ballot draw --workers 1…")
        one_core_runs.append(run_child(cli_command(path, caps, out, workers=1), echo=False))
        if i == 0:
            results_digest = hashlib.sha256(out.read_bytes()).hexdigest()
            say("  (d) bordercase ballot verify of what (a) drew…")
            verify_run = run_child(verify_command(path, caps, out, results_digest), echo=False)
        if in_process:
            say(f"  run {i + 1} of {repeats}: (b) draw() in-process (reading the entries first, not timed)…")
            done = run_child([*me, "--worker", "in-process", str(path), json.dumps(caps)], echo=False)
            in_process_runs.append(json.loads(done["stdout"]))
        say(f"  run {i + 1} of {repeats}: (c) the floor (making the messages first, not timed)…")
        floor_runs.append(json.loads(run_child([*me, "--worker", "floor", str(path), "1"], echo=False)["stdout"]))
    out.unlink()
    row["verify"] = _summary([verify_run])
    row["cli_one_core"] = _summary(one_core_runs)
    row["cli"] = _summary(cli_runs) | {"progress_lines": len(cli_runs[0]["stderr"]),
                                       "results_sha256": results_digest}
    if in_process:
        row["in_process"] = _summary(in_process_runs) | {
            "peak_before_draw_mb": round(in_process_runs[0]["peak_before_draw_mb"]),
            "same_results": all(r["results_sha256"] == results_digest for r in in_process_runs)}
        row["entry_mb_per_file_mb"] = in_process_runs[0]["peak_before_draw_mb"] / row["file_mb"]
        if not row["in_process"]["same_results"]:
            raise SystemExit("draw() in-process and the command disagree: that is a bug.")
    floor = floor_runs[0]
    row["floor"] = _summary([run["runs"][0] | {"peak_mb": run["peak_mb"]} for run in floor_runs]) | {
        "hmac": floor["hmac"], "sort": floor["sort"], "sample_ns_per_entry": floor["sample_ns_per_entry"]}
    row["tickets"] = _tickets(path)
    row["load_after"] = os.getloadavg()
    for what in ("cli", "cli_one_core", "in_process", "verify"):
        if what in row:
            row[what]["ratio_to_floor"] = round(row[what]["wall"] / row["floor"]["wall"], 2)
            row[what]["cpu_ratio_to_floor"] = round(row[what]["cpu"] / row["floor"]["cpu"], 2)
    return row


def _tickets(path: Path) -> int:
    """How many HMACs the draw does: every entry's weight, summed (the floor does one an entry)."""
    total = 0
    with path.open("rb") as lines:
        next(lines)
        for line in lines:
            total += int(line.split(b",", 2)[1])
    return total


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    summary = {"runs": len(runs), "wall": round(statistics.median(r["wall"] for r in runs), 2),
               "cpu": round(statistics.median(r["cpu"] for r in runs), 2),
               "all_wall": [round(r["wall"], 2) for r in runs]}
    if "peak_mb" in runs[0]:
        summary["peak_mb"] = round(max(r["peak_mb"] for r in runs))
    return summary


def goals(rows: list[dict[str, Any]]) -> list[str]:
    met = []
    for row in rows:
        n, cli = row["entries"], row["cli"]
        if n == 1_000_000:
            met.append(f"1,000,000 entries in under 3 s: {'met' if cli['wall'] < 3 else 'NOT met'} ({cli['wall']} s)")
        if n == 20_000_000:
            met.append(f"20,000,000 entries in under 60 s: {'met' if cli['wall'] < 60 else 'NOT met'} "
                       f"({cli['wall']} s)")
            met.append(f"20,000,000 entries in under 4 GB: {'met' if cli['peak_mb'] < 4000 else 'NOT met'} "
                       f"({cli['peak_mb']:,} MB)")
            met.append(f"verify of 20,000,000 entries in under 4 GB: "
                       f"{'met' if row['verify']['peak_mb'] < 4000 else 'NOT met'} ({row['verify']['peak_mb']:,} MB)")
        met.append(f"{n:,} entries within 1.5 times the floor: {'met' if cli['ratio_to_floor'] <= 1.5 else 'NOT met'}"
                   f" ({cli['ratio_to_floor']} on every core, {row['cli_one_core']['ratio_to_floor']} on one; "
                   f"CPU {cli['cpu_ratio_to_floor']})")
    return met


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [f"# Ballot benchmark, {result['when']}", "",
             f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}, numpy {m['numpy']}; "
             f"{m['platform']}", "",
             "| entries | what | wall s | CPU s | peak MB | wall ÷ floor | CPU ÷ floor |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in result["sizes"]:
        for key, label in (("cli", "(a) `bordercase ballot draw`, every core"),
                           ("cli_one_core", "(a1) `bordercase ballot draw --workers 1`"),
                           ("in_process", "(b) `draw()` in-process"),
                           ("floor", "(c) floor: 1 HMAC an entry + sort"),
                           ("verify", "(d) `bordercase ballot verify`")):
            if key not in row:
                continue
            r = row[key]
            lines.append(f"| {row['entries']:,} | {label} | {r['wall']} | {r['cpu']} | {r.get('peak_mb', 0):,} | "
                         f"{r.get('ratio_to_floor', 1.0)} | {r.get('cpu_ratio_to_floor', 1.0)} |")
    lines.append("")
    for row in result["sizes"]:
        floor = row["floor"]
        lines.append(f"- {row['entries']:,} entries: file {row['file_mb']:,} MB, {row['tickets']:,} tickets "
                     f"({row['tickets'] / row['entries']:.2f} HMACs an entry, the floor does 1); caps "
                     f"{row['caps']}; runs (wall) {row['cli']['all_wall']}; load average "
                     f"{row['load_before'][0]:.1f} before, {row['load_after'][0]:.1f} after.")
        lines.append(f"  Floor: {floor['hmac']}, {floor['sort']}; ns an entry on a sample: "
                     f"{floor['sample_ns_per_entry']}.")
        if "in_process" in row:
            lines.append(f"  In-process: {row['in_process']['peak_before_draw_mb']:,} MB already held by the "
                         "Entry objects before the draw; same results as the command: "
                         f"{row['in_process']['same_results']}.")
        if "in_process_left_out" in row:
            lines.append(f"  In-process left out: {row['in_process_left_out']}.")
    lines += ["", "Goals:", *(f"- {goal}" for goal in result["goals"]), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000,20000000", help="entries in each draw (1000000,20000000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each size below 20,000,000 (median)")
    parser.add_argument("--skip-in-process-from", type=int, default=0,
                        help="leave out (b) from this many entries (0: only when the Entry objects would take more "
                             "than half the memory available; 20 million take some 18 GB)")
    parser.add_argument("--worker", choices=["in-process", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "in-process":
        return worker_in_process(*args.args)
    if args.worker == "floor":
        return worker_floor(args.args[0], int(args.args[1]))
    RESULTS.mkdir(exist_ok=True)
    # The command as installed runs from compiled bytecode: pip compiles it, and a checkout compiles itself on its
    # first run unless PYTHONDONTWRITEBYTECODE is set, as it may be on a machine like this one. Compiled once here,
    # so that no timed run compiles the package's modules again.
    import bordercase

    compileall.compile_dir(Path(bordercase.__file__).parent, quiet=1)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    entry_mb_per_file_mb = 9.0  # until a smaller draw has measured it
    for n in sizes:
        in_process = not args.skip_in_process_from or n < args.skip_in_process_from
        rows.append(measure(n, args.repeats if n < 20_000_000 else 1, in_process, entry_mb_per_file_mb))
        entry_mb_per_file_mb = rows[-1].get("entry_mb_per_file_mb", entry_mb_per_file_mb)
    result = {"machine": machine(), "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "seed": SEED,
              "sizes": rows, "goals": goals(rows)}
    text = markdown(result)
    print(text)
    stamp = f"{dt.datetime.now():%Y%m%d-%H%M%S}"
    (RESULTS / f"ballot-{stamp}.json").write_text(json.dumps(result, indent=2))
    (RESULTS / f"ballot-{stamp}.md").write_text(text)


if __name__ == "__main__":
    main()
