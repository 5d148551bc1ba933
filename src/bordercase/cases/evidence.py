"""Checking an uploaded file by its content: a PDF that parses, or a PNG or JPEG image that decodes safely.

The name and the content type the browser sent are never trusted: a file is what its bytes are. Every refusal
is an ``InvalidInput`` on the field ``file`` saying what is wrong and what to do next.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from bordercase.cases.errors import InvalidInput

# Larger than any page scanned at 600 dpi (A4 is about 35 million pixels), far smaller than a bomb's billions.
MAX_PIXELS = 50_000_000
_SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
_PIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str


def _refuse(message: str) -> InvalidInput:
    return InvalidInput({"file": message})


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def evidence_check(upload: IO[bytes], size: int, field_label: str = "The file") -> CheckedFile:
    """What the file really is, or ``InvalidInput`` naming the rule it breaks."""
    limit = settings.EVIDENCE_MAX_BYTES
    if size == 0:
        raise _refuse(f"{field_label} is empty: choose the file again, or a different one.")
    if size > limit:
        raise _refuse(f"{field_label} is {_megabytes(size)}; the largest allowed is {_megabytes(limit)}. "
                      "Make it smaller (for example, scan at a lower resolution) and upload it again.")
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
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(content_type, size, digest.hexdigest())


def _check_pdf(upload: IO[bytes], label: str) -> None:
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted:
            raise _refuse(f"{label} is a password-protected PDF, which the assessor could not open. Save a copy "
                          "without a password and upload that.")
        pages = len(reader.pages)
    except InvalidInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise _refuse(f"{label} says it is a PDF but cannot be read as one ({type(exc).__name__}). Save it again "
                      "as a PDF, or print it to PDF, and upload the new file.") from exc
    if pages == 0:
        raise _refuse(f"{label} is a PDF with no pages. Upload the document itself.")


def _check_image(upload: IO[bytes], content_type: str, label: str) -> None:
    unreadable = (f"{label} says it is an image but cannot be read as one: it may be damaged or cut short. "
                  "Save or scan it again and upload the new file.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; here anything over the limit is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise _refuse(f"{label} is an image of {width:,} by {height:,} pixels, more than the "
                                  f"{MAX_PIXELS:,} pixels allowed. Reduce its resolution and upload it again.")
                if image.format != _PIL_FORMATS[content_type]:
                    raise _refuse(unreadable)
                image.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse(f"{label} is an image of more than the {MAX_PIXELS:,} pixels allowed, far larger than "
                      "its file size suggests. Reduce its resolution and upload it again.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refuse(unreadable) from exc
