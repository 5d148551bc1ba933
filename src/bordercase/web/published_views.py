"""The public pages of allocation rounds: anyone, signed in or not, may read a round and download its files.

They show only what the round has published: the entries once published, the secret, seed and results once
drawn. Entries are named by their random entry ids, never by request, employer or worker.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bordercase.cases.models import AllocationRound
from bordercase.cases.services import declared_rounds, rounds

VERIFY_ORDER = ("manifest.json", "entries.csv", "results.csv")


def _round(code: str, number: int) -> AllocationRound:
    try:
        return rounds.round_get(code, number)
    except AllocationRound.DoesNotExist as exc:
        raise Http404("No such allocation round") from exc


def file_name(found: AllocationRound, name: str) -> str:
    return f"{found.scheme.code}-round-{found.number}-{name}"


@require_GET
def published_rounds(request: HttpRequest) -> HttpResponse:
    schemes = [(s, rounds.rounds_of(s)) for s in rounds.allocating_schemes()]
    return render(request, "web/allocation/published_rounds.html", {"schemes": schemes})


@require_GET
def published_round(request: HttpRequest, code: str, number: int) -> HttpResponse:
    found = _round(code, number)
    downloads = [{"name": f.name, "file_name": file_name(found, f.name), "size": len(f.content), "sha256": f.sha256}
                 for f in rounds.published_files(found).values()]
    context = {
        "round": found, "scheme": found.scheme, "downloads": downloads, "counts": rounds.result_counts(found),
        "entries": rounds.entry_count(found), "reallocations": rounds.reallocations_of(found),
        # One file a line, so the command fits a narrow screen and still pastes into a shell as it is.
        "verify": " \\\n  ".join(["bordercase ballot verify", *(file_name(found, n) for n in VERIFY_ORDER)]),
        "is_ballot": found.method == AllocationRound.Method.BALLOT,
        "declared": declared_rounds.declared_round(found),
        "declaration_text": bytes(found.declaration_json).decode(),
        "chances": rounds.chances_of(found),
    }
    return render(request, "web/allocation/published_round.html", context)


@require_GET
def published_file(request: HttpRequest, code: str, number: int, name: str) -> HttpResponse:
    found = _round(code, number)
    published = rounds.published_files(found).get(name)
    if published is None:
        raise Http404("This round has published no such file, or not yet")
    response = HttpResponse(published.content, content_type=published.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name(found, name)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
