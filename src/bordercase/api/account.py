"""API routes about the caller's own account: everything bordercase holds about them (IPP 6)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from bordercase.api.auth import caller
from bordercase.api.requests import ERRORS
from bordercase.api.schemas import file_download
from bordercase.privacy.access import my_data_download

router = Router(tags=["account"])


@router.get("/account/my-data", response=ERRORS, summary="Download everything bordercase holds about you",
            description="A zip of `data.json` (your account, memberships, email settings, API tokens' names and dates, "
            "the requests about you in full, the requests you started for an employer by reference, scheme and "
            "status, and your correction requests) and your files. Never a password, secret or token.",
            openapi_extra=file_download({"application/zip": {"type": "string", "format": "binary",
                                                             "description": "A zip: data.json and files/…"}}))
def my_data(request: HttpRequest) -> HttpResponse:
    return my_data_download(caller(request))
