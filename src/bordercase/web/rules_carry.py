"""Answers carried from the eligibility checker into a new request: kept in the person's session when they ask to
start a request with them, and taken by the start-request page when it creates a draft under that scheme.

The one home of that hand-over, so the checker and the lodging pages agree on where the answers wait. Sign-in
keeps the session's data (Django cycles the key, not the contents), so the answers survive signing in.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase

KEY = "rules-carried-answers"


def answers_keep(session: SessionBase, scheme: str, answers: dict[str, Any]) -> None:
    """Keep one scheme's answers, replacing any kept before (the person checked again)."""
    session[KEY] = {"scheme": scheme, "answers": answers}


def carried_scheme(session: SessionBase) -> str:
    """The scheme whose answers wait, for the start page to choose it; "" when none do."""
    kept = session.get(KEY)
    return str(kept["scheme"]) if isinstance(kept, dict) and "scheme" in kept else ""


def answers_carried(session: SessionBase, scheme: str) -> dict[str, Any]:
    """The answers waiting for a request under ``scheme``; none for any other scheme."""
    kept = session.get(KEY)
    if isinstance(kept, dict) and kept.get("scheme") == scheme and isinstance(kept.get("answers"), dict):
        return dict(kept["answers"])
    return {}


def answers_forget(session: SessionBase) -> None:
    """Once a draft holds them, the answers no longer wait (a second request starts empty)."""
    session.pop(KEY, None)
