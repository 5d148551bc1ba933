"""Active content in a PDF: anything a reader would run, launch, send or open by itself, found without running it.

Evidence is read by people, so a PDF needs none of it, and each is a way to attack the assessor who opens the file:
JavaScript, actions that run when the file or a page is opened (``/OpenAction``, ``/AA``), launching programs,
forms that send or load data, links into other files, embedded media, XFA forms and attached files.

Two looks, because either alone can be fooled:

- pypdf's object model, over every object the cross-reference tables list (not only those reachable from the
  catalogue), including the objects packed in compressed object streams;
- the raw bytes, read in chunks, for the same names, so that an object outside the cross-reference table (which
  pypdf never reads but a lenient reader may find by scanning) is seen too. Names are compared exactly (readers
  treat them as case-sensitive) after undoing ``#xx`` escapes (``/J#61vaScript`` is ``/JavaScript``), wherever
  they are, strings and comments included: a false alarm there costs a re-save, a miss much more. The data of a
  compressed stream is skipped, as chance bytes in it would spell ``/JS`` or ``/AA`` in some large scans; what such
  a stream holds that a reader treats as syntax (an object stream's objects) is read through pypdf's decoding,
  which has its own output limits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject, StreamObject

CHUNK = 1024 * 1024
# Far more objects than evidence needs (a scanned page takes a handful), few enough that reading each one through
# pypdf (some 60 microseconds apiece) stays within a few seconds.
MAX_OBJECTS = 50_000
# What object streams may decode to in all: far more than a 10 MB file's objects take, far less than a bomb's.
MAX_DECODED = 64 * 1024 * 1024

ATTACHMENTS = "attached files"
# Each name, as a reader would act on it, and what it is in words.
_ACTIVE: dict[bytes, str] = {
    b"JavaScript": "JavaScript",
    b"JS": "JavaScript",
    b"AA": "actions that run by themselves, such as when a page opens",
    b"Launch": "an action that starts another program",
    b"SubmitForm": "a form that sends data elsewhere",
    b"ImportData": "a form that loads data from elsewhere",
    b"GoToR": "a link that opens another file",
    b"GoToE": "a link that opens an attached file",
    b"RichMedia": "embedded media",
    b"XFA": "an XFA form",
    b"EmbeddedFiles": ATTACHMENTS,
    b"EmbeddedFile": ATTACHMENTS,
    b"EF": ATTACHMENTS,
    b"FileAttachment": ATTACHMENTS,
}
_ACTIVE_KEYS = {"/" + name.decode(): what for name, what in _ACTIVE.items()}  # as pypdf spells names
OPENING_ACTION = "an action that runs when it is opened"

_WS = rb"\x00\t\n\f\r "
_REGULAR = rb"[^\x00\t\n\f\r ()<>\[\]{}/%]"
# Tokens are bounded so that any token starting before a chunk's margin ends inside the chunk.
_MARGIN = 512
_TOKEN = re.compile(
    # The lookahead on the first byte lets the regex engine skip quickly past bytes that start no token.
    rb"(?=[/>eo])(?:"
    rb"(?P<name>/" + _REGULAR + rb"{0,200})"
    rb"|(?P<stream>>>[" + _WS + rb"]{0,64}stream(?:\r\n|\r|\n))"
    rb"|(?P<endstream>endstream)"
    rb"|(?P<endobj>endobj)"
    # An object's header ("12 0 obj"); the numbers before it are not matched, as that would cost a try at every digit.
    rb"|(?<=[" + _WS + rb"])(?P<obj>obj)(?!" + _REGULAR + rb"))"
)
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class TooComplex(Exception):
    """The file has more objects, or object streams decoding to more, than the check reads."""


@dataclass(frozen=True)
class Finding:
    what: str  # in words, for the refusal: "JavaScript", "attached files", ...

    @property
    def attachments(self) -> bool:
        return self.what == ATTACHMENTS


def active_content(upload: IO[bytes], reader: PdfReader) -> Finding | None:
    """The first active content found in the file, or None; the reader is pypdf's, already opened on ``upload``."""
    upload.seek(0)
    return _in_bytes(iter(lambda: upload.read(CHUNK), b"")) or _in_objects(reader)


def _name(token: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), token) if b"#" in token else token


def _in_bytes(chunks: Iterable[bytes], all_syntax: bool = False) -> Finding | None:
    """Active names in raw PDF bytes, skipping the data of compressed streams (unless ``all_syntax``).

    A name met inside a compressed stream's data is held back rather than dropped: if the "stream" ends in an
    ``endobj`` or a new object's header instead of ``endstream``, it was no stream (a ``>> stream`` written in a
    comment or a string to hide what follows), and what was held back counts after all.
    """
    held: bytes | None = None
    filtered = skipping = False
    carry = b""
    pending = iter(chunks)
    chunk = next(pending, b"")
    while chunk:
        following = next(pending, b"")
        buffer = carry + chunk
        # Only tokens that start before the margin are taken now: those after it may be cut by the chunk's end.
        cutoff = len(buffer) - _MARGIN if following else len(buffer)
        end = 0
        for match in _TOKEN.finditer(buffer):
            if match.start() >= cutoff:
                break
            end = match.end()
            kind = match.lastgroup
            if kind == "name":
                name = _name(match[0][1:])
                if name in _ACTIVE and not skipping:
                    return Finding(_ACTIVE[name])
                if name in _ACTIVE:
                    held = held or name
                elif name == b"Filter" and not skipping:
                    filtered = True
            elif kind == "stream":
                if not skipping:
                    skipping, filtered = filtered and not all_syntax, False
            elif kind == "endstream":
                skipping, filtered, held = False, False, None
            else:  # endobj, or an object's header: a compressed stream's data holds neither
                if held:
                    return Finding(_ACTIVE[held])
                skipping = filtered = False
        carry = buffer[max(cutoff, end):]
        chunk = following
    return Finding(_ACTIVE[held]) if held else None


def _in_objects(reader: PdfReader) -> Finding | None:
    """Active content in every object the cross-reference tables list, read through pypdf."""
    numbers = [(number, generation) for generation, entries in reader.xref.items() for number in entries]
    numbers += [(number, 0) for number in reader.xref_objStm]
    if len(numbers) > MAX_OBJECTS:
        raise TooComplex(f"{len(numbers):,} objects")
    decoded = 0
    for obj in (reader.trailer, *_objects(reader, numbers)):
        if isinstance(obj, StreamObject) and obj.get("/Type") == "/ObjStm":
            # Every object packed in the stream, listed or not: a lenient reader rebuilding a damaged file may use
            # one the cross-reference stream leaves out.
            data = obj.get_data()
            decoded += len(data)
            if decoded > MAX_DECODED:
                raise TooComplex("object streams too large")
            found = _in_bytes([data], all_syntax=True)
            if found:
                return found
        found = _in_object(obj)
        if found:
            return found
    return None


def _objects(reader: PdfReader, numbers: list[tuple[int, int]]) -> Iterator[PdfObject]:
    for number, generation in numbers:
        try:
            yield IndirectObject(number, generation, reader).get_object()
        # An object pypdf cannot parse is no object to pypdf; a reader that parses it leniently finds its names in
        # the raw bytes, which were read already (or, inside an object stream, in that stream's data).
        except Exception:  # noqa: S112
            continue


def _in_object(root: PdfObject) -> Finding | None:
    """Active names in one object's dictionaries and arrays; references are not followed (each object is visited)."""
    stack: list[PdfObject] = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, NameObject):
            if obj in _ACTIVE_KEYS:
                return Finding(_ACTIVE_KEYS[obj])
        elif isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                if key in _ACTIVE_KEYS:
                    return Finding(_ACTIVE_KEYS[key])
                if key == "/OpenAction" and _is_action(value):
                    return Finding(OPENING_ACTION)
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None


def _is_action(value: PdfObject) -> bool:
    """An /OpenAction that does something, rather than choose the page and view shown first.

    A destination (an array, or a name or string naming one) and a plain GoTo action only choose the first view,
    and many PDF writers add one; any other action, or a GoTo with a /Next chained to it, runs something.
    """
    try:
        value = value.get_object()
    except Exception:
        return True  # an opening action that cannot be read cannot be shown to be harmless
    if not isinstance(value, DictionaryObject):
        return False
    return value.get("/S") != "/GoTo" or "/Next" in value
