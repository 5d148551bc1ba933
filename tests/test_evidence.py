"""Evidence uploads: checked by their content, refused with a reason and a next step, and nothing stored then."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from pypdf import PdfWriter

from bordercase.accounts.models import User
from bordercase.cases.errors import InvalidInput, NotEditable, Refused
from bordercase.cases.models import Document, Request
from bordercase.cases.services.documents import document_add, document_remove
from tests.conftest import World, walk

MakeRequest = Callable[..., Request]


def pdf_bytes(pages: int = 1, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(kind: str, size: tuple[int, int] = (60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format=kind)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A few hundred bytes whose header claims 900 million pixels: opening it naively would take gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (width + 1) * 4)  # a few rows; the header is what a bomb check must read
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


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
    # The content decides, not the name or the type the browser claimed.
    ("photo.jpg", image_bytes("PNG"), "image/jpeg", "image/png"),
    ("agreement", pdf_bytes(), "application/octet-stream", "application/pdf"),
])
def test_a_pdf_png_or_jpeg_is_stored_as_what_its_content_is(
    world: World, make_request: MakeRequest, media: Path, name: str, content: bytes, claimed: str, found: str
) -> None:
    draft = make_request()
    document = document_add(request=draft, kind="employment_agreement", upload=upload(name, content, claimed),
                            by=world.employer_a)
    assert (document.content_type, document.size, document.original_name) == (found, len(content), name)
    assert len(document.sha256) == 64
    [path] = stored_files(media)
    assert path.read_bytes() == content and name not in str(path)  # stored under a name of bordercase's choosing


def test_a_path_in_the_uploaded_name_is_dropped(world: World, make_request: MakeRequest, media: Path) -> None:
    document = document_add(request=make_request(), kind="employment_agreement",
                            upload=upload("..\\..\\etc/agreement.pdf", pdf_bytes()), by=world.employer_a)
    assert document.original_name == "agreement.pdf"


def test_the_default_limit_is_ten_megabytes(settings: Any) -> None:
    assert settings.EVIDENCE_MAX_BYTES == 10 * 1024 * 1024


# --- refused ------------------------------------------------------------------------------------------------------

REFUSALS = [
    ("empty", "a.pdf", b"", "is empty"),
    ("oversized", "big.pdf", pdf_bytes() + b" " * 2000, "the largest allowed is"),
    ("an executable named .pdf", "agreement.pdf", b"MZ\x90\x00" + b"\x00" * 200, "must be a PDF, PNG or JPEG"),
    ("a zip named .pdf", "agreement.pdf", b"PK\x03\x04" + b"\x00" * 200, "must be a PDF, PNG or JPEG"),
    ("a web page named .png", "scan.png", b"<html><script>alert(1)</script></html>", "must be a PDF, PNG or JPEG"),
    ("a PDF that does not parse", "broken.pdf", b"%PDF-1.4\nthis is not a pdf at all", "cannot be read as one"),
    ("a password-protected PDF", "locked.pdf", pdf_bytes(password="secret"), "password-protected"),
    ("a truncated PNG", "cut.png", image_bytes("PNG", (400, 300))[:120], "cannot be read as one"),
    ("a truncated JPEG", "cut.jpg", image_bytes("JPEG", (400, 300))[:300], "cannot be read as one"),
    ("an image bomb", "bomb.png", png_bomb(), "more than the 50,000,000 pixels allowed"),
    ("an image just over the pixel limit", "wide.png", png_bomb(8_000, 7_000), "8,000 by 7,000 pixels"),
]


@pytest.mark.parametrize(("name", "content", "message"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_bad_file_is_refused_with_what_to_do_and_nothing_is_stored(
    world: World, make_request: MakeRequest, media: Path, settings: Any, name: str, content: bytes, message: str
) -> None:
    settings.EVIDENCE_MAX_BYTES = len(pdf_bytes()) + 1000
    draft = make_request()
    with pytest.raises(InvalidInput) as info:
        document_add(request=draft, kind="employment_agreement", upload=upload(name, content), by=world.employer_a)
    assert set(info.value.errors) == {"file"}
    assert message in info.value.errors["file"]
    assert info.value.errors["file"].rstrip().endswith(".")  # a whole sentence, ending in what to do
    assert not Document.objects.exists() and stored_files(media) == []


def test_evidence_of_a_kind_the_scheme_does_not_ask_for_is_refused(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    with pytest.raises(InvalidInput) as info:
        document_add(request=make_request(), kind="birth_certificate", upload=upload("a.pdf", pdf_bytes()),
                     by=world.employer_a)
    assert set(info.value.errors) == {"kind"} and "The signed employment agreement" in info.value.errors["kind"]
    assert stored_files(media) == []


def test_only_the_applicant_may_add_evidence_and_only_while_it_is_wanted(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    draft = make_request()
    with pytest.raises(Refused):
        document_add(request=draft, kind="employment_agreement", upload=upload("a.pdf", pdf_bytes()),
                     by=world.employer_b)
    lodged = walk(draft, [("lodge", world.employer_a)])
    with pytest.raises(NotEditable):
        document_add(request=lodged, kind="employment_agreement", upload=upload("a.pdf", pdf_bytes()),
                     by=world.employer_a)
    assert stored_files(media) == []
    asked = walk(lodged, [("start_assessment", world.assessor_nztech),
                          ("request_information", world.assessor_nztech)], reason="Upload the signed agreement.")
    document_add(request=asked, kind="employment_agreement", upload=upload("a.pdf", pdf_bytes()),
                 by=world.employer_a)
    assert len(stored_files(media)) == 1


def test_removing_evidence_removes_its_file(
    world: World, make_request: MakeRequest, media: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    document = document_add(request=make_request(), kind="employment_agreement",
                            upload=upload("a.pdf", pdf_bytes()), by=world.employer_a)
    with pytest.raises(Refused):
        document_remove(document=document, by=world.employer_b)
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(document=document, by=world.employer_a)
    assert not Document.objects.exists() and stored_files(media) == []


# --- the pages ----------------------------------------------------------------------------------------------------


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_upload_page_shows_a_refusal_in_the_error_summary(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    draft = make_request()
    response = signed_in(world.employer_a).post(
        f"/requests/{draft.reference}/evidence/",
        {"upload": "1", "kind": "employment_agreement", "file": upload("agreement.pdf", b"PK\x03\x04zip")})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert '<a href="#id_file">The file must be a PDF, PNG or JPEG' in page
    assert not Document.objects.exists() and stored_files(media) == []


def test_evidence_is_served_only_to_those_who_may_see_the_request(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    content = pdf_bytes()
    draft = make_request()
    document = document_add(request=draft, kind="employment_agreement", upload=upload("a.pdf", content),
                            by=world.employer_a)
    path = f"/requests/{draft.reference}/documents/{document.pk}/"
    response = signed_in(world.employer_a).get(path)
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    for outsider in (world.employer_b, world.assessor_nztech, world.outsider):  # the assessor sees lodged ones only
        assert signed_in(outsider).get(path).status_code == 404
    other = make_request(by=world.employer_b, organisation=world.org_b)
    assert signed_in(world.employer_b).get(f"/requests/{other.reference}/documents/{document.pk}/").status_code == 404
    walk(draft, [("lodge", world.employer_a)])
    assert signed_in(world.assessor_nztech).get(path).status_code == 200


# --- the API ------------------------------------------------------------------------------------------------------


def test_the_api_uploads_lists_and_removes_evidence(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    draft = make_request()
    client = api_client(world.employer_a)
    path = f"/api/v1/requests/{draft.reference}/documents"
    content = image_bytes("JPEG")
    made = client.post(path, {"kind": "employment_agreement", "file": upload("agreement.jpg", content, "image/jpeg")})
    assert made.status_code == 201, made.content
    assert made.json()["content_type"] == "image/jpeg" and made.json()["size"] == len(content)
    assert [d["original_name"] for d in client.get(path).json()] == ["agreement.jpg"]
    refused = client.post(path, {"kind": "employment_agreement", "file": upload("a.pdf", b"%PDF-1.4 junk")})
    assert refused.status_code == 422 and "cannot be read" in refused.json()["fields"]["file"]
    other = api_client(world.employer_b)
    assert other.get(path).status_code == 404
    assert other.delete(f"{path}/{made.json()['id']}").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row's removal commits
        assert client.delete(f"{path}/{made.json()['id']}").status_code == 204
    assert client.get(path).json() == [] and stored_files(media) == []


def test_the_api_refuses_evidence_for_a_lodged_request_with_409(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client]
) -> None:
    lodged = walk(make_request(), [("lodge", world.employer_a)])
    response = api_client(world.employer_a).post(
        f"/api/v1/requests/{lodged.reference}/documents",
        {"kind": "employment_agreement", "file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 409 and "cannot change now" in response.json()["message"]
    assert stored_files(media) == [] and not Document.objects.exists()


def test_the_same_file_sent_twice_as_the_same_evidence_is_kept_once(
    world: World, make_request: MakeRequest, media: Path
) -> None:
    draft, content = make_request(), pdf_bytes()
    first = document_add(request=draft, kind="employment_agreement", upload=upload("a.pdf", content),
                         by=world.employer_a)
    again = document_add(request=draft, kind="employment_agreement", upload=upload("a.pdf", content),
                         by=world.employer_a)
    other_kind = document_add(request=draft, kind="pipeline_evidence", upload=upload("a.pdf", content),
                              by=world.employer_a)
    assert again.pk == first.pk and other_kind.pk != first.pk
    assert Document.objects.count() == 2 and len(stored_files(media)) == 2
