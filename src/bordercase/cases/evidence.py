"""Checking an uploaded file by its content: a PDF that parses, or a PNG or JPEG image that decodes safely.

The name, the content type and the size the client sent are never trusted: a file is what its bytes are. Every
refusal is an ``InvalidInput`` on the field ``file`` saying which rule it breaks and what to do next.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image
from pypdf import PdfReader

from bordercase.cases.errors import InvalidInput

# Larger than any page scanned at 600 dpi (A4 is about 35 million pixels), far smaller than a bomb's billions.
MAX_PIXELS = 50_000_000
CHUNK = 1024 * 1024
_SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
# Pillow is asked to try only the decoder the first bytes name. Phones and cameras write JPEGs with more pictures
# in them, which that decoder reports as MPO; the first picture is an ordinary JPEG.
_PIL_DECODERS = {"image/png": "PNG", "image/jpeg": "JPEG"}
_PIL_FORMATS = {"image/png": ("PNG",), "image/jpeg": ("JPEG", "MPO")}
_NAMES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


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
    size, sha256 = _measure(upload, limit)
    if size == 0:
        raise _refuse(f"{field_label} is empty: choose the file again, or a different one.")
    if size > limit:
        # Reading stopped just past the limit; the size the upload reports is only used to say by how much.
        size = max(size, getattr(upload, "size", None) or 0)
        shown = f"just over {amount(limit)}" if amount(size) == amount(limit) else amount(size)
        raise _refuse(f"{field_label} is {shown}; the largest allowed is {amount(limit)}. Make it smaller (for "
                      "example, scan at a lower resolution or in black and white) and upload it again.")
    upload.seek(0)
    head = upload.read(16)
    content_type = next((kind for magic, kind in _SIGNATURES if head.startswith(magic)), None)
    if content_type is None:
        raise _refuse(f"{field_label} must be a PDF, PNG or JPEG: this one is another kind of file, whatever its "
                      "name says. Save or scan it as a PDF and upload that.")
    upload.seek(0)
    if content_type == "application/pdf":
        _check_pdf(upload, field_label)
    else:
        _check_image(upload, content_type, field_label)
    upload.seek(0)
    return CheckedFile(content_type, size, sha256)


def _measure(upload: IO[bytes], limit: int) -> tuple[int, str]:
    """The size and SHA-256 of the bytes themselves, read in chunks and never more than one chunk past the limit."""
    upload.seek(0)
    digest, size = hashlib.sha256(), 0
    while size <= limit:
        chunk = upload.read(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


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


def _check_image(upload: IO[bytes], content_type: str, label: str) -> None:
    name = _NAMES[content_type]
    unreadable = (f"{label} starts like a {name} image but cannot be read as one: it may be damaged or cut short. "
                  "Save or scan it again and upload the new file.")

    def too_big(what: str) -> InvalidInput:
        return _refuse(f"{label} is an image of {what}, more than the {MAX_PIXELS:,} pixels allowed. Reduce its "
                       "resolution (for example, scan at 300 dpi) and upload it again.")

    decoder, formats = [_PIL_DECODERS[content_type]], _PIL_FORMATS[content_type]
    try:
        # Opening reads only the header: the pixel count is checked here, before anything is decoded. Pillow's
        # own bomb check is global and lenient (it only warns up to twice its limit), so it is not relied on.
        with Image.open(upload, formats=decoder) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise too_big(f"{width:,} by {height:,} pixels")
            if image.format not in formats:
                raise _refuse(unreadable)
            image.verify()
        # verify() checks a PNG's chunks but decodes nothing, and a JPEG's not at all: only decoding every pixel
        # finds a file cut short.
        upload.seek(0)
        with Image.open(upload, formats=decoder) as image:
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
