"""A real SMTP server for tests and the production journey, keeping every message it receives, parsed.

Free of Django, so scripts/production_journey.py can use it against a server in another process.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller


class MailServer:
    """A real SMTP server (aiosmtpd) on a free local port, with every message it received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=default_policy).parsebytes(envelope.content)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} email(s) within {timeout} s, got {len(self.messages)}")

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def start(self) -> tuple[Controller, int]:
        """Serve on a free local port; the controller (to stop) and the port."""
        # aiosmtpd checks it is up by connecting to its port, so the port must be known before it starts.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # aiosmtpd logs each connection at INFO from its own thread, which can outlive the test that started it and
        # write into a later test's captured output.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        controller = Controller(self, hostname="127.0.0.1", port=port)
        controller.start()
        return controller, port

    def about(self, subject: str, timeout: float = 5.0) -> EmailMessage:
        """The first email whose subject has these words, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [m for m in self.messages if subject in str(m["Subject"])]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no email about {subject!r}; got {[str(m['Subject']) for m in self.messages]}")


def first_link(message: EmailMessage) -> str:
    """The first web address in the email's text."""
    found = re.search(r"https?://\S+", message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert found, "the email carries a link"
    return found.group(0)
