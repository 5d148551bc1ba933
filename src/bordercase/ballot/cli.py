"""`bordercase ballot draw|verify`: running and checking a round from its files alone, with no database.

Anyone with the published manifest, entries and results can check a round; an auditor can re-run a draw.
"""

from __future__ import annotations

import argparse
import contextlib
import mmap
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO, TextIO

from bordercase.ballot.draw import ALGORITHM, Caps, drawn_file, rank_by_receipt
from bordercase.ballot.files import RECEIPT_HEADER, BallotFileError, FileBytes, read_entries, results_csv

if TYPE_CHECKING:
    from bordercase.ballot.manifest import Manifest
    from bordercase.ballot.manifest_v2 import ManifestV2

# Below this size of entries file (some 200,000 of bordercase's entries, of a hundred bytes each) a draw takes a
# second or two, and progress lines would only be noise.
PROGRESS_FROM_BYTES = 20_000_000


class _Progress:
    """Progress on standard error, at most once a second: which stage, how far, and the time so far."""

    def __init__(self, out: TextIO) -> None:
        self.out, self.started, self.last = out, time.monotonic(), 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 1 and done:
            return
        self.last = now
        what = {"read": "reading entries", "keys": "computing keys", "walk": "filling places",
                "write": "writing results"}.get(stage, stage)
        # Reading goes by the bytes of the file: how many entries it has is known once it is read.
        amount = f"{done / 1e6:,.0f} of {total / 1e6:,.0f} MB" if stage == "read" else f"{done:,} of {total:,}"
        print(f"  {what}: {amount} ({100 * done // max(total, 1)}%), {now - self.started:.0f} s",
              file=self.out, flush=True)


def _read(path: str, what: str) -> bytes:
    with _open(path, what) as source:
        return source.read()


def _open(path: str, what: str) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise SystemExit(_fail(f"Cannot read the {what} file {path}: {exc.strerror}. Check the path.")) from exc


def _fail(message: str) -> int:
    print(f"bordercase ballot: {message}", file=sys.stderr)
    return 2


def _cores() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8))


def _cap(text: str) -> tuple[str, int]:
    category, _, number = text.rpartition("=")
    if not category or not number.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not CATEGORY=N, such as 2613=300")
    return category, int(number)


def _seed(text: str) -> bytes:
    try:
        seed = bytes.fromhex(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("the seed is 64 hexadecimal characters (32 bytes)") from exc
    if len(seed) != 32:
        raise argparse.ArgumentTypeError(f"the seed is 64 hexadecimal characters (32 bytes), not {len(text)}")
    return seed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bordercase ballot", description=f"Run or check a {ALGORITHM} round "
                                     "from its published files. docs/ballot.md defines the algorithm.")
    actions = parser.add_subparsers(dest="action", required=True)
    run = actions.add_parser("draw", help="draw from an entries file and write the results CSV")
    run.add_argument("entries", help="the entries CSV")
    run.add_argument("--places", type=int, required=True, help="how many places there are")
    run.add_argument("--seed", type=_seed, help="the 32-byte seed in hexadecimal (not needed for order of receipt)")
    run.add_argument("--category-cap", type=_cap, action="append", default=[], metavar="CATEGORY=N",
                     help="the most places one category may take; repeat for each capped category")
    run.add_argument("--employer-cap", type=int, help="the most places any one employer may take")
    run.add_argument("--out", help="write the results here instead of to standard output")
    run.add_argument("--workers", type=int, default=_cores(), help="how many processes read, key and write a "
                     "large draw (the results are the same for any number); default: this machine's cores")
    check = actions.add_parser("verify", help="check a published round: every digest, the commitment, the results")
    check.add_argument("manifest", help="the manifest JSON")
    check.add_argument("entries", help="the entries CSV")
    check.add_argument("results", help="the results CSV")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    if options.action == "verify":
        return _verify(options)
    return _draw(options)


def _mapped(path: str, what: str) -> FileBytes:
    """The file's bytes, mapped rather than read where it can be: reading a file of 100 MB took some 45 ms of a
    draw of a second, and the workers a draw forks share the mapped pages. A pipe, which cannot be mapped, is read;
    the file must not be changed while it is drawn from."""
    with _open(path, what) as source:
        try:
            if os.fstat(source.fileno()).st_size:
                return mmap.mmap(source.fileno(), 0, flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0),
                                 prot=mmap.PROT_READ)
        except (OSError, ValueError):
            pass
        return source.read()


def _draw(options: argparse.Namespace) -> int:
    data = _mapped(options.entries, "entries")
    receipt = data[:len(RECEIPT_HEADER) + 1] == RECEIPT_HEADER.encode() + b"\n"
    if not receipt and options.seed is None:
        return _fail("a ballot needs --seed: the 64 hexadecimal characters of the round's seed.")
    progress = _Progress(sys.stderr) if len(data) >= PROGRESS_FROM_BYTES else None
    try:
        caps = Caps(options.places, dict(options.category_cap), options.employer_cap)
        if progress:
            print(f"Drawing from {len(data) / 1e6:,.0f} MB of entries for {caps.places:,} places…",
                  file=sys.stderr, flush=True)
        # A ballot is drawn from the file as columns (see drawn_file): the same results, in a fraction of the time
        # and memory of reading every entry into an object.
        drawn = (results_csv(rank_by_receipt(read_entries(bytes(data)), caps)) if receipt else
                 drawn_file(data, caps, options.seed, progress, max(1, options.workers)))
    except (BallotFileError, ValueError) as exc:
        return _fail(str(exc))
    with open(options.out, "wb") if options.out else contextlib.nullcontext(sys.stdout.buffer) as out:
        if isinstance(drawn, bytes):
            out.write(drawn)
        else:
            drawn.write_to(out)
        out.flush()
    if progress:
        print(f"Done in {time.monotonic() - progress.started:.1f} s.", file=sys.stderr)
    return 0


def _verify(options: argparse.Namespace) -> int:
    # Here, not above: a draw needs none of a v2 round's checking (its beacon's BLS library, RFC 8785), and
    # importing it would be a few milliseconds of every draw.
    from bordercase.ballot.fields import parsed_json
    from bordercase.ballot.manifest import Manifest, verify
    from bordercase.ballot.manifest_v2 import ManifestV2, verify_v2

    try:
        raw = parsed_json(_read(options.manifest, "manifest"))
        # A v2 round's manifest carries its declaration; a v1 round's, drawn before v2, still verifies as v1.
        manifest: Manifest | ManifestV2 = (ManifestV2.from_parsed(raw) if isinstance(raw, dict) and "declaration" in raw
                                           else Manifest.from_parsed(raw))
    except BallotFileError as exc:
        return _fail(str(exc))
    entries = _read(options.entries, "entries")
    progress = _Progress(sys.stderr) if len(entries) >= PROGRESS_FROM_BYTES else None
    if progress:
        print(f"Checking {len(entries) / 1e6:,.0f} MB of entries: re-running the draw…", file=sys.stderr, flush=True)
    # Read as it is checked, a piece at a time, beside the re-run: never held whole.
    with _open(options.results, "results") as source:
        # A pipe (/dev/stdin, <(curl …)) cannot be read twice, for its digest and beside the re-run: held instead.
        results = source if source.seekable() else source.read()
        problems = (verify_v2(manifest, entries, results, progress, _cores()) if isinstance(manifest, ManifestV2)
                    else verify(manifest, entries, results, progress, _cores()))
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(_verified(manifest))
    return 0


def _verified(manifest: Manifest | ManifestV2) -> str:
    from bordercase.ballot.declaration import PROTOCOL
    from bordercase.ballot.manifest_v2 import ManifestV2

    if isinstance(manifest, ManifestV2):
        declared = manifest.declaration
        return (f"OK: round {declared.round} of {declared.scheme} ({PROTOCOL}). The declaration's digest is the "
                f"one drawn from; each of the {len(manifest.secrets)} secrets matches its commitment; the beacon "
                f"signature is {declared.beacon.network}'s for round {declared.beacon.round}, due after the "
                f"declaration was published at {declared.published_at}; the entries are the declared ones; the "
                f"seed is SHA-256(declaration digest ‖ secrets ‖ beacon randomness); and re-running "
                f"{manifest.algorithm} gives the same results.")
    if manifest.method == "ballot":
        return (f"OK: the entries and results match the manifest, the secret matches its commitment, the seed is "
                f"SHA-256(secret ‖ public value), and re-running {manifest.algorithm} gives the same results. Check "
                f"the public value {manifest.public_value!r} against its source as declared before the draw: "
                f"{manifest.public_value_declaration or 'no declaration in the manifest'}.")
    return ("OK: the entries and results match the manifest, and re-running the order of receipt gives the same "
            "results.")
