"""The privacy statement (Privacy Act 2020, IPP 3): what bordercase collects and why, who sees it, how long each
kind is kept (drawn from the retention schedule in force, so the two cannot disagree) and how to ask for access,
correction, or complain."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bordercase.retention.current import schedule_current


@require_GET
def privacy_statement(request: HttpRequest) -> HttpResponse:
    schedule = schedule_current()
    return render(request, "web/privacy_statement.html", {"rules": schedule.rules, "sources": schedule.sources})
