"""The public page of each letter Immigration NZ sent through bordercase (``/letters/<code>``, no sign-in): what it
decided, its SHA-256 and its place in the transparency log, and whether a PDF uploaded there is the letter as sent.
``/letters`` takes a code typed in. The rules are ``immigration.services.issued_letters`` and
``transparency.letters``. Both pages are limited per address as the API's public routes are (``web.throttle``):
each check reads the log to prove the letter's place in it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from bordercase.cases.windows import nz_time
from bordercase.immigration.services.issued_letters import code_shown, letter_by_code, letter_matches
from bordercase.transparency.letters import letter_in_log
from bordercase.web.letter_forms import NOT_THE_LETTER, LetterCodeForm, LetterUploadForm
from bordercase.web.throttle import throttled


@require_GET
@throttled
def letter_find(request: HttpRequest) -> HttpResponse:
    form = LetterCodeForm(request.GET if "code" in request.GET else None)
    if form.is_valid():
        return redirect("web:letter-check", code=code_shown(form.cleaned_data["code"]))
    return render(request, "web/letters/find.html", {"form": form})


@require_http_methods(["GET", "POST"])
@throttled
def letter_check(request: HttpRequest, code: str) -> HttpResponse:
    letter = letter_by_code(code)
    if letter is None:
        return render(request, "web/letters/not_found.html", {"form": LetterCodeForm()}, status=404)
    shown = code_shown(letter.code)
    if request.method == "GET" and code != shown:
        return redirect("web:letter-check", code=shown)  # typed in lower case or without hyphens: one address
    form = LetterUploadForm(request.POST, request.FILES) if request.method == "POST" else LetterUploadForm()
    matched = mismatched = False
    if form.is_valid():
        matched = letter_matches(letter, form.cleaned_data["letter"].chunks())
        if not matched:
            mismatched = True
            form.add_error("letter", NOT_THE_LETTER.format(code=shown))
    log = letter_in_log(letter)
    return render(request, "web/letters/check.html", {
        "letter": letter, "code": shown, "issued": nz_time(letter.issued_at), "log": log,
        "checkpoint_made": nz_time(log.inclusion.checkpoint.made_at) if log.inclusion else None,
        "form": form, "matched": matched, "mismatched": mismatched,
    })
