"""The record of who looked (issue 20): administrators search it by request, staff email, body and dates, page by
page or as CSV. Anyone but a scheme administrator gets a 404, as for every administration page.

The rules (what is recorded, how a search matches) are in privacy.reads; the view reads the form and shows rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, ClassVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from bordercase.lib.identifiers import InvalidIdentifier, reference_normalise
from bordercase.lib.spreadsheet import spreadsheet_safe
from bordercase.privacy import reads
from bordercase.web.administration_views import administrator_or_404
from bordercase.web.forms import DatesForm

PAGE_SIZE = 50


class ReadSearchForm(DatesForm):
    """The search, from the query string: every box may be left empty."""

    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "since": ("From", "The first day to include, New Zealand time. For example, 1 3 2026.", ""),
        "until": ("To", "The last day to include. For example, 31 3 2026.", ""),
    }
    field_order: ClassVar[list[str]] = ["reference", "email", "body"]

    reference = forms.CharField(
        label="Request reference", required=False, max_length=20,
        help_text="For example, BX-7K3Q-9D2M.",
        error_messages={"max_length": "Request reference must be 20 characters or fewer, like BX-7K3Q-9D2M"})
    email = forms.CharField(
        label="Staff email address", required=False, max_length=254,
        help_text="All or part of it: 'nztech.org.nz' finds everyone at that address.",
        error_messages={"max_length": "Staff email address must be 254 characters or fewer"})
    body = forms.ChoiceField(
        label="Organisation", required=False,
        error_messages={"invalid_choice": "Choose an organisation from the list"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [("", "Any organisation")] + [
            (str(o.pk), o.name) for o in reads.reading_bodies()]

    def clean_reference(self) -> str:
        typed = self.cleaned_data.get("reference", "").strip()
        if not typed:
            return ""
        try:
            return reference_normalise(typed)
        except InvalidIdentifier as exc:
            raise forms.ValidationError(f"Request reference: {exc}") from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and until < since:
            self.add_error("until_day", "To must be the same day as From or after it")
        return data

    def search(self) -> reads.ReadSearch:
        data = self.cleaned_data
        return reads.ReadSearch(reference=data["reference"], email=data["email"].strip().lower(),
                                body_id=int(data["body"]) if data["body"] else None,
                                since=data["since"], until=data["until"])


@login_required
@require_GET
def reads_page(request: HttpRequest) -> HttpResponse:
    administrator_or_404(request)
    form = ReadSearchForm(request.GET)
    context: dict[str, Any] = {"form": form, "query": request.GET.urlencode()}
    if form.is_valid():
        found = reads.reads_found(form.search())
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        context.update(page=page, page_query=params.urlencode() + "&" if params else "",
                       export_query=params.urlencode())
    # Form errors answer 200, as every page here does: the page is fine, the search needs fixing.
    return render(request, "web/privacy/reads.html", context)


class _Line:
    """What csv.writer writes to: each line handed straight back, so the export streams."""

    def write(self, line: str) -> str:
        return line


@login_required
@require_GET
def reads_csv(request: HttpRequest) -> HttpResponse:
    """The search's every row as CSV, newest first; a search that needs fixing shows the page with its errors."""
    administrator_or_404(request)
    form = ReadSearchForm(request.GET)
    if not form.is_valid():
        return render(request, "web/privacy/reads.html", {"form": form, "query": request.GET.urlencode()})
    found = reads.reads_found(form.search())

    def lines() -> Iterator[str]:
        writer = csv.writer(_Line(), lineterminator="\r\n")
        yield writer.writerow(reads.CSV_FIELDS)
        for read in found.iterator(chunk_size=2000):
            yield writer.writerow([spreadsheet_safe(cell) for cell in reads.csv_row(read)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="bordercase-reads-{timezone.localdate():%Y-%m-%d}.csv"')
    response["Cache-Control"] = "private, no-store"
    return response
