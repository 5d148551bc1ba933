"""Checks `bordercase check --deploy` makes beyond Django's own: what a production site needs to be told."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning

from bordercase.lib import scanning


def site_address_named(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Links in emails (invitations to apply, password resets) must reach the site people use, over HTTPS."""
    named = os.environ.get("BORDERCASE_BASE_URL", "")
    if not named:
        return [Warning("BORDERCASE_BASE_URL is not set, so links in emails would point at the address bordercase "
                        f"serves on ({settings.BORDERCASE_BASE_URL}), which people outside cannot reach.",
                        hint="Set BORDERCASE_BASE_URL to the site's address, such as https://bordercase.example.nz.",
                        id="bordercase.W001")]
    if not named.startswith("https://"):
        return [Warning(f"BORDERCASE_BASE_URL is {named!r}: links in emails would not use HTTPS.",
                        hint="Give the site's https:// address.", id="bordercase.W002")]
    return []


def virus_scanner_answers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A virus scanner named but not answering would refuse every upload, so the deployment is told before then.

    None named is no warning: scanning is a choice (BORDERCASE_CLAMAV), and evidence is already only PDF, PNG or
    JPEG with nothing in it that runs (bordercase.lib.evidence), so a site without a scanner is not unsafe by default.
    """
    daemon = scanning.configured()
    if daemon is None:
        return []
    problem = scanning.answers(daemon)
    if problem is None:
        return []
    return [Warning(f"BORDERCASE_CLAMAV names {daemon}, but ClamAV's daemon does not answer there ({problem}), so "
                    "every upload would be refused.",
                    hint="Start clamd (Debian: apt-get install clamav-daemon; freshclam keeps its databases "
                         "current), or correct BORDERCASE_CLAMAV to the LocalSocket or TCPSocket in its clamd.conf.",
                    id="bordercase.W010")]
