"""The person's own information back to them (IPP 6): a page saying what the download holds, and the download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from bordercase.accounts.roles import roles_of
from bordercase.privacy.access import my_data_download, requests_about, requests_started
from bordercase.web.plumbing import user_of


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if request.method == "POST":
        return my_data_download(user)
    context = {
        "about": requests_about(user).count(), "started": requests_started(user).count(),
        "employer": bool(roles_of(user).employer_of),
    }
    return render(request, "web/privacy/my_data.html", context)

