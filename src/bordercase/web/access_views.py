"""The person's own information back to them (IPP 6): a page saying what the download holds, and the download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from bordercase.accounts.roles import roles_of
from bordercase.privacy.access import my_data_zip, requests_about, requests_started
from bordercase.web.plumbing import user_of


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if request.method == "POST":
        return zip_response(my_data_zip(user))
    context = {
        "about": requests_about(user).count(), "started": requests_started(user).count(),
        "employer": bool(roles_of(user).employer_of),
    }
    return render(request, "web/privacy/my_data.html", context)


def zip_response(archive: object) -> FileResponse:
    """The zip streamed from its temporary file, which the response closes (and so deletes) once sent."""
    name = f"bordercase-my-data-{timezone.localdate():%Y-%m-%d}.zip"
    response = FileResponse(archive, content_type="application/zip", as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
