"""Scanning uploads for viruses with ClamAV's daemon (clamd), when BORDERCASE_CLAMAV names one.

Unset, nothing is scanned. Set, every upload is streamed to the daemon (its INSTREAM command, so the daemon needs
no access to our files) and what it says decides: a virus found, or no answer at all, and the upload is refused
(fail closed: a file nobody could check is never stored). The client is the clamav-client library; this module
only says where the daemon is and what its answers mean.
"""

from __future__ import annotations

import errno
import logging
import re
from dataclasses import dataclass
from typing import IO

from clamav_client.clamd import BufferTooLongError, ClamdError, ClamdNetworkSocket, ClamdUnixSocket
from django.conf import settings

logger = logging.getLogger("bordercase.scanning")

# Long enough for the daemon to read a file at the largest size evidence may have and scan it; short enough that a
# daemon that has hung gives the person an answer before gunicorn's 30-second worker timeout ends the request.
TIMEOUT_SECONDS = 25
# clamd marks a signature from any database but ClamAV's own signed ones; the virus's name is what people need.
_UNOFFICIAL = ".UNOFFICIAL"
_HOST_AND_PORT = re.compile(r"(?:tcp://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})")


@dataclass(frozen=True)
class Daemon:
    """Where clamd listens: a unix socket's path, or a host and TCP port."""

    path: str = ""
    host: str = ""
    port: int = 0

    def client(self) -> ClamdUnixSocket | ClamdNetworkSocket:
        if self.path:
            return ClamdUnixSocket(path=self.path, timeout=TIMEOUT_SECONDS)
        return ClamdNetworkSocket(host=self.host, port=self.port, timeout=TIMEOUT_SECONDS)

    def __str__(self) -> str:
        return self.path or f"{self.host}:{self.port}"


class Unscanned(Exception):
    """The daemon could not scan the file: ``too_large`` when it stopped reading at its size limit."""

    def __init__(self, reason: str, too_large: bool = False) -> None:
        super().__init__(reason)
        self.too_large = too_large


def daemon_at(address: str) -> Daemon:
    """The daemon an address names: ``/run/clamav/clamd.ctl`` (or ``unix:///…``), or ``host:port``
    (or ``tcp://host:port``); ``ValueError`` saying what is wrong otherwise."""
    given = address.strip()
    if given.startswith("unix://"):
        given = given.removeprefix("unix://")
        if not given.startswith("/"):
            raise ValueError(f"{address!r} names no socket: give its full path, such as unix:///run/clamav/clamd.ctl.")
    if given.startswith("/"):
        return Daemon(path=given)
    found = _HOST_AND_PORT.fullmatch(given)
    if found is None or not 0 < int(found["port"]) < 65536:
        raise ValueError(f"{address!r} is neither a unix socket's path (such as /run/clamav/clamd.ctl) nor a host and "
                         "TCP port (such as 127.0.0.1:3310).")
    return Daemon(host=found["host"].strip("[]"), port=int(found["port"]))


def configured() -> Daemon | None:
    """The daemon uploads are scanned by, or None when scanning is off."""
    address: str = settings.CLAMAV
    return daemon_at(address) if address else None


def answers(daemon: Daemon) -> str | None:
    """None when the daemon answers PING, or why it does not."""
    try:
        reply = daemon.client().ping()
    except (ClamdError, OSError) as exc:
        return str(exc) or type(exc).__name__
    return None if reply == "PONG" else f"it answered {reply!r} to PING"


def virus_in(upload: IO[bytes], daemon: Daemon) -> str | None:
    """The name of the virus the daemon finds in the upload, or None when it finds none; ``Unscanned`` when it could
    not say. Reads the upload from its start."""
    upload.seek(0)
    try:
        results = daemon.client().instream(upload)  # type: ignore[arg-type]  # it reads any binary stream
    except BufferTooLongError as exc:
        raise Unscanned(str(exc), too_large=True) from exc
    except OSError as exc:
        # The daemon hangs up mid-stream once a file passes its StreamMaxLength, before the client can read why.
        if exc.errno in (errno.EPIPE, errno.ECONNRESET):
            raise Unscanned(f"{daemon} stopped reading the file ({exc})", too_large=True) from exc
        raise Unscanned(f"{daemon} could not be reached ({exc})") from exc
    except ClamdError as exc:  # CommunicationError (no daemon there) and ResponseError (an answer not understood)
        raise Unscanned(f"{daemon}: {exc}") from exc
    finally:
        upload.seek(0)
    status, name = results.get("stream", ("ERROR", "no answer about the stream"))
    if status == "OK":
        return None
    if status == "FOUND" and name:
        return name.removesuffix(_UNOFFICIAL)
    raise Unscanned(f"{daemon} answered {status} {name or ''}".strip())
