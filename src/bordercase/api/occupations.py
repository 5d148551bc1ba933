"""The occupations routes of the API (issue 19)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["occupations"])
