"""Letters anyone can check: every letter carries a verification code and a QR code of its public page, which shows
what the letter decided, its SHA-256 and its inclusion in the transparency log, and tells the letter as sent from
any other file. Each letter is a leaf of the log, written (and rolled back) with it."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import segno
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from bordercase.cases.models import Request
from bordercase.cases.windows import nz_time
from bordercase.immigration.models import IssuedLetter
from bordercase.immigration.services import invitations, visas
from bordercase.immigration.services.issued_letters import (
    ALPHABET,
    LETTER_MAX_BYTES,
    code_new,
    code_read,
    code_shown,
)
from bordercase.lib.signed_note import Signer
from bordercase.transparency.checkpoints import checkpoint_make
from bordercase.transparency.letters import letter_entry
from bordercase.transparency.models import Checkpoint, LogEntry
from bordercase.web.letter_forms import NOT_A_CODE, TOO_LARGE
from tests.conftest import MailServer, World
from tests.immigration_support import attachment, pdf_text, recommended, travelling

Capture = Callable[..., Any]
CODE_IN_TEXT = re.compile(r"verification code ([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})")
BASE = "http://127.0.0.1:8000"


def invited(world: World, capture: Capture, **person: Any) -> tuple[Request, bytes]:
    """A request invited to apply, and the PDF letter exactly as it was emailed to the worker."""
    request = recommended(world, **person)
    with capture(execute=True):
        invitations.invitation_issue(request=request, by=world.inz_officer)
    [to_worker] = [m for m in mail.outbox if request.nominee.email in m.to]
    [(_, content, _)] = to_worker.attachments
    return request, content


def code_in(content: bytes) -> str:
    [code, *others] = CODE_IN_TEXT.findall(pdf_text(content))
    assert all(other == code for other in others)  # the same code in every page's footer
    return code


def flipped(content: bytes) -> bytes:
    """The PDF with one byte changed, in the middle."""
    middle = len(content) // 2
    return content[:middle] + bytes([content[middle] ^ 0x01]) + content[middle + 1:]


def upload(client: Client, code: str, content: bytes, name: str = "letter.pdf") -> Any:
    return client.post(f"/letters/{code}", {"letter": SimpleUploadedFile(name, content, "application/pdf")})


@pytest.fixture
def log_key(settings: Any, tmp_path: Any) -> Signer:
    signer = Signer.generate(settings.TRANSPARENCY_ORIGIN)
    (tmp_path / "log.key").write_text(signer.text() + "\n")
    settings.TRANSPARENCY_KEY_FILE = str(tmp_path / "log.key")
    return signer


# --- the code ------------------------------------------------------------------------------------------------------


def test_a_code_is_random_readable_and_read_back_however_it_is_typed() -> None:
    codes = {code_new() for _ in range(2000)}
    assert len(codes) == 2000 and all(len(c) == 12 and set(c) <= set(ALPHABET) for c in codes)
    assert not set(ALPHABET) & set("0O1ILU")  # nothing to take for something else
    assert {c for code in codes for c in code} == set(ALPHABET)  # every symbol drawn
    assert code_shown("K7Q2M9XD4HTR") == "K7Q2-M9XD-4HTR"
    for typed in ("K7Q2-M9XD-4HTR", "k7q2m9xd4htr", " K7Q2 M9XD 4HTR ", "K7Q2\u2013M9XD\u20104HTR"):
        assert code_read(typed) == "K7Q2M9XD4HTR"
    for typed in ("", "K7Q2-M9XD-4HT", "K7Q2-M9XD-4HTRR", "K7Q2-M9XD-4HT0", "K7Q2-M9XD-4HTŘ", "ǅ" * 12, "-" * 5000):
        assert code_read(typed) is None


# --- the letters ---------------------------------------------------------------------------------------------------


def test_an_invitation_letter_carries_its_code_and_a_qr_code_of_its_page_and_its_digest_is_kept(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    request = recommended(world, email="aroha.worker@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invitation_issue(request=request, by=world.inz_officer)
    smtp.wait_for(2)
    [to_worker] = smtp.to("aroha.worker@example.com")
    [to_employer] = smtp.to(world.employer_a.email)
    content = attachment(to_worker)[1]
    assert attachment(to_employer)[1] == content  # one letter, naming both, sent to both
    [letter] = IssuedLetter.objects.all()
    # The digest of the bytes that arrived over SMTP, not of some other rendering.
    assert letter.sha256 == hashlib.sha256(content).hexdigest()
    assert (letter.kind, letter.for_whom, letter.request) == ("invitation_to_apply", "worker_and_employer", request)
    assert letter.decided == f"Invited to apply, valid until {nz_time(invitation.expires_at)}"
    code = code_shown(letter.code)
    text = pdf_text(content)
    assert code_in(content) == code
    address = f"{BASE}/letters/{code}"
    assert address in text and "Check this letter" in text
    # The QR code is the one segno makes of the page's address, module for module.
    [page] = PdfReader(io.BytesIO(content)).pages
    [image] = page.images
    assert qr_modules(image.image) == qr_modules_of(address)
    assert qr_modules_of(address) != qr_modules_of(f"{BASE}/letters/{code_shown(code_new())}")


def qr_modules(image: Any) -> list[list[bool]]:
    """The dark modules of a QR code drawn 8 pixels to a module, read from the centre of each."""
    grey = image.convert("L")
    width, height = grey.size
    return [[grey.getpixel((x + 4, y + 4)) < 128 for x in range(0, width, 8)] for y in range(0, height, 8)]


def qr_modules_of(address: str) -> list[list[bool]]:
    return [[bool(m) for m in row] for row in segno.make(address, error="m", micro=False).matrix_iter(border=4)]


def test_visa_decision_letters_each_have_their_own_code_and_say_what_was_decided_without_the_reasons(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    granted = travelling(world, recommended(world))
    until = timezone.localdate() + dt.timedelta(days=365)
    declined = travelling(world, recommended(world), family=())
    with django_capture_on_commit_callbacks(execute=True):
        visas.visa_grant(request=granted, by=world.inz_officer, valid_until=until, conditions="Work only for us.")
        visas.visa_decline(request=declined, by=world.inz_officer, reasons="Health requirements are not met.")
    letters = {(letter.request_id, letter.for_whom): letter
               for letter in IssuedLetter.objects.filter(kind="visa_decision")}
    assert set(letters) == {(r.pk, whom) for r in (granted, declined) for whom in ("worker", "employer")}
    assert len({letter.code for letter in letters.values()}) == 4
    assert letters[granted.pk, "worker"].decided == f"Visa granted, valid until {until:%-d %B %Y}"
    assert letters[declined.pk, "employer"].decided == "Visa declined"
    sent = {hashlib.sha256(content).hexdigest(): content
            for message in mail.outbox for _, content, kind in message.attachments if "visa" in message.subject}
    for letter in letters.values():
        assert code_in(sent[letter.sha256]) == code_shown(letter.code)


# --- the log -------------------------------------------------------------------------------------------------------


def test_each_letter_is_a_leaf_of_the_log_naming_its_digest(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    request, content = invited(world, django_capture_on_commit_callbacks)
    letter = IssuedLetter.objects.get()
    [entry] = LogEntry.objects.filter(kind="letter")
    assert json.loads(bytes(entry.data)) == {
        "kind": "letter", "code": letter.code, "request": request.reference, "letter": "invitation_to_apply",
        "for": "worker_and_employer", "decided": letter.decided, "sha256": hashlib.sha256(content).hexdigest(),
        "issued_at": letter.issued_at.astimezone(dt.UTC).isoformat(),
    }
    assert letter_entry(IssuedLetter.objects.get()) == entry  # found again from the record read back


def test_a_letter_rolled_back_with_its_invitation_leaves_no_leaf(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    request = recommended(world)
    with django_capture_on_commit_callbacks(execute=True) as sent, contextlib.suppress(RuntimeError), \
            transaction.atomic():
        invitations.invitation_issue(request=request, by=world.inz_officer)
        # Written inside the transaction, beside the letter, not after it commits.
        assert LogEntry.objects.filter(kind="letter").count() == IssuedLetter.objects.count() == 1
        raise RuntimeError("the invitation fails after its letter was made")
    assert sent == [] and mail.outbox == []
    assert not IssuedLetter.objects.exists() and not LogEntry.objects.filter(kind="letter").exists()


# --- the page ------------------------------------------------------------------------------------------------------


def test_the_page_shows_the_letters_facts_and_then_its_inclusion_in_a_checkpoint(
    world: World, client: Client, log_key: Signer, django_capture_on_commit_callbacks: Capture
) -> None:
    request, content = invited(world, django_capture_on_commit_callbacks)
    letter = IssuedLetter.objects.get()
    code = code_in(content)
    page = client.get(f"/letters/{code}")
    assert page.status_code == 200
    html = page.content.decode()
    for fact in (code, request.reference, "Invitation to apply", "The worker and the employer", letter.decided,
                 nz_time(letter.issued_at), hashlib.sha256(content).hexdigest()):
        assert fact in html
    assert "will be in the next checkpoint, made every few minutes" in html
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html

    checkpoint = checkpoint_make()
    entry = LogEntry.objects.get(kind="letter")
    html = client.get(f"/letters/{code}").content.decode()
    assert "proved to be in its latest signed checkpoint" in html
    assert f'id="log-index">{entry.index}<' in html and f'id="log-size">{checkpoint.size} entries<' in html
    assert 'href="/transparency/checkpoint"' in html


def test_a_checkpoint_whose_root_the_letter_does_not_lead_to_is_not_taken_as_proof(
    world: World, client: Client, log_key: Signer, django_capture_on_commit_callbacks: Capture
) -> None:
    _, content = invited(world, django_capture_on_commit_callbacks)
    checkpoint_make()
    Checkpoint.objects.update(root_hash=bytes(32))
    html = client.get(f"/letters/{code_in(content)}").content.decode()
    assert "proved" not in html and "The transparency log does not confirm what this page says" in html


def test_a_record_changed_after_the_letter_was_sent_no_longer_finds_its_leaf_and_the_page_warns(
    world: World, client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    _, content = invited(world, django_capture_on_commit_callbacks)
    IssuedLetter.objects.update(decided="Visa granted, valid until 1 January 2099")
    html = client.get(f"/letters/{code_in(content)}").content.decode()
    assert "The transparency log does not confirm what this page says" in html


def test_the_letter_as_sent_is_accepted_and_one_changed_by_a_byte_is_refused(
    world: World, client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    _, content = invited(world, django_capture_on_commit_callbacks)
    code = code_in(content)
    accepted = upload(client, code, content)
    assert accepted.status_code == 200
    html = accepted.content.decode()
    assert "This is the letter Immigration New Zealand sent" in html and "govuk-error-summary" not in html
    refused = upload(client, code, flipped(content)).content.decode()
    assert "This is the letter Immigration New Zealand sent" not in refused
    assert "govuk-error-summary" in refused and f"not the letter with the code {code}" in refused
    assert "ask whoever gave it to you for the letter exactly as Immigration New Zealand emailed it" in refused
    assert "<title>Error: " in refused


def test_another_letters_pdf_is_not_this_letter(
    world: World, client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    _, first = invited(world, django_capture_on_commit_callbacks)
    _, second = invited(world, django_capture_on_commit_callbacks)
    assert "not the letter with the code" in upload(client, code_in(first), second).content.decode()


@pytest.mark.parametrize(("content", "says"), [
    (b"", "The selected file is empty"),
    (b"not a pdf at all", "not the letter with the code"),
    (b"%PDF-1.7\n\xff\xfe\x00garbage", "not the letter with the code"),
    ("Kōwhai ✓ 😀".encode(), "not the letter with the code"),
    (b"\0" * (LETTER_MAX_BYTES + 1), TOO_LARGE),
])
def test_a_file_that_is_not_the_letter_is_refused_with_what_to_do(
    world: World, client: Client, django_capture_on_commit_callbacks: Capture, content: bytes, says: str
) -> None:
    _, letter = invited(world, django_capture_on_commit_callbacks)
    page = upload(client, code_in(letter), content, name="ǅ😀 \u202e.pdf")
    assert page.status_code == 200
    html = page.content.decode()
    assert says in html and "govuk-error-summary" in html and "This is the letter" not in html


def test_a_post_without_a_file_or_not_multipart_or_broken_asks_for_the_file(
    world: World, client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    _, letter = invited(world, django_capture_on_commit_callbacks)
    address = f"/letters/{code_in(letter)}"
    for answer in (client.post(address, {}),
                   client.post(address, {"letter": "just text"}),
                   client.post(address, data=b"\x00\xff" * 100, content_type="application/octet-stream"),
                   client.post(address, data=b"--x\r\nbroken", content_type="multipart/form-data; boundary=x")):
        assert answer.status_code == 200
        assert "Select the PDF letter to check" in answer.content.decode()
    # A multipart body without its boundary cannot be read at all: Django answers 400 before the form sees it.
    assert client.post(address, data=b"nothing", content_type="multipart/form-data").status_code == 400


def test_the_upload_needs_the_forms_csrf_token(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    _, letter = invited(world, django_capture_on_commit_callbacks)
    strict = Client(enforce_csrf_checks=True)
    assert upload(strict, code_in(letter), letter).status_code == 403


@pytest.mark.parametrize("typed", [
    "K7Q2-M9XD-4HTR", "0000-0000-0000", "abc", "ǅǅǅǅ-ǅǅǅǅ-ǅǅǅǅ", "Kōwhai", "%F0%9F%98%80", "x" * 3000,
    "K7Q2-M9XD-4HTR%00", "..%5C..%5Cetc", "<script>", "%E2%80%AE",
])
def test_an_unknown_or_malformed_code_is_a_page_saying_to_check_the_footer(db: None, client: Client,
                                                                            typed: str) -> None:
    page = client.get(f"/letters/{typed}")
    assert page.status_code in (404, 400)  # 400: a null character, refused before any view (bordercase.guard)
    if page.status_code == 404:
        html = page.content.decode()
        assert "No letter has this code" in html and "Check the verification code in the letter's footer" in html
    assert client.post(f"/letters/{typed}", {"letter": SimpleUploadedFile("a.pdf", b"%PDF")}).status_code in (
        404, 400)


def test_a_code_typed_loosely_leads_to_the_letters_one_address(
    world: World, client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    _, letter = invited(world, django_capture_on_commit_callbacks)
    code = code_in(letter)
    answer = client.get(f"/letters/{code.lower().replace('-', '')}")
    assert (answer.status_code, answer["Location"]) == (302, f"/letters/{code}")


def test_the_find_form_leads_to_the_letter_or_says_what_is_wrong(
    world: World, client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    _, letter = invited(world, django_capture_on_commit_callbacks)
    code = code_in(letter)
    empty = client.get("/letters")
    assert empty.status_code == 200 and "govuk-error-summary" not in empty.content.decode()
    found = client.get("/letters", {"code": f"  {code.lower()} "})
    assert (found.status_code, found["Location"]) == (302, f"/letters/{code}")
    other = code_shown(code_new())
    for typed, says in (("", "Enter the verification code"), ("K7Q2", NOT_A_CODE), ("Kōwhai😀" * 30, NOT_A_CODE),
                        (other, f"No letter has the code {other}")):
        html = client.get("/letters", {"code": typed}).content.decode()
        assert "govuk-error-summary" in html and says.replace("'", "&#x27;") in html, typed
