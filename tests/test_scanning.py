"""Virus scanning of uploads by ClamAV's daemon, started here with a database of its own.

These machines cannot download ClamAV's databases, so the daemon is given one holding a single signature, made with
ClamAV's sigtool from the EICAR test file: every antivirus program treats that file as a virus, though it is harmless.
The file is put together here from parts, so that this source file is not itself taken for a virus.
"""

from __future__ import annotations

import html
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bordercase.accounts.models import User
from bordercase.cases.models import Document, Request
from bordercase.deploy_checks import virus_scanner_answers
from bordercase.lib import scanning
from bordercase.lib.scanning import Daemon, daemon_at
from tests.conftest import World, signed_in
from tests.test_evidence import KIND, pdf_bytes

MakeRequest = Callable[..., Request]
EICAR = b"".join([b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$", b"EICAR-STANDARD-", b"ANTIVIRUS-TEST-FILE!$H+H*"])
INFECTED = "The file contains a virus (Eicar-Test-Signature): check your computer and upload a clean copy."
UNREACHABLE = ("The file could not be checked for viruses just now, so it has not been kept. Try again in a few "
               "minutes; if it happens again, tell the people who run bordercase for your organisation.")
TOO_LARGE = ("The file could not be checked for viruses: it is larger than the virus scanner takes. Make it smaller "
             "(for example, scan at a lower resolution or in black and white) and upload it again.")
# The daemon here stops reading a stream past this, as a production daemon does past its StreamMaxLength.
STREAM_LIMIT = 1024 * 1024


def program(name: str) -> str:
    """ClamAV's program by name, or a failure saying how to install it: these tests never skip for want of it."""
    found = shutil.which(name) or next((f"{d}/{name}" for d in ("/usr/sbin", "/usr/bin") if os.access(
        f"{d}/{name}", os.X_OK)), None)
    if found is None:
        pytest.fail(f"ClamAV's {name} is not installed: run scripts/ensure-clamav (Debian: apt-get install "
                    "clamav-daemon clamav).")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Clamd:
    socket: str
    tcp: str


@pytest.fixture(scope="module")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clamd]:
    """ClamAV's daemon, listening on a unix socket and a TCP port, knowing the EICAR signature alone."""
    clamd, sigtool = program("clamd"), program("sigtool")
    home = tmp_path_factory.mktemp("clamd")
    database = home / "database"
    database.mkdir()
    # A body signature (.ndb): the test file's bytes, anywhere in a file of any type, as hex that sigtool writes.
    hexed = subprocess.run([sigtool, "--hex-dump"], input=EICAR, capture_output=True, check=True).stdout.decode()
    (database / "eicar.ndb").write_text(f"Eicar-Test-Signature:0:*:{hexed.strip()}\n")
    listening, port = home / "clamd.sock", free_port()
    config = home / "clamd.conf"
    config.write_text("\n".join([
        f"LocalSocket {listening}", f"TCPSocket {port}", "TCPAddr 127.0.0.1", f"DatabaseDirectory {database}",
        f"TemporaryDirectory {home}", f"StreamMaxLength {STREAM_LIMIT // 1024}K", "Foreground yes", "",
    ]))
    log = (home / "clamd.log").open("wb")
    daemon = subprocess.Popen([clamd, "--config-file", str(config)], stdout=log, stderr=subprocess.STDOUT)
    running = Clamd(socket=str(listening), tcp=f"127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while any(scanning.answers(daemon_at(address)) for address in (running.socket, running.tcp)):
            if daemon.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"clamd did not answer PING:\n{(home / 'clamd.log').read_text(errors='replace')}")
            time.sleep(0.1)
        yield running
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        log.close()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def nothing_stored(media: Path) -> bool:
    return not Document.objects.exists() and not (media.exists() and any(p.is_file() for p in media.rglob("*")))


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def on_the_page(world: World, draft: Request, name: str, content: bytes) -> tuple[int, str]:
    """The evidence page's answer to an upload: its status and, when refused, the error summary's message."""
    response = signed_in(world.employer_a).post(f"/requests/{draft.reference}/evidence/",
                                                {"upload": "1", "kind": KIND, "file": upload(name, content)})
    page = html.unescape(response.content.decode())
    if response.status_code != 200:
        return response.status_code, ""
    assert "govuk-error-summary" in page
    return 200, page.split('<a href="#id_file">', 1)[1].split("</a>", 1)[0]


def in_the_api(api_client: Callable[[User], Client], world: World, draft: Request, name: str, content: bytes
               ) -> tuple[int, str]:
    """The API's answer to an upload: its status and, when refused, what it says of the field ``file``."""
    response = api_client(world.employer_a).post(f"/api/v1/requests/{draft.reference}/documents",
                                                 {"kind": KIND, "file": upload(name, content)})
    if response.status_code != 422:
        return response.status_code, ""
    assert set(response.json()["fields"]) == {"file"}
    return 422, response.json()["fields"]["file"]


# --- with the daemon --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("listening", ["socket", "tcp"])
def test_the_eicar_file_is_refused_on_the_page_and_in_the_api_and_nothing_is_stored(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client], settings: Any,
    clamd: Clamd, listening: str,
) -> None:
    settings.CLAMAV = getattr(clamd, listening)
    draft = make_request()
    assert on_the_page(world, draft, "agreement.pdf", EICAR) == (200, INFECTED)
    assert nothing_stored(media)
    assert in_the_api(api_client, world, draft, "agreement.pdf", EICAR) == (422, INFECTED)
    assert nothing_stored(media)


def test_a_pdf_carrying_the_eicar_file_is_refused_for_the_virus_before_it_is_read_as_a_pdf(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client], settings: Any,
    clamd: Clamd,
) -> None:
    settings.CLAMAV = clamd.socket
    carrier = pdf_bytes() + b"%" + EICAR + b"\n"  # a comment after the end: a reader would still open it
    draft = make_request()
    assert on_the_page(world, draft, "agreement.pdf", carrier) == (200, INFECTED)
    assert in_the_api(api_client, world, draft, "agreement.pdf", carrier) == (422, INFECTED)
    assert nothing_stored(media)


def test_a_clean_pdf_is_scanned_and_accepted_on_the_page_and_in_the_api(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client], settings: Any,
    clamd: Clamd, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.CLAMAV = clamd.socket
    scanned: list[str | None] = []
    real = scanning.virus_in

    def watched(upload: Any, daemon: Daemon) -> str | None:
        scanned.append(real(upload, daemon))
        return scanned[-1]

    monkeypatch.setattr(scanning, "virus_in", watched)
    draft = make_request()
    assert on_the_page(world, draft, "agreement.pdf", pdf_bytes())[0] == 302  # back to the list of evidence
    assert in_the_api(api_client, world, make_request(), "agreement.pdf", pdf_bytes(2))[0] == 201
    assert scanned == [None, None] and Document.objects.count() == 2


def test_a_file_longer_than_the_daemon_reads_is_refused_saying_so(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client], settings: Any,
    clamd: Clamd,
) -> None:
    settings.CLAMAV = clamd.socket
    for size in (STREAM_LIMIT + 1, 3 * STREAM_LIMIT):  # just past it the daemon says why; further, it hangs up
        large = b"%PDF-1.4\n" + os.urandom(size)
        draft = make_request()
        assert on_the_page(world, draft, "scan.pdf", large) == (200, TOO_LARGE)
        assert in_the_api(api_client, world, draft, "scan.pdf", large) == (422, TOO_LARGE)
    assert nothing_stored(media)


def test_the_deployment_check_passes_a_daemon_that_answers(settings: Any, clamd: Clamd) -> None:
    for address in (clamd.socket, clamd.tcp):
        settings.CLAMAV = address
        assert virus_scanner_answers() == []


# --- without one --------------------------------------------------------------------------------------------------


def unreachable(tmp_path: Path) -> list[str]:
    return [str(tmp_path / "no-clamd.sock"), f"127.0.0.1:{free_port()}"]


def test_a_scanner_that_cannot_be_reached_refuses_every_upload_and_nothing_is_stored(
    world: World, make_request: MakeRequest, media: Path, api_client: Callable[[User], Client], settings: Any,
    tmp_path: Path,
) -> None:
    for address in unreachable(tmp_path):
        settings.CLAMAV = address
        draft = make_request()
        assert on_the_page(world, draft, "agreement.pdf", pdf_bytes()) == (200, UNREACHABLE)
        assert in_the_api(api_client, world, draft, "agreement.pdf", pdf_bytes()) == (422, UNREACHABLE)
        assert nothing_stored(media)


def test_without_a_scanner_uploads_are_not_scanned(
    world: World, make_request: MakeRequest, media: Path, settings: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.CLAMAV = ""

    def never(*args: Any) -> None:
        raise AssertionError("an upload was scanned with no scanner configured")

    monkeypatch.setattr(scanning, "virus_in", never)
    draft = make_request()
    status, message = on_the_page(world, draft, "agreement.pdf", EICAR)
    assert status == 200 and message.startswith("The file must be a PDF, PNG or JPEG")  # the content checks alone
    assert on_the_page(world, draft, "agreement.pdf", pdf_bytes())[0] == 302
    assert virus_scanner_answers() == []


def test_the_deployment_check_warns_of_a_scanner_that_does_not_answer(settings: Any, tmp_path: Path) -> None:
    for address in unreachable(tmp_path):
        settings.CLAMAV = address
        [warning] = virus_scanner_answers()
        assert warning.id == "bordercase.W010" and "every upload would be refused" in warning.msg
        assert address in warning.msg and "clamd.conf" in (warning.hint or "")


# --- the address --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "daemon"), [
    ("/run/clamav/clamd.ctl", Daemon(path="/run/clamav/clamd.ctl")),
    ("unix:///run/clamav/clamd.ctl", Daemon(path="/run/clamav/clamd.ctl")),
    ("127.0.0.1:3310", Daemon(host="127.0.0.1", port=3310)),
    ("tcp://clamav.internal:3310", Daemon(host="clamav.internal", port=3310)),
    ("[::1]:3310", Daemon(host="::1", port=3310)),
])
def test_the_daemon_is_named_by_a_socket_s_path_or_a_host_and_port(address: str, daemon: Daemon) -> None:
    assert daemon_at(address) == daemon


@pytest.mark.parametrize("address", ["clamd", "127.0.0.1", "127.0.0.1:0", "host:99999", "unix://clamd.ctl",
                                     "http://clamav:3310"])
def test_an_address_that_names_no_daemon_is_refused_as_the_service_starts(tmp_path: Path, address: str) -> None:
    result = subprocess.run([sys.executable, "-c", "import bordercase.settings"], capture_output=True, text=True,
                            timeout=120, check=False, env={"PATH": "/usr/bin:/bin", "BORDERCASE_CLAMAV": address,
                                                            "BORDERCASE_VAR_DIR": str(tmp_path / "var")})
    assert result.returncode != 0 and f"BORDERCASE_CLAMAV: {address!r} " in result.stderr
    assert "such as 127.0.0.1:3310" in result.stderr or "full path" in result.stderr
