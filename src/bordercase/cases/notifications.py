"""Telling applicants what happened to their requests, by email. (Filled in by the email work.)"""

from __future__ import annotations


def request_changed(event_id: int) -> None:
    """Called after the commit of every transition."""


def same_worker_nominated(request_id: int, other_request_ids: list[int]) -> None:
    """Called after the commit of a lodging whose worker is nominated in other requests under the scheme."""
