"""Checking an uploaded file by its content: a PDF that parses and runs nothing, or a PNG or JPEG that decodes safely;
and, where a virus scanner is configured (BORDERCASE_CLAMAV, bordercase.lib.scanning), one it finds no virus in.

The name, the content type and the size the client sent are never trusted: a file is what its bytes are. Every
refusal is an ``InvalidInput`` on the field ``file`` saying which rule it breaks and what to do next.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image
from pypdf import PdfReader

from bordercase.lib import pdf_content, scanning
from bordercase.lib.errors import InvalidInput

logger = logging.getLogger("bordercase.evidence")
CHUNK = 1024 * 1024
_SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
# Pillow is asked to try only the decoder the first bytes name. Phones and cameras write JPEGs with more pictures
# in them, which that decoder reports as MPO; the first picture is an ordinary JPEG.
_PIL_DECODERS = {"image/png": "PNG", "image/jpeg": "JPEG"}
_PIL_FORMATS = {"image/png": ("PNG",), "image/jpeg": ("JPEG", "MPO")}
_NAMES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
_EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg")}
# Markup a browser would run if it ever took the file for a web page (a polyglot: a PDF or an image that is also
# HTML or SVG). No scan, photo or printed document has any, so any is refused, in every kind of file alike. Chance
# bytes in compressed data spell one of these about once in 20 GB, as the tag must be followed by a separator.
_MARKUP = re.compile(rb"<(!doctype[\x00\t\n\f\r ]+html|html|head|body|script|iframe|svg|object|embed)"
                     rb"(?=[\x00\t\n\f\r />])", re.IGNORECASE)
_MARKUP_MARGIN = 64


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str


def _refuse(message: str) -> InvalidInput:
    return InvalidInput({"file": message})


def amount(size: int) -> str:
    """A size as a person reads it: 12.3 MB, 800 KB, 1,000 bytes."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{size:,} bytes"


def evidence_check(upload: IO[bytes], field_label: str = "The file") -> CheckedFile:
    """What the file really is, or ``InvalidInput`` naming the rule it breaks."""
    limit: int = settings.EVIDENCE_MAX_BYTES
    size, sha256, markup = _measure(upload, limit)
    if size == 0:
        raise _refuse(f"{field_label} is empty: choose the file again, or a different one.")
    if size > limit:
        # Reading stopped just past the limit; the size the upload reports is only used to say by how much.
        size = max(size, getattr(upload, "size", None) or 0)
        shown = f"just over {amount(limit)}" if amount(size) == amount(limit) else amount(size)
        raise _refuse(f"{field_label} is {shown}; the largest allowed is {amount(limit)}. Make it smaller (for "
                      "example, scan at a lower resolution or in black and white) and upload it again.")
    # Before anything parses the file: a virus aimed at a PDF or image library is refused before it reaches one.
    _scan(upload, field_label, sha256)
    upload.seek(0)
    head = upload.read(16)
    content_type = next((kind for magic, kind in _SIGNATURES if head.startswith(magic)), None)
    if content_type is None:
        raise _refuse(f"{field_label} must be a PDF, PNG or JPEG: this one is another kind of file, whatever its "
                      "name says. Save or scan it as a PDF and upload that.")
    name = _NAMES[content_type]
    if markup:
        again = ("Print it to a new PDF" if content_type == "application/pdf"
                 else f"Save or scan it again as a new {name}")
        raise _refuse(f"{field_label} is a {name} that also carries web page markup ({markup}), which a browser "
                      f"could run. {again} and upload that.")
    upload.seek(0)
    if content_type == "application/pdf":
        _check_pdf(upload, field_label)
    else:
        _check_image(upload, content_type, field_label)
    upload.seek(0)
    return CheckedFile(content_type, size, sha256)


def _scan(upload: IO[bytes], label: str, sha256: str) -> None:
    """Refuse the file if the virus scanner, where one is configured, finds a virus in it or cannot be asked."""
    daemon = scanning.configured()
    if daemon is None:
        return
    try:
        virus = scanning.virus_in(upload, daemon)
    except scanning.Unscanned as exc:
        logger.error("Upload %s refused unscanned: %s", sha256, exc)
        if exc.too_large:
            raise _refuse(f"{label} could not be checked for viruses: it is larger than the virus scanner takes. Make "
                          "it smaller (for example, scan at a lower resolution or in black and white) and upload it "
                          "again.") from exc
        raise _refuse(f"{label} could not be checked for viruses just now, so it has not been kept. Try again in a "
                      "few minutes; if it happens again, tell the people who run bordercase for your "
                      "organisation.") from exc
    if virus is not None:
        logger.warning("Upload %s refused: the virus scanner found %s in it", sha256, virus)
        raise _refuse(f"{label} contains a virus ({virus}): check your computer and upload a clean copy.")


def download_name(name: str, content_type: str) -> str:
    """The name to download a file under: the uploader's, ending as what the file really is.

    A PDF uploaded as "agreement.html" would otherwise be saved as a web page and opened by a browser as one.
    """
    extensions = _EXTENSIONS.get(content_type)
    if extensions is None or name.lower().endswith(extensions):
        return name
    stem, dot, extension = name.rpartition(".")
    # Another of the accepted kinds' extensions is simply wrong (a PNG named .jpg); any other is kept, so it shows.
    known = dot and f".{extension.lower()}" in {e for kind in _EXTENSIONS.values() for e in kind}
    return (stem if known else name) + extensions[0]


def _measure(upload: IO[bytes], limit: int) -> tuple[int, str, str | None]:
    """The size and SHA-256 of the bytes themselves, and the first web page markup in them, read in chunks and never
    more than one chunk past the limit."""
    upload.seek(0)
    digest, size, tail, markup = hashlib.sha256(), 0, b"", None
    while size <= limit:
        chunk = upload.read(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
        if markup is None:
            # The end of the last chunk is searched again with this one, so a tag cut between them is found.
            found = _MARKUP.search(tail + chunk)
            markup = f"<{found[1].decode('ascii').lower()}>" if found else None
            tail = chunk[-_MARKUP_MARGIN:]
    return size, digest.hexdigest(), markup


def _check_pdf(upload: IO[bytes], label: str) -> None:
    try:
        reader = PdfReader(upload, strict=False)
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
    # A damaged PDF makes pypdf raise almost anything (its own errors, AttributeError, RecursionError, ...):
    # whatever it raises, the file is not a PDF anyone can read.
    except Exception as exc:
        raise _refuse(f"{label} says it is a PDF but cannot be read as one ({type(exc).__name__}). Save it again "
                      "as a PDF, or print it to PDF, and upload the new file.") from exc
    if encrypted:
        # Even a PDF that opens without a password can be encrypted to lock printing or copying, which would
        # stop the assessor working with it; an unprotected copy is always possible.
        raise _refuse(f"{label} is a protected (encrypted) PDF. Save or print an unprotected copy, without a "
                      "password or restrictions, and upload that.")
    if pages == 0:
        raise _refuse(f"{label} is a PDF with no pages. Open it to check it is the right document, then upload "
                      "the document itself.")
    try:
        found = pdf_content.active_content(upload, reader)
    except pdf_content.TooComplex as exc:
        raise _refuse(f"{label} is a PDF with more parts than can be checked (more than "
                      f"{pdf_content.MAX_OBJECTS:,} objects, or too much packed in them). Print it to a new PDF, or "
                      "upload only the pages needed.") from exc
    except Exception as exc:  # as above: what pypdf cannot decode, no one can check
        raise _refuse(f"{label} says it is a PDF but cannot be read as one ({type(exc).__name__}). Save it again "
                      "as a PDF, or print it to PDF, and upload the new file.") from exc
    if found is not None and found.attachments:
        raise _refuse(f"{label} is a PDF with other files attached to it. Upload each document on its own: print "
                      "this one to a new PDF, which leaves the attachments out, and upload that.")
    if found is not None:
        raise _refuse(f"{label} contains active content ({found.what}), which evidence may not have. Print it to a "
                      "new PDF, or save it as PDF/A, and upload that.")


def _check_image(upload: IO[bytes], content_type: str, label: str) -> None:
    name, limit = _NAMES[content_type], settings.EVIDENCE_MAX_PIXELS
    unreadable = (f"{label} starts like a {name} image but cannot be read as one: it may be damaged or cut short. "
                  "Save or scan it again and upload the new file.")

    def too_big(what: str) -> InvalidInput:
        return _refuse(f"{label} is an image of {what}, more than the {limit:,} pixels allowed. Reduce its "
                       "resolution (for example, scan at 300 dpi) and upload it again.")

    decoder, formats = [_PIL_DECODERS[content_type]], _PIL_FORMATS[content_type]
    try:
        # Opening reads only the header: the pixel count is checked here, before anything is decoded. Pillow's
        # own bomb check is global and lenient (it only warns up to twice its limit), so it is not relied on.
        with Image.open(upload, formats=decoder) as image:
            width, height = image.size
            if width * height > limit:
                raise too_big(f"{width:,} by {height:,} pixels")
            if image.format not in formats:
                raise _refuse(unreadable)
            image.verify()
        # verify() checks a PNG's chunks but decodes nothing, and a JPEG's not at all: only decoding finds a file cut
        # short. A JPEG is decoded at an eighth of its width and height (a 64th of the memory): libjpeg scales while
        # decoding, still reading every entropy-coded segment to its end, so damage is found all the same.
        upload.seek(0)
        with Image.open(upload, formats=decoder) as image:
            if image.format in _PIL_FORMATS["image/jpeg"]:
                image.draft(None, (max(1, width // 8), max(1, height // 8)))
            image.load()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Raised by Pillow's check when the header claims far more pixels than ours allows (or, under a
        # warnings filter that makes warnings errors, a little more).
        raise too_big("far more pixels than its file size suggests") from exc
    # Damaged images make Pillow raise many kinds of error (OSError, SyntaxError, struct.error, ...).
    except Exception as exc:
        raise _refuse(unreadable) from exc
