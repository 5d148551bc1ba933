"""The retention pages' routes (issue 20), included by web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from bordercase.web import privacy_statement_views

urlpatterns: list[URLPattern] = [
    # The privacy statement (IPP 3), its periods drawn from the retention schedule.
    path("privacy/", privacy_statement_views.privacy_statement, name="privacy-statement"),
]
