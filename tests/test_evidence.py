"""Evidence uploads: checked by their content, refused with a reason and a next step, and nothing stored then."""

from __future__ import annotations

import hashlib
import html
import io
import json
import random
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from PIL import Image, ImageFile, JpegImagePlugin
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, PdfObject, TextStringObject

from bordercase.accounts.models import User
from bordercase.cases.models import Document, Request
from bordercase.cases.services import documents as documents_service
from bordercase.cases.services.documents import document_add, document_remove, documents_of
from bordercase.immigration.services import travel
from bordercase.lib.errors import InvalidInput, NotEditable, Refused
from bordercase.lib.evidence import _NAMES, CHUNK, amount, download_name, evidence_check
from bordercase.lib.pdf_content import _in_bytes, _in_objects
from tests.conftest import World, signed_in
from tests.travel_support import OEW, filled, invited, travel_of, worker_of
from tests.walking import walk

MakeRequest = Callable[..., Request]
KIND = "employment_agreement"


# --- files made here, byte by byte --------------------------------------------------------------------------------


def pdf_bytes(pages: int = 1, password: str | None = None, owner_only: bool = False) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if owner_only:
        writer.encrypt(user_password="", owner_password="owner")  # opens without a password, locks copying
    elif password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(kind: str, size: tuple[int, int] = (60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format=kind)
    return out.getvalue()


def multi_picture_jpeg() -> bytes:
    """A JPEG with a second picture inside, as phones write them; Pillow calls it MPO."""
    out = io.BytesIO()
    first, second = Image.new("RGB", (60, 40), "red"), Image.new("RGB", (60, 40), "blue")
    first.save(out, format="MPO", save_all=True, append_images=[second])
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A few hundred bytes whose header claims 900 million pixels: opening it naively would take gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (width + 1) * 4)  # a few rows; the header is what a bomb check must read
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


def png_with_a_damaged_chunk() -> bytes:
    good = bytearray(image_bytes("PNG", (40, 40)))
    idat = good.index(b"IDAT")
    good[idat + 6] ^= 0xFF  # inside the compressed pixels, so the chunk's checksum no longer matches
    return bytes(good)


def noisy_jpeg() -> bytes:
    """A photo-like JPEG: noise does not compress, so half the file is half the picture's data."""
    pixels = random.Random(3).randbytes(400 * 300 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (400, 300), pixels).save(out, format="JPEG", quality=90)
    return out.getvalue()


def png_with_a_damaged_chunk_after_its_pixels() -> bytes:
    """The pixels decode; only checking every chunk (verify) finds the damage."""
    good = image_bytes("PNG", (40, 40))
    end = good.rindex(b"IEND") - 4
    data = b"tEXt" + b"Comment\x00scanned"
    bad_crc = struct.pack(">I", zlib.crc32(data) ^ 1)
    return good[:end] + struct.pack(">I", len(data) - 4) + data + bad_crc + good[end:]


def pdf_from_objects(objects: list[str], unlisted: bytes = b"") -> bytes:
    """A hand-written PDF (object 1 the catalogue) with a correct cross-reference table, and ``unlisted`` bytes
    after the objects that the table does not point into."""
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    out += unlisted
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


# Found by fuzzing pypdf's own output: damage that makes pypdf raise LimitReachedError and AttributeError, not
# PdfReadError. They once escaped the check as a server error.
FUZZED_PDF_LIMIT = (
    b"%PDF-1.3\n%\xe2\xe3\xcf`\n1 0 obj\n<<\n/Producer (pypdf)\n>>\ne\xe2dobj\n2 0 obj\n<\xe0\n/Type /Pages\n"
    b"/Count 1\n/Kids [ 4 0 R ]\n\x06>\nendobj\n3 0 obj\n<<\n/Type /Catalog\n/Pages 2 0 R\n>>\ne\x85dobj54 0 obj\n"
    b"<<\n/Type /Page\n/Resources <<\n>>\n/MediaBox [ 0.0 0.0 100 100 ]\n/Parent 2 0 R\n>>\nendobj\nxref\n0 5\n"
    b"0000000000 65535 f \n0000000015 000M03n \n0000000054 00000 n \n0000000113 00000 n \n0000000162 \xaa00\xb80 n \n"
    b"trailer\n<<\n/Size 5\n/Ro,t 3 0 R\n/Info 1 0 R\n>\x0c\nstartxref\n256\n%%EOF\n"
)
FUZZED_PDF_ATTRIBUTE = (
    b"%PDF-1.3\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<\n/Prod\x15cer (pypdf)\n>>\nendobj\n2 0 \x1ebj\n<<\n/TBpe /Pages\n"
    b"/Count\x981\n/Kids [ 4 0 R ]\n>>\nendobj\n\xe0 0 obj\n<<\n/Type /Catalog\n/Pages 2 0 R\n>>\nendobj\n4 0 obj\n"
    b"<<\n/Type /Page\n/Resources <<\n>>\n/MediaBox [ 0.0F0.0 100 100 ]\n/Parent 2 0 R\n>>\nendobj\nxref\n0 5\n"
    b"0000000000 65\xf635 T \n0000000015 00000 n \n0000000054 000]0 n \n0000000113 00000 n \n0000000162 00000 n \n"
    b"trailer+<<\n/Size 5\n/Root 3 0 R\n/Info 1 0 R\n>>\nstartxref\n256\n%%EOF\n"
)


def upload(name: str, content: bytes, claimed: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=claimed)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- accepted -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "claimed", "found"), [
    ("agreement.pdf", pdf_bytes(2), "application/pdf", "application/pdf"),
    ("scan.png", image_bytes("PNG"), "image/png", "image/png"),
    ("photo.jpg", image_bytes("JPEG"), "image/jpeg", "image/jpeg"),
    ("phone.jpg", multi_picture_jpeg(), "image/jpeg", "image/jpeg"),
    # The content decides, not the name or the type the browser claimed.
    ("photo.jpg", image_bytes("PNG"), "image/jpeg", "image/png"),
    ("agreement", pdf_bytes(), "application/octet-stream", "application/pdf"),
    ("scan.pdf", image_bytes("JPEG"), "application/pdf", "image/jpeg"),
])
def test_a_pdf_png_or_jpeg_is_stored_as_what_its_content_is(
    world: World, make_request: MakeRequest, media: Path, name: str, content: bytes, claimed: str, found: str
) -> None:
    draft = make_request()
    document = document_add(request=draft, kind=KIND, upload=upload(name, content, claimed), by=world.employer_a)
    document.refresh_from_db()
    assert (document.content_type, document.size, document.original_name) == (found, len(content), name)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert (document.uploaded_by, document.kind) == (world.employer_a, KIND)
    [path] = stored_files(media)
    assert path.read_bytes() == content and name not in str(path)  # stored under a name of bordercase's choosing
    assert list(documents_of(draft)) == [document]


def test_adding_and_removing_evidence_appends_no_event(
    world: World, make_request: MakeRequest, media: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    draft = make_request()
    before = (draft.events.count(), draft.events_head_hash)
    document = document_add(request=draft, kind=KIND, upload=upload("a.pdf", pdf_bytes()), by=world.employer_a)
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(document=document, by=world.employer_a)
    draft.refresh_from_db()
    assert (draft.events.count(), draft.events_head_hash) == before


@pytest.mark.parametrize(("sent", "kept"), [
    ("..\\..\\etc/agreement.pdf", "agreement.pdf"),
    ("C:\\Users\\aroha\\Desktop\\agreement.pdf", "agreement.pdf"),
    ('my "agreement"\r\nX-Injected: 1.pdf', 'my "agreement"X-Injected: 1.pdf'),
    ("exe.\u202egpj.pdf", "exe.gpj.pdf"),  # a right-to-left override would make the name read backwards
    ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ("\n", "evidence"),
])
def test_the_uploaded_name_keeps_only_a_safe_file_name(
    world: World, make_request: MakeRequest, media: Path, sent: str, kept: str
) -> None:
    file = upload("a.pdf", pdf_bytes())
    file._name = sent  # type: ignore[attr-defined]  # as a client could send it, before Django's own clean-up
    document = document_add(request=make_request(), kind=KIND, upload=file, by=world.employer_a)
    assert document.original_name == kept and len(document.original_name) <= 255


def test_the_size_is_measured_not_taken_from_the_upload(settings: Any) -> None:
    settings.EVIDENCE_MAX_BYTES = 1000
    content = b"%PDF-1.4\n" + b"0" * 5000
    lying = upload("small.pdf", content)
    lying.size = 10
    with pytest.raises(InvalidInput) as info:
        evidence_check(lying)
    assert "the largest allowed is 1,000 bytes" in info.value.errors["file"]
    honest = upload("agreement.pdf", pdf_bytes())
    honest.size = 999_999
    assert evidence_check(honest).size == len(pdf_bytes())


class CountingFile(io.BytesIO):
    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_an_oversized_file_is_not_read_to_its_end(settings: Any) -> None:
    settings.EVIDENCE_MAX_BYTES = 1000
    huge = CountingFile(b"%PDF-1.4\n" + b"0" * (20 * CHUNK))
    with pytest.raises(InvalidInput):
        evidence_check(huge)
    assert huge.bytes_read <= CHUNK + 1000


def test_the_default_limit_is_ten_megabytes(settings: Any) -> None:
    assert settings.EVIDENCE_MAX_BYTES == 10 * 1024 * 1024


# --- refused ------------------------------------------------------------------------------------------------------

# (case, name, content, the rule's words, the words saying what to do next)
REFUSALS: list[tuple[str, str, bytes, str, str]] = [
    ("empty", "a.pdf", b"", "is empty", "choose the file again"),
    ("an executable named .pdf", "agreement.pdf", b"MZ\x90\x00" + b"\x00" * 200, "must be a PDF, PNG or JPEG",
     "Save or scan it as a PDF"),
    ("a zip named .pdf", "agreement.pdf", b"PK\x03\x04" + b"\x00" * 200, "must be a PDF, PNG or JPEG",
     "Save or scan it as a PDF"),
    ("a web page named .png", "scan.png", b"<html><script>alert(1)</script></html>", "must be a PDF, PNG or JPEG",
     "Save or scan it as a PDF"),
    ("a PDF signature at the wrong place", "a.pdf", b" %PDF-1.4\n" + pdf_bytes(), "must be a PDF, PNG or JPEG",
     "Save or scan it as a PDF"),
    ("a PDF that does not parse", "broken.pdf", b"%PDF-1.4 garbage", "cannot be read as one", "print it to PDF"),
    ("a PDF whose pages contain themselves", "loop.pdf",
     pdf_from_objects(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]),
     "cannot be read as one", "print it to PDF"),
    ("a PDF damaged past pypdf's limits", "a.pdf", FUZZED_PDF_LIMIT, "cannot be read as one", "print it to PDF"),
    ("a PDF damaged into the wrong objects", "a.pdf", FUZZED_PDF_ATTRIBUTE, "cannot be read as one",
     "print it to PDF"),
    ("a PDF with no pages", "empty.pdf", pdf_bytes(pages=0), "a PDF with no pages", "upload the document itself"),
    ("a password-protected PDF", "locked.pdf", pdf_bytes(password="secret"), "protected (encrypted) PDF",
     "upload that"),
    ("a PDF locked against copying", "locked.pdf", pdf_bytes(owner_only=True), "protected (encrypted) PDF",
     "unprotected copy"),
    ("a truncated PNG", "cut.png", image_bytes("PNG", (400, 300))[:120], "cannot be read as one",
     "Save or scan it again"),
    ("a truncated JPEG", "cut.jpg", image_bytes("JPEG", (400, 300))[:300], "cannot be read as one",
     "Save or scan it again"),
    ("a PNG with a damaged chunk", "bad.png", png_with_a_damaged_chunk(), "cannot be read as one",
     "Save or scan it again"),
    ("a JPEG cut off halfway", "cut.jpg", noisy_jpeg()[:50_000], "cannot be read as one", "Save or scan it again"),
    ("a PNG with a damaged chunk after its pixels", "bad.png", png_with_a_damaged_chunk_after_its_pixels(),
     "cannot be read as one", "Save or scan it again"),
    ("a JPEG signature on something else", "a.jpg", b"\xff\xd8\xff\xe0" + b"not a picture" * 20,
     "starts like a JPEG image but cannot be read as one", "Save or scan it again"),
    ("a PNG signature on a JPEG", "a.png", b"\x89PNG\r\n\x1a\n" + image_bytes("JPEG"),
     "starts like a PNG image but cannot be read as one", "Save or scan it again"),
    ("an image bomb", "bomb.png", png_bomb(), "more than the 20,000,000 pixels allowed", "Reduce its resolution"),
    ("an image of 7,000 by 7,000 pixels", "wide.png", png_bomb(7_000, 7_000), "7,000 by 7,000 pixels",
     "Reduce its resolution"),
]


@pytest.mark.parametrize(("name", "content", "rule", "next_step"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_a_bad_file_is_refused_with_what_to_do_and_nothing_is_stored(
    world: World, make_request: MakeRequest, media: Path, name: str, content: bytes, rule: str, next_step: str
) -> None:
    draft = make_request()
    with pytest.raises(InvalidInput) as info:
        document_add(request=draft, kind=KIND, upload=upload(name, content), by=world.employer_a)
    assert set(info.value.errors) == {"file"}
    message = info.value.errors["file"]
    assert message.startswith("The file ") and rule in message and next_step in message
    assert not Document.objects.exists() and stored_files(media) == []


# Pillow only warns between its own limit and twice it (about 89 to 179 million pixels). Here that warning is
# silenced, as it would be under a quiet warnings filter: the refusal must come from bordercase's own check.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_an_image_that_pillow_would_only_warn_about_is_refused(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    with pytest.raises(InvalidInput) as info:
        document_add(request=make_request(), kind=KIND, upload=upload("scan.png", png_bomb(10_000, 10_000)),
                     by=world.employer_a)
    assert "10,000 by 10,000 pixels, more than the 20,000,000 pixels allowed" in info.value.errors["file"]
    assert not Document.objects.exists() and stored_files(media) == []


def test_an_image_of_exactly_the_pixel_limit_is_accepted_and_one_pixel_more_is_not() -> None:
    def png(width: int, height: int) -> SimpleUploadedFile:
        out = io.BytesIO()
        Image.new("1", (width, height)).save(out, format="PNG")  # one bit a pixel keeps the test light
        return upload("scan.png", out.getvalue())

    assert evidence_check(png(5_000, 4_000)).content_type == "image/png"
    with pytest.raises(InvalidInput) as info:
        evidence_check(png(5_000, 4_001))
    assert "5,000 by 4,001 pixels, more than the 20,000,000 pixels allowed" in info.value.errors["file"]


@pytest.mark.parametrize(("limit", "size", "said"), [
    (1000, 1001, "The file is 1,001 bytes; the largest allowed is 1,000 bytes."),
    (1000, 12_900, "The file is 12.6 KB; the largest allowed is 1,000 bytes."),
    (2048, 2049, "The file is just over 2 KB; the largest allowed is 2 KB."),
])
def test_a_file_over_the_limit_is_refused_saying_by_how_much(
    world: World, make_request: MakeRequest, media: Path, settings: Any, limit: int, size: int, said: str
) -> None:
    settings.EVIDENCE_MAX_BYTES = limit
    content = pdf_bytes()
    content += b" " * (size - len(content))
    with pytest.raises(InvalidInput) as info:
        document_add(request=make_request(), kind=KIND, upload=upload("big.pdf", content), by=world.employer_a)
    assert info.value.errors["file"].startswith(said)
    assert "Make it smaller" in info.value.errors["file"]
    assert not Document.objects.exists() and stored_files(media) == []
    settings.EVIDENCE_MAX_BYTES = size  # the same file at the limit is accepted
    assert document_add(request=make_request(), kind=KIND, upload=upload("big.pdf", content),
                        by=world.employer_a).size == size


def test_the_megabyte_sizes_are_said_in_megabytes() -> None:
    assert (amount(10 * 1024 * 1024), amount(int(12.34 * 1024 * 1024)), amount(900 * 1024)) == (
        "10 MB", "12.3 MB", "900 KB")


def test_evidence_of_a_kind_the_scheme_does_not_ask_for_is_refused(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    with pytest.raises(InvalidInput) as info:
        document_add(request=make_request(), kind="birth_certificate", upload=upload("a.pdf", pdf_bytes()),
                     by=world.employer_a)
    assert set(info.value.errors) == {"kind"} and "The signed employment agreement" in info.value.errors["kind"]
    assert stored_files(media) == []


def test_a_scheme_without_rules_takes_supporting_evidence_only(
    world: World, make_request: MakeRequest, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = make_request()
    monkeypatch.setattr(documents_service, "policy_of", lambda scheme: None)
    with pytest.raises(InvalidInput) as info:
        document_add(request=draft, kind=KIND, upload=upload("a.pdf", pdf_bytes()), by=world.employer_a)
    assert "choose one of Supporting evidence" in info.value.errors["kind"]
    document = document_add(request=draft, kind="supporting_evidence", upload=upload("a.pdf", pdf_bytes()),
                            by=world.employer_a)
    assert document.kind == "supporting_evidence" and len(stored_files(media)) == 1


def test_only_the_applicant_may_add_evidence_and_only_while_it_is_wanted(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    draft = make_request()
    with pytest.raises(Refused):
        document_add(request=draft, kind=KIND, upload=upload("a.pdf", pdf_bytes()), by=world.employer_b)
    lodged = walk(draft, [("lodge", world.employer_a)])
    with pytest.raises(NotEditable) as info:
        document_add(request=lodged, kind=KIND, upload=upload("a.pdf", pdf_bytes()), by=world.employer_a)
    assert "If the assessor asks for more information, you can add evidence then" in str(info.value)
    assert stored_files(media) == [] and not Document.objects.exists()
    asked = walk(lodged, [("start_assessment", world.assessor_nztech),
                          ("request_information", world.assessor_nztech)], reason="Upload the signed agreement.")
    with pytest.raises(Refused):  # the assessor can see it, but the evidence is the applicant's to give
        document_add(request=asked, kind=KIND, upload=upload("a.pdf", pdf_bytes()), by=world.assessor_nztech)
    document_add(request=asked, kind=KIND, upload=upload("a.pdf", pdf_bytes()), by=world.employer_a)
    assert len(stored_files(media)) == 1


def test_a_request_lodged_while_its_evidence_was_being_stored_keeps_nothing_of_it(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    draft = make_request()
    stale = Request.objects.get(pk=draft.pk)  # read before the lodging, as a slow upload would have
    walk(draft, [("lodge", world.employer_a)])
    with pytest.raises(NotEditable):
        document_add(request=stale, kind=KIND, upload=upload("a.pdf", pdf_bytes()), by=world.employer_a)
    assert not Document.objects.exists() and stored_files(media) == []


def test_a_row_that_cannot_be_saved_leaves_no_file(
    world: World, make_request: MakeRequest, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = make_request()

    def broken_save(self: Document, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Document, "save", broken_save)
    with pytest.raises(RuntimeError):
        document_add(request=draft, kind=KIND, upload=upload("a.pdf", pdf_bytes()), by=world.employer_a)
    assert stored_files(media) == []


def test_a_store_that_fails_leaves_no_row(
    world: World, make_request: MakeRequest, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = make_request()

    def full_disk(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", full_disk)
    with pytest.raises(OSError, match="No space left"):
        document_add(request=draft, kind=KIND, upload=upload("a.pdf", pdf_bytes()), by=world.employer_a)
    assert not Document.objects.exists() and stored_files(media) == []


def test_removing_evidence_removes_its_file(
    world: World, make_request: MakeRequest, media: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    document = document_add(request=make_request(), kind=KIND, upload=upload("a.pdf", pdf_bytes()),
                            by=world.employer_a)
    with pytest.raises(Refused):
        document_remove(document=document, by=world.employer_b)
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(document=document, by=world.employer_a)
    assert not Document.objects.exists() and stored_files(media) == []


def test_evidence_of_a_lodged_request_cannot_be_removed(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    draft = make_request()
    document = document_add(request=draft, kind=KIND, upload=upload("a.pdf", pdf_bytes()), by=world.employer_a)
    walk(draft, [("lodge", world.employer_a)])
    with pytest.raises(NotEditable):
        document_remove(document=Document.objects.get(pk=document.pk), by=world.employer_a)
    assert Document.objects.filter(pk=document.pk).exists() and len(stored_files(media)) == 1


def test_the_same_file_sent_twice_as_the_same_evidence_is_kept_once(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    draft, content = make_request(), pdf_bytes()
    first = document_add(request=draft, kind=KIND, upload=upload("a.pdf", content), by=world.employer_a)
    again = document_add(request=draft, kind=KIND, upload=upload("a.pdf", content), by=world.employer_a)
    other_kind = document_add(request=draft, kind="pipeline_evidence", upload=upload("a.pdf", content),
                              by=world.employer_a)
    assert again.pk == first.pk and other_kind.pk != first.pk
    assert Document.objects.count() == 2 and len(stored_files(media)) == 2


# --- the pages ----------------------------------------------------------------------------------------------------


def test_the_upload_page_shows_a_refusal_in_the_error_summary(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    draft = make_request()
    response = signed_in(world.employer_a).post(
        f"/requests/{draft.reference}/evidence/",
        {"upload": "1", "kind": KIND, "file": upload("agreement.pdf", b"PK\x03\x04zip")})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert '<a href="#id_file">The file must be a PDF, PNG or JPEG' in page
    assert not Document.objects.exists() and stored_files(media) == []


def test_evidence_is_served_only_to_those_who_may_see_the_request(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    content = pdf_bytes()
    draft = make_request()
    document = document_add(request=draft, kind=KIND, upload=upload("Aroha's “agreement”.pdf", content),
                            by=world.employer_a)
    path = f"/requests/{draft.reference}/documents/{document.pk}/"
    response = signed_in(world.employer_a).get(path)
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''Aroha%27s%20%E2%80%9Cagreement")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].split(";")[0] == "sandbox"
    assert "no-store" in response["Cache-Control"]
    for outsider in (world.employer_b, world.assessor_nztech, world.outsider):  # the assessor sees lodged ones only
        assert signed_in(outsider).get(path).status_code == 404
    assert Client().get(path).status_code == 302  # signed out: to the sign-in page, not the file
    other = make_request(by=world.employer_b, organisation=world.org_b)
    assert signed_in(world.employer_b).get(f"/requests/{other.reference}/documents/{document.pk}/").status_code == 404
    # Kōwhai's own document id under another of Kōwhai's requests is not found either.
    sibling = make_request()
    assert signed_in(world.employer_a).get(
        f"/requests/{sibling.reference}/documents/{document.pk}/").status_code == 404
    walk(draft, [("lodge", world.employer_a)])
    assert signed_in(world.assessor_nztech).get(path).status_code == 200


def test_an_image_is_served_as_the_image_it_was_found_to_be(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    content = image_bytes("PNG")
    draft = make_request()
    document = document_add(request=draft, kind=KIND, upload=upload("photo.jpg", content, "image/jpeg"),
                            by=world.employer_a)
    response = signed_in(world.employer_a).get(f"/requests/{draft.reference}/documents/{document.pk}/")
    assert response["Content-Type"] == "image/png" and b"".join(response.streaming_content) == content
    # Downloaded, never shown, under a name that ends as what the file is.
    assert response["Content-Disposition"] == 'attachment; filename="photo.png"'
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "private, no-store"


# --- the API ------------------------------------------------------------------------------------------------------


def test_the_api_uploads_lists_and_removes_evidence(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    draft = make_request()
    client = api_client(world.employer_a)
    path = f"/api/v1/requests/{draft.reference}/documents"
    content = image_bytes("JPEG")
    made = client.post(path, {"kind": KIND, "file": upload("agreement.jpg", content, "image/jpeg")})
    assert made.status_code == 201, made.content
    body = made.json()
    assert set(body) == {"id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_at"}
    assert (body["kind"], body["content_type"], body["size"], body["sha256"]) == (
        KIND, "image/jpeg", len(content), hashlib.sha256(content).hexdigest())
    assert [d["original_name"] for d in client.get(path).json()] == ["agreement.jpg"]
    refused = client.post(path, {"kind": KIND, "file": upload("a.pdf", b"%PDF-1.4 junk")})
    assert refused.status_code == 422 and "cannot be read" in refused.json()["fields"]["file"]
    wrong_kind = client.post(path, {"kind": "passport", "file": upload("a.pdf", pdf_bytes())})
    assert wrong_kind.status_code == 422 and set(wrong_kind.json()["fields"]) == {"kind"}
    assert client.post(path, {"kind": KIND}).status_code == 422  # no file at all
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row's removal commits
        assert client.delete(f"{path}/{body['id']}").status_code == 204
    assert client.get(path).json() == [] and stored_files(media) == []
    assert client.delete(f"{path}/{body['id']}").status_code == 404


def test_the_api_answers_404_to_anyone_who_cannot_see_the_request(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client]
) -> None:
    draft = make_request()
    document = document_add(request=draft, kind=KIND, upload=upload("a.pdf", pdf_bytes()), by=world.employer_a)
    path = f"/api/v1/requests/{draft.reference}/documents"
    for outsider in (world.employer_b, world.outsider, world.assessor_nztech):
        client = api_client(outsider)
        assert client.get(path).status_code == 404
        assert client.post(path, {"kind": KIND, "file": upload("b.pdf", pdf_bytes(2))}).status_code == 404
        assert client.delete(f"{path}/{document.pk}").status_code == 404
    # A document id that belongs to another request is not found under this one.
    other = make_request(by=world.employer_b, organisation=world.org_b)
    assert api_client(world.employer_b).delete(
        f"/api/v1/requests/{other.reference}/documents/{document.pk}").status_code == 404
    assert list(Document.objects.values_list("pk", flat=True)) == [document.pk] and len(stored_files(media)) == 1


def test_the_api_refuses_evidence_for_a_lodged_request_with_409(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client]
) -> None:
    lodged = walk(make_request(), [("lodge", world.employer_a)])
    response = api_client(world.employer_a).post(
        f"/api/v1/requests/{lodged.reference}/documents", {"kind": KIND, "file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 409 and "cannot change now" in response.json()["message"]
    assert stored_files(media) == [] and not Document.objects.exists()


def test_the_api_refuses_evidence_from_someone_who_sees_but_is_not_the_applicant_with_403(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client]
) -> None:
    asked = walk(make_request(), [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech),
                                  ("request_information", world.assessor_nztech)])
    path = f"/api/v1/requests/{asked.reference}/documents"
    response = api_client(world.assessor_nztech).post(path, {"kind": KIND, "file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 403 and "Only the applicant" in response.json()["message"]
    assert stored_files(media) == [] and not Document.objects.exists()
    assert api_client(world.employer_a).post(
        path, {"kind": KIND, "file": upload("a.pdf", pdf_bytes())}).status_code == 201


# --- configuration ------------------------------------------------------------------------------------------------

SHOW_SETTINGS = ("import json, django; django.setup(); from django.conf import settings; "
                 "print(json.dumps([settings.STORAGES['default'], settings.EVIDENCE_MAX_BYTES, "
                 "settings.EVIDENCE_MAX_PIXELS]))")


def settings_with(tmp_path: Path, boto3: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Load the settings in a fresh interpreter with only this environment (and a stand-in boto3, if given)."""
    environment = {"PATH": "/usr/bin:/bin", "BORDERCASE_VAR_DIR": str(tmp_path / "var"),
                   "DJANGO_SETTINGS_MODULE": "bordercase.settings", **env}
    if boto3 is not None:
        (tmp_path / "fake" / "boto3").mkdir(parents=True, exist_ok=True)
        (tmp_path / "fake" / "boto3" / "__init__.py").write_text(boto3)
        environment["PYTHONPATH"] = str(tmp_path / "fake")
    return subprocess.run([sys.executable, "-c", SHOW_SETTINGS], env=environment, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_limit_and_a_local_store_come_from_the_environment(tmp_path: Path) -> None:
    result = settings_with(tmp_path, BORDERCASE_EVIDENCE_MAX_BYTES="2048")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"BACKEND": "django.core.files.storage.FileSystemStorage"}, 2048,
                                         20_000_000]
    refused = settings_with(tmp_path, BORDERCASE_EVIDENCE_MAX_BYTES="0")
    assert refused.returncode != 0 and "BORDERCASE_EVIDENCE_MAX_BYTES must be a number of bytes above 0" in (
        refused.stderr)


def test_an_s3_store_without_boto3_says_what_to_install(tmp_path: Path) -> None:
    result = settings_with(tmp_path, boto3="raise ImportError('not installed')", BORDERCASE_STORAGE="s3",
                           BORDERCASE_S3_BUCKET="evidence", BORDERCASE_S3_ENDPOINT_URL="https://s3.example",
                           BORDERCASE_S3_REGION="ap-southeast-2")
    assert result.returncode != 0
    assert 'ImproperlyConfigured: BORDERCASE_STORAGE=s3 needs boto3: pip install "bordercase[s3]"' in result.stderr


S3 = {"BORDERCASE_S3_BUCKET": "evidence", "BORDERCASE_S3_ENDPOINT_URL": "https://s3.example.nz",
      "BORDERCASE_S3_REGION": "ap-southeast-2"}


@pytest.mark.parametrize("missing", sorted(S3))
def test_an_s3_store_names_each_setting_it_lacks(tmp_path: Path, missing: str) -> None:
    given = {k: v for k, v in S3.items() if k != missing}
    result = settings_with(tmp_path, boto3="", BORDERCASE_STORAGE="s3", **given)
    assert result.returncode != 0 and f"ImproperlyConfigured: BORDERCASE_STORAGE=s3 needs {missing} (" in result.stderr


def test_an_s3_store_keeps_evidence_private(tmp_path: Path) -> None:
    result = settings_with(tmp_path, boto3="", BORDERCASE_STORAGE="s3", AWS_ACCESS_KEY_ID="AKIAEXAMPLE", **S3)
    assert result.returncode == 0, result.stderr
    storage, _, _ = json.loads(result.stdout)
    assert storage == {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "evidence", "endpoint_url": "https://s3.example.nz", "region_name": "ap-southeast-2",
        "default_acl": None, "querystring_auth": True, "file_overwrite": False}}
    assert "AKIAEXAMPLE" not in result.stdout  # the keys are boto3's to read, not settings'


def test_the_pixel_limit_comes_from_the_environment(tmp_path: Path) -> None:
    result = settings_with(tmp_path, BORDERCASE_EVIDENCE_MAX_PIXELS="12000000")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[2] == 12_000_000
    refused = settings_with(tmp_path, BORDERCASE_EVIDENCE_MAX_PIXELS="-1")
    assert refused.returncode != 0 and "BORDERCASE_EVIDENCE_MAX_PIXELS must be a number of pixels above 0" in (
        refused.stderr)


# --- active content in PDFs, and files that are also web pages -------------------------------------------------------


def hostile_pdf(edit: Callable[[PdfWriter], object]) -> bytes:
    """A one-page PDF written by pypdf, changed by ``edit`` before it is written."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    edit(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def entries(**values: PdfObject) -> DictionaryObject:
    return DictionaryObject({NameObject(f"/{key}"): value for key, value in values.items()})


def action(kind: str, **values: PdfObject) -> DictionaryObject:
    return entries(Type=NameObject("/Action"), S=NameObject(f"/{kind}"), **values)


def web_address() -> DictionaryObject:
    return action("URI", URI=TextStringObject("https://example.com/"))


def opening(value: Callable[[PdfWriter], PdfObject]) -> Callable[[PdfWriter], None]:
    def edit(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/OpenAction")] = value(writer)
    return edit


def catalogue(**values: PdfObject) -> Callable[[PdfWriter], None]:
    def edit(writer: PdfWriter) -> None:
        for key, value in values.items():
            writer._root_object[NameObject(f"/{key}")] = value
    return edit


def annotated(subtype: str, **values: PdfObject) -> Callable[[PdfWriter], None]:
    """The page with one annotation of this subtype."""
    def edit(writer: PdfWriter) -> None:
        rect = ArrayObject([NumberObject(n) for n in (72, 700, 300, 720)])
        annotation = entries(Type=NameObject("/Annot"), Subtype=NameObject(f"/{subtype}"), Rect=rect, **values)
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return edit


def page_one() -> ArrayObject:
    """The first page of another file, as a link into it names it."""
    return ArrayObject([NumberObject(0), NameObject("/Fit")])


def first_page(writer: PdfWriter) -> ArrayObject:
    return ArrayObject([writer.pages[0].indirect_reference, NameObject("/Fit")])


PLAIN_OBJECTS = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]


def pdf_with_an_object_stream(packed: str, listed: bool = True) -> bytes:
    """A PDF 1.5 whose object 5 is packed, compressed, in object stream 4, found through a cross-reference stream
    (object 6) that lists object 5 only if ``listed``."""
    out, offsets = b"%PDF-1.5\n", []
    for number, body in enumerate(PLAIN_OBJECTS, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    header = b"5 0 "
    data = zlib.compress(header + packed.encode())
    offsets.append(len(out))
    out += (f"4 0 obj\n<< /Type /ObjStm /N 1 /First {len(header)} /Filter /FlateDecode /Length {len(data)} >>\n"
            "stream\n").encode() + data + b"\nendstream\nendobj\n"
    xref = len(out)
    rows = [(0, 0, 65535), *[(1, offset, 0) for offset in offsets], (2, 4, 0) if listed else (0, 0, 0), (1, xref, 0)]
    table = zlib.compress(b"".join(struct.pack(">BIH", *row) for row in rows))
    out += (f"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length {len(table)} >>\n"
            "stream\n").encode() + table + b"\nendstream\nendobj\n"
    return out + f"startxref\n{xref}\n%%EOF\n".encode()


def unlisted_object(body: str) -> bytes:
    """A readable PDF with one more object after the others that its cross-reference table does not list: pypdf
    never reads it, a reader rebuilding the table by scanning the file would."""
    return pdf_from_objects(PLAIN_OBJECTS, unlisted=f"9 0 obj\n{body}\nendobj\n".encode())


def png_with_text(text: str) -> bytes:
    out = io.BytesIO()
    info = PngInfo()
    info.add_text("Comment", text)
    Image.new("RGB", (60, 40), "white").save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_comment(comment: bytes) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(out, format="JPEG", comment=comment)
    return out.getvalue()


SCRIPT = TextStringObject("app.alert('hello')")
RUNS = "contains active content"
BY_ITSELF = f"{RUNS} (actions that run by themselves"
ATTACHED = "with other files attached to it"
WEB_PAGE = "also carries web page markup"

# (case, name, content, the rule's words, the words saying what to do next)
HOSTILE: list[tuple[str, str, bytes, str, str]] = [
    ("JavaScript in the document's name tree", "a.pdf",
     hostile_pdf(lambda w: w.add_open_action(JavaScript("app.alert('hello')"))), f"{RUNS} (JavaScript)",
     "Print it to a new PDF, or save it as PDF/A"),
    ("an opening action that runs JavaScript", "a.pdf", hostile_pdf(opening(lambda w: action("JavaScript", JS=SCRIPT))),
     f"{RUNS} (JavaScript)", "Print it to a new PDF"),
    ("an opening action that starts a program", "a.pdf",
     hostile_pdf(opening(lambda w: action("Launch", F=TextStringObject("calc.exe")))),
     f"{RUNS} (an action that starts another program)", "Print it to a new PDF"),
    ("an opening action that goes to a web address", "a.pdf", hostile_pdf(opening(lambda w: web_address())),
     f"{RUNS} (an action that runs when it is opened)", "Print it to a new PDF"),
    ("an opening action that sends a form", "a.pdf",
     hostile_pdf(opening(lambda w: action("SubmitForm", F=TextStringObject("https://example.com/collect")))),
     f"{RUNS} (a form that sends data elsewhere)", "Print it to a new PDF"),
    ("an opening action that loads form data", "a.pdf",
     hostile_pdf(opening(lambda w: action("ImportData", F=TextStringObject("answers.fdf")))),
     f"{RUNS} (a form that loads data from elsewhere)", "Print it to a new PDF"),
    ("an opening GoTo with an action chained to it", "a.pdf",
     hostile_pdf(opening(lambda w: action("GoTo", D=first_page(w), Next=web_address()))),
     f"{RUNS} (an action that runs when it is opened)", "Print it to a new PDF"),
    ("the document's additional actions", "a.pdf", hostile_pdf(catalogue(AA=entries(WC=web_address()))), BY_ITSELF,
     "Print it to a new PDF"),
    ("a page's additional actions", "a.pdf",
     hostile_pdf(lambda w: w.pages[0].__setitem__(NameObject("/AA"), entries(O=web_address()))), BY_ITSELF,
     "Print it to a new PDF"),
    ("a page that runs JavaScript when opened", "a.pdf",
     hostile_pdf(lambda w: w.pages[0].add_action(PageTrigger.OPEN, JavaScript("app.alert('hello')"))), RUNS,
     "Print it to a new PDF"),
    ("an annotation's additional actions", "a.pdf", hostile_pdf(annotated("Link", AA=entries(E=web_address()))),
     BY_ITSELF, "Print it to a new PDF"),
    ("a link that starts a program", "a.pdf",
     hostile_pdf(annotated("Link", A=action("Launch", F=TextStringObject("cmd.exe")))),
     f"{RUNS} (an action that starts another program)", "Print it to a new PDF"),
    ("a link into another file", "a.pdf",
     hostile_pdf(annotated("Link", A=action("GoToR", F=TextStringObject("other.pdf"), D=page_one()))),
     f"{RUNS} (a link that opens another file)", "Print it to a new PDF"),
    ("a link into an attached file", "a.pdf", hostile_pdf(annotated("Link", A=action("GoToE", D=page_one()))),
     f"{RUNS} (a link that opens an attached file)", "Print it to a new PDF"),
    ("embedded media", "a.pdf", hostile_pdf(annotated("RichMedia")), f"{RUNS} (embedded media)",
     "Print it to a new PDF"),
    ("an XFA form", "a.pdf",
     hostile_pdf(catalogue(AcroForm=entries(Fields=ArrayObject(), XFA=TextStringObject("template")))),
     f"{RUNS} (an XFA form)", "Print it to a new PDF"),
    ("an attached file", "a.pdf", hostile_pdf(lambda w: w.add_attachment("invoice.txt", b"Invoice 42")), ATTACHED,
     "Upload each document on its own"),
    ("a file attachment annotation", "a.pdf",
     hostile_pdf(annotated("FileAttachment", FS=entries(Type=NameObject("/Filespec"),
                                                        F=TextStringObject("invoice.txt")))),
     ATTACHED, "print this one to a new PDF, which leaves the attachments out"),
    # Written by hand, byte by byte.
    ("names written with #xx escapes", "a.pdf", pdf_from_objects([
        "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >> >>",
        *PLAIN_OBJECTS[1:]]), f"{RUNS} (JavaScript)", "Print it to a new PDF"),
    ("an object the cross-reference table does not list", "a.pdf",
     unlisted_object("<< /S /JavaScript /JS (app.alert\\(1\\)) >>"), f"{RUNS} (JavaScript)", "Print it to a new PDF"),
    ("an unlisted object with escaped names", "a.pdf", unlisted_object("<< /S /L#61#75nch /F (calc.exe) >>"),
     f"{RUNS} (an action that starts another program)", "Print it to a new PDF"),
    ("a stream begun in a comment to hide what follows", "a.pdf",
     unlisted_object("<< /Filter /FlateDecode % >>stream\n/S /JavaScript /JS (app.alert\\(1\\)) >>"),
     f"{RUNS} (JavaScript)", "Print it to a new PDF"),
    ("an object hidden in a compressed stream's data", "a.pdf",
     unlisted_object("<< /Filter /FlateDecode /Length 44 >>\nstream\n10 0 obj << /S /Launch /F (calc.exe) >> endobj"
                     "\nendstream"), f"{RUNS} (an action that starts another program)", "Print it to a new PDF"),
    ("JavaScript packed in an object stream", "a.pdf",
     pdf_with_an_object_stream("<< /S /JavaScript /JS (app.alert\\(1\\)) >>"), f"{RUNS} (JavaScript)",
     "Print it to a new PDF"),
    ("JavaScript packed in an object stream but not listed", "a.pdf",
     pdf_with_an_object_stream("<< /S /JavaScript /JS (app.alert\\(1\\)) >>", listed=False),
     f"{RUNS} (JavaScript)", "Print it to a new PDF"),
    # Polyglots: a PDF or an image that is also a web page.
    ("a PDF that is also a web page", "a.pdf", pdf_bytes() + b"<html><body><script>alert(1)</script></body></html>",
     f"is a PDF that {WEB_PAGE} (<html>), which a browser could run", "Print it to a new PDF and upload that"),
    ("a PDF with a web page in a comment", "a.pdf",
     pdf_bytes().replace(b"\n", b"\n%<!DOCTYPE html><svg onload=alert(1)>\n", 1), f"{WEB_PAGE} (<!doctype html>)",
     "Print it to a new PDF"),
    ("a PNG with a script in its text", "a.png", png_with_text("<script>alert(1)</script>"),
     f"is a PNG that {WEB_PAGE} (<script>)", "Save or scan it again as a new PNG"),
    ("a JPEG with SVG in its comment", "a.jpg", jpeg_with_comment(b"<SVG/onload=alert(1)>"),
     f"is a JPEG that {WEB_PAGE} (<svg>)", "Save or scan it again as a new JPEG"),
]


def post_page(world: World, draft: Request, name: str, content: bytes) -> tuple[int, str]:
    response = signed_in(world.employer_a).post(f"/requests/{draft.reference}/evidence/",
                                                {"upload": "1", "kind": KIND, "file": upload(name, content)})
    return response.status_code, html.unescape(response.content.decode())


@pytest.mark.parametrize(("name", "content", "rule", "next_step"), [h[1:] for h in HOSTILE],
                         ids=[h[0] for h in HOSTILE])
def test_active_content_and_web_pages_are_refused_on_the_page_and_in_the_api_and_nothing_is_stored(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client], name: str,
    content: bytes, rule: str, next_step: str,
) -> None:
    draft = make_request()
    status, page = post_page(world, draft, name, content)
    assert status == 200 and "govuk-error-summary" in page
    summary = page.split('<a href="#id_file">', 1)[1].split("</a>", 1)[0]
    assert summary.startswith("The file ") and rule in summary and next_step in summary
    assert not Document.objects.exists() and stored_files(media) == []
    response = api_client(world.employer_a).post(f"/api/v1/requests/{draft.reference}/documents",
                                                 {"kind": KIND, "file": upload(name, content)})
    assert response.status_code == 422 and set(response.json()["fields"]) == {"file"}
    message = response.json()["fields"]["file"]
    assert message == summary  # the same words either way
    assert not Document.objects.exists() and stored_files(media) == []


# Each of these the checks must not mistake for active content or markup.
ACCEPTED_PDFS: list[tuple[str, bytes]] = [
    ("an opening view given as a destination", hostile_pdf(opening(first_page))),
    ("an opening view given as a GoTo action", hostile_pdf(opening(lambda w: action("GoTo", D=first_page(w))))),
    ("a link to a web address", hostile_pdf(annotated("Link", A=web_address()))),
    ("compressed data that happens to spell active names", pdf_from_objects([
        *PLAIN_OBJECTS, "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
        "/BitsPerComponent 8 /Filter /DCTDecode /Length 35 >>\nstream\n\x01/JS \x02/AA(\x03/J#61vaScript\x04/EF)<\x05"
        "\nendstream"])),
    ("an object stream of ordinary objects", pdf_with_an_object_stream("<< /Producer (Scanner 3000) >>")),
]


@pytest.mark.parametrize("content", [a[1] for a in ACCEPTED_PDFS], ids=[a[0] for a in ACCEPTED_PDFS])
def test_a_pdf_with_nothing_that_runs_is_accepted(content: bytes) -> None:
    assert evidence_check(upload("a.pdf", content)).content_type == "application/pdf"


@pytest.mark.parametrize(("name", "content"), [
    ("agreement.pdf", pdf_bytes(2)), ("scan.png", image_bytes("PNG")), ("photo.jpg", image_bytes("JPEG")),
    ("phone.jpg", multi_picture_jpeg()),
])
def test_a_plain_pdf_png_or_jpeg_is_still_accepted_on_the_page_and_in_the_api(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client], name: str,
    content: bytes,
) -> None:
    draft = make_request()
    status, _ = post_page(world, draft, name, content)
    assert status == 302  # back to the evidence page, which lists it
    assert Document.objects.filter(request=draft, original_name=name).count() == 1
    other = make_request()
    response = api_client(world.employer_a).post(f"/api/v1/requests/{other.reference}/documents",
                                                 {"kind": KIND, "file": upload(name, content)})
    assert response.status_code == 201 and len(stored_files(media)) == 2


def test_each_look_finds_what_the_other_cannot() -> None:
    """pypdf's objects miss an object outside the cross-reference table; the raw bytes miss a compressed one."""
    unlisted = unlisted_object("<< /S /JavaScript /JS (app.alert\\(1\\)) >>")
    assert _in_objects(PdfReader(io.BytesIO(unlisted), strict=False)) is None
    assert _in_bytes([unlisted]) is not None
    packed = pdf_with_an_object_stream("<< /S /Launch /F (calc.exe) >>")
    assert _in_bytes([packed]) is None
    found = _in_objects(PdfReader(io.BytesIO(packed), strict=False))
    assert found is not None and found.what == "an action that starts another program"


@pytest.mark.parametrize("cut", [1, 7, 100, 511, 512, 513, 1000])
def test_a_name_cut_between_two_chunks_is_still_found(cut: int) -> None:
    content = b"%PDF-1.4\n" + b" " * (2000 - cut) + b"/J#61vaScript (x)\n" + b" " * 3000
    chunks = [content[i:i + 2000] for i in range(0, len(content), 2000)]
    found = _in_bytes(chunks)
    assert found is not None and found.what == "JavaScript"


def test_markup_cut_between_two_chunks_is_still_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bordercase.lib.evidence.CHUNK", 1000)
    content = pdf_bytes()
    content += b" " * (2000 - len(content) - 3) + b"<script>alert(1)</script>"
    with pytest.raises(InvalidInput) as info:
        evidence_check(upload("a.pdf", content))
    assert "web page markup (<script>)" in info.value.errors["file"]


def test_a_pdf_with_too_many_objects_to_check_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bordercase.lib.pdf_content.MAX_OBJECTS", 3)
    with pytest.raises(InvalidInput) as info:
        evidence_check(upload("a.pdf", pdf_from_objects([*PLAIN_OBJECTS, "<< /Producer (x) >>"])))
    assert "more parts than can be checked (more than 3 objects" in info.value.errors["file"]
    assert "Print it to a new PDF" in info.value.errors["file"]


def test_the_worker_s_employment_agreement_is_checked_the_same_way(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    request = invited(world, make_request)
    worker = worker_of(world, request)
    response = signed_in(worker).post(f"/requests/{request.reference}/travel/employment-agreement/", {
        "upload": "1", "file": upload("agreement.pdf", hostile_pdf(opening(lambda w: action("JavaScript",
                                                                                             JS=SCRIPT))))})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and 'href="#id_file"' in page and "contains active content (JavaScript)" in page
    assert not Document.objects.filter(request=request).exists() and stored_files(media) == []


# --- images: the pixel budget, read from the header ---------------------------------------------------------------


def test_a_7000_by_7000_image_is_refused_from_its_header_before_anything_is_decoded(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.BytesIO()
    Image.new("1", (7_000, 7_000)).save(out, format="PNG")  # a whole, real image; one bit a pixel keeps it light

    def no_decoding(self: Image.Image) -> None:
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(InvalidInput) as info:
        evidence_check(upload("scan.png", out.getvalue()))
    assert info.value.errors["file"] == (
        "The file is an image of 7,000 by 7,000 pixels, more than the 20,000,000 pixels allowed. Reduce its "
        "resolution (for example, scan at 300 dpi) and upload it again.")


@pytest.mark.parametrize(("kind", "size"), [
    ("PNG", (2_480, 3_508)),  # an A4 page scanned at 300 dpi
    ("JPEG", (4_032, 3_024)),  # a 12-megapixel phone photo
])
def test_a_page_scanned_at_300_dpi_and_a_phone_photo_are_accepted(kind: str, size: tuple[int, int]) -> None:
    out = io.BytesIO()
    Image.new("L", size, 200).save(out, format=kind)
    assert evidence_check(upload("scan", out.getvalue())).content_type == f"image/{kind.lower()}"


def test_the_pixel_limit_is_the_setting(settings: Any) -> None:
    settings.EVIDENCE_MAX_PIXELS = 60 * 40 - 1
    with pytest.raises(InvalidInput) as info:
        evidence_check(upload("scan.png", image_bytes("PNG", (60, 40))))
    assert "60 by 40 pixels, more than the 2,399 pixels allowed" in info.value.errors["file"]


def test_a_jpeg_is_decoded_at_an_eighth_of_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[tuple[int, int]] = []
    load = JpegImagePlugin.JpegImageFile.load

    def measured(self: JpegImagePlugin.JpegImageFile) -> Any:
        result = load(self)
        decoded.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", measured)
    evidence_check(upload("photo.jpg", noisy_jpeg()))  # 400 by 300
    assert decoded[-1] == (50, 38)


# --- downloads ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content_type", "downloaded"), [
    ("agreement.pdf", "application/pdf", "agreement.pdf"),
    ("Agreement.PDF", "application/pdf", "Agreement.PDF"),
    ("photo.jpeg", "image/jpeg", "photo.jpeg"),
    ("photo.jpg", "image/png", "photo.png"),  # another accepted kind's extension is just wrong
    ("agreement.html", "application/pdf", "agreement.html.pdf"),  # any other is kept, so it shows
    ("agreement", "application/pdf", "agreement.pdf"),
    ("scan.v2", "image/png", "scan.v2.png"),
])
def test_a_download_s_name_ends_as_what_the_file_is(name: str, content_type: str, downloaded: str) -> None:
    assert download_name(name, content_type) == downloaded


@pytest.mark.parametrize(("content", "content_type"), [
    (pdf_bytes(), "application/pdf"), (image_bytes("PNG"), "image/png"), (image_bytes("JPEG"), "image/jpeg"),
])
def test_every_document_downloads_as_its_stored_type_and_the_links_say_so(
    world: World, make_request: MakeRequest, media: Path, content: bytes, content_type: str
) -> None:
    draft = make_request()
    document = document_add(request=draft, kind=KIND, upload=upload("evidence.html", content), by=world.employer_a)
    client = signed_in(world.employer_a)
    response = client.get(f"/requests/{draft.reference}/documents/{document.pk}/")
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[content_type]
    assert response["Content-Disposition"] == f'attachment; filename="evidence.html.{extension}"'
    assert (response["Content-Type"], response["X-Content-Type-Options"]) == (content_type, "nosniff")
    assert response["Cache-Control"] == "private, no-store" and response["Content-Security-Policy"].startswith(
        "sandbox;")
    link = f"download>Download evidence.html ({_NAMES[content_type]}, {filesizeformat(len(content))})</a>"
    assert link in client.get(f"/requests/{draft.reference}/evidence/").content.decode()
    walk(draft, [("lodge", world.employer_a)])
    assert link in client.get(f"/requests/{draft.reference}/").content.decode()
    page = signed_in(world.assessor_nztech).get(f"/assessment/requests/{draft.reference}/").content.decode()
    assert link in page and "new tab" not in page


def test_the_worker_s_agreement_downloads_for_the_officer_and_the_visa_page_says_so(
    world: World, make_request: MakeRequest, media: Path, staff_client: Callable[[User], Client]
) -> None:
    request = invited(world, make_request, scheme=OEW)
    worker = worker_of(world, request)
    travel.travel_request_open(request=request, by=worker)
    content = pdf_bytes()
    document = travel.employment_agreement_add(travel=travel_of(request), by=worker,
                                               upload=upload("signed agreement.pdf", content))
    travel.travel_lodge(travel=filled(request, worker), by=worker)
    officer = staff_client(world.inz_officer)
    page = officer.get(f"/immigration/visas/{request.reference}/").content.decode()
    assert f"download>Download signed agreement.pdf (PDF, {filesizeformat(len(content))})</a>" in page
    assert "new tab" not in page and 'target="_blank"' not in page
    response = officer.get(f"/requests/{request.reference}/documents/{document.pk}/")
    assert response["Content-Disposition"] == 'attachment; filename="signed agreement.pdf"'
    assert (response["Content-Type"], response["X-Content-Type-Options"]) == ("application/pdf", "nosniff")
