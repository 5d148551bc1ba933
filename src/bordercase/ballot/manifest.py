"""A round's manifest, the seed and its commitment, and checking a published round with nothing but its files.

The protocol: before the draw the administrator publishes the entries file and its SHA-256, the commitment
SHA-256(secret) to 32 secret random bytes, and the future public value that will be mixed in. At the draw,
seed = SHA-256(secret ‖ public value), so nobody could know the seed before both were fixed: not the
administrator, who did not know the public value, nor anyone else, who did not know the secret.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO

from bordercase.ballot.draw import ALGORITHM, Caps, draw_file, rank_by_receipt
from bordercase.ballot.fields import LOWER_HEX, hex_bytes, is_count, parsed_json
from bordercase.ballot.files import RESULTS_HEADER, BallotFileError, read_entries, result_line, results_csv
from bordercase.ballot.keys import SEED_BYTES, Progress

METHODS = ("ballot", "order_of_receipt")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def commitment(secret: bytes) -> str:
    return sha256_hex(secret)


def seed_from(secret: bytes, public_value: str) -> bytes:
    """SHA-256(secret ‖ UTF-8 of the public value): 32 bytes."""
    return hashlib.sha256(secret + public_value.encode("utf-8")).digest()


@dataclass(frozen=True)
class Manifest:
    """Everything needed to re-run and check a round; published as JSON beside the two files."""

    algorithm: str
    method: str
    places: int
    entries_sha256: str
    results_sha256: str
    category_caps: dict[str, int] = field(default_factory=dict)
    employer_cap: int | None = None
    commitment: str = ""
    secret: str = ""  # hexadecimal, published at the draw
    public_value: str = ""
    seed: str = ""  # hexadecimal
    # Where the public value comes from, as declared before the draw (say, a named drand round): nobody can check a
    # beacon offline, so the manifest carries the declaration for anyone to check the value against it.
    public_value_declaration: str = ""

    @property
    def caps(self) -> Caps:
        return Caps(self.places, dict(self.category_caps), self.employer_cap)

    def to_json(self) -> bytes:
        return (json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """The manifest in these bytes, every field checked for its kind, so that whatever a file holds, checking
        it ends in a message naming what is wrong and never in a failure of the verifier's own."""
        return cls.from_parsed(parsed_json(data))

    @classmethod
    def from_parsed(cls, raw: Any) -> Manifest:
        if not isinstance(raw, dict):
            raise BallotFileError("The manifest must be a JSON object of named fields, as published.")
        known = set(cls.__dataclass_fields__)
        unknown, missing = set(raw) - known, {"algorithm", "method", "places", "entries_sha256",
                                               "results_sha256"} - set(raw)
        if unknown or missing:
            raise BallotFileError(f"The manifest has unknown fields {sorted(unknown)} or lacks {sorted(missing)}.")
        for name in known - {"places", "category_caps", "employer_cap"}:
            if name in raw and not isinstance(raw[name], str):
                raise BallotFileError(f"The manifest's {name} must be text, not {json.dumps(raw[name])[:40]}.")
        for name in _HEX_FIELDS:
            if raw.get(name) and not LOWER_HEX.fullmatch(raw[name]):
                raise BallotFileError(f"The manifest's {name} must be hexadecimal in lower case, as published.")
        caps = raw.get("category_caps", {})
        if not is_count(raw["places"]):
            raise BallotFileError("The manifest's places must be a whole number, 0 or more.")
        if not isinstance(caps, dict) or not all(is_count(v) for v in caps.values()):
            raise BallotFileError("The manifest's category_caps must be an object giving each category a whole "
                                  "number, 0 or more.")
        if raw.get("employer_cap") is not None and not is_count(raw["employer_cap"]):
            raise BallotFileError("The manifest's employer_cap must be a whole number, 0 or more, or null.")
        return cls(**raw)


# The fields that hold digests, secrets and seeds: lower-case hexadecimal, so that one value has one spelling.
_HEX_FIELDS = ("entries_sha256", "results_sha256", "commitment", "secret", "seed")


def verify(manifest: Manifest, entries: bytes, results: bytes | BinaryIO, progress: Progress | None = None,
           workers: int = 1) -> list[str]:
    """Every way the files fail to match the manifest, each saying which check failed; empty when all match."""
    problems = []
    if manifest.algorithm != ALGORITHM:
        problems.append(f"The manifest names algorithm {manifest.algorithm!r}; this verifier runs {ALGORITHM}.")
    if manifest.method not in METHODS:
        problems.append(f"The manifest names method {manifest.method!r}; it must be one of {', '.join(METHODS)}.")
        return problems
    problems += digest_mismatch("entries", entries, manifest.entries_sha256)
    problems += digest_mismatch("results", results, manifest.results_sha256)
    seed = None
    if manifest.method == "ballot":
        secret = hex_bytes(manifest.secret, SEED_BYTES)
        if secret is None:
            problems.append("The manifest's secret is not 32 bytes in hexadecimal: the round may not have been "
                            "drawn yet, or the secret was changed.")
        elif commitment(secret) != manifest.commitment:
            problems.append("The secret does not match the commitment published before the draw: SHA-256 of the "
                            f"secret is {commitment(secret)}, the commitment is {manifest.commitment}.")
        else:
            seed = seed_from(secret, manifest.public_value)
            if seed.hex() != manifest.seed:
                problems.append(f"The seed is not SHA-256(secret ‖ public value): the public value "
                                f"{manifest.public_value!r} gives seed {seed.hex()}, the manifest says "
                                f"{manifest.seed}.")
    if manifest.method == "ballot":
        if seed is None:
            return problems
        # Drawn from the file as columns and compared a piece at a time, as `ballot draw` writes it: twenty million
        # entries are checked in a few gigabytes, where an object for each line would take some twenty.
        try:
            problems.extend(compare_results(draw_file(entries, manifest.caps, seed, progress, workers), results))
        except BallotFileError as exc:
            problems.append(str(exc))
        return problems
    try:
        rerun = results_csv(rank_by_receipt(read_entries(entries), manifest.caps))
    except BallotFileError as exc:
        return [*problems, str(exc)]
    problems.extend(compare_results(iter([rerun]), results))
    return problems


def digest_mismatch(name: str, data: bytes | BinaryIO, expected: str, given_by: str = "manifest") -> list[str]:
    """Nothing when the file's SHA-256 is the one the manifest (or the declaration) gives; else what is wrong.

    The file is read a piece at a time from its start, and left at its start again."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    digest = hashlib.sha256()
    source.seek(0)
    for chunk in iter(lambda: source.read(1 << 20), b""):
        digest.update(chunk)
    source.seek(0)
    found = digest.hexdigest()
    if found == expected:
        return []
    how = "declared" if given_by == "declaration" else "published"
    return [f"The {name} file is not the one {how}: its SHA-256 is {found}, the {given_by}'s {name}_sha256 is "
            f"{expected}."]


def compare_results(rerun: Iterator[bytes], published: bytes | BinaryIO) -> list[str]:
    """How the results re-run differ from the published ones, if they do: the first line that differs.

    The published file is read as the re-run comes, a piece of the one against a piece of the other, so that
    neither is held whole: twenty million rows are some 900 MB.
    """
    source = io.BytesIO(published) if isinstance(published, bytes) else published
    # The published lines before ``tail``, the line the pieces so far have begun and not ended.
    lines, tail = 0, b""
    for piece in rerun:
        theirs = source.read(len(piece))
        if theirs != piece:
            # The first byte that differs, or where the published file ends.
            differs = next((i for i, (a, b) in enumerate(zip(piece, theirs, strict=False)) if a != b), len(theirs))
            window = tail + theirs + _rest_of_line(source, theirs[differs:])
            return [_difference(window, lines, len(tail) + differs, piece[differs:], rerun)]
        cut = piece.rfind(b"\n") + 1
        lines, tail = (lines + piece.count(b"\n"), piece[cut:]) if cut else (lines, tail + piece)
    more = source.read(1)
    return [] if not more else [_difference(tail + more + _rest_of_line(source, more), lines, len(tail), b"", rerun)]


def _rest_of_line(source: BinaryIO, read: bytes) -> bytes:
    """What follows in ``source`` up to the end of the line ``read`` ends in (nothing if it ended one)."""
    more = bytearray()
    while b"\n" not in read and b"\n" not in more:
        chunk = source.read(4096)
        if not chunk:
            break
        more += chunk
    return bytes(more)


def _difference(published: bytes, lines: int, differs: int, rest: bytes, rerun: Iterator[bytes]) -> str:
    """What is wrong with results that agree with the re-run up to byte ``differs`` of ``published``, a window of
    the published file that starts at a line's start after ``lines`` lines and ends at a line's end or the file's;
    ``rest``, then what is left of ``rerun``, is the re-run from there."""
    start = published.rfind(b"\n", 0, differs) + 1  # the line both have the beginning of
    number = lines + published.count(b"\n", 0, start) + 1
    end = published.find(b"\n", start)
    theirs = published[start:end if end >= 0 else len(published)]
    following = bytearray(rest)
    for piece in rerun:
        if b"\n" in following:
            break
        following += piece
    mine = published[start:differs] + bytes(following).split(b"\n", 1)[0]
    if number == 1:
        return (f"Line 1 of the results file is {theirs.decode('utf-8', 'replace')!r}; it must be the header "
                f"{RESULTS_HEADER!r}.")
    if not mine:
        return f"The results file has more rows than re-running the draw gives: its line {number} is one too many."
    if not theirs and differs >= len(published):
        return f"The results file ends after line {number - 1}; re-running the draw gives more rows."
    try:
        found = result_line(number, theirs.decode("utf-8"))
    except UnicodeDecodeError:
        return f"Line {number} of the results file is not UTF-8: no draw writes such a file."
    except BallotFileError as exc:
        return str(exc)
    drawn = result_line(number, mine.decode("utf-8"))
    return (f"The results differ from a re-run of the draw at rank {drawn.rank}: the file has {found.entry_id} "
            f"{found.status.value}, the re-run {drawn.entry_id} {drawn.status.value}.")
