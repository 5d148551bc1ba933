"""The rules pages' routes (issue 19), included by web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from bordercase.web import rules_views

urlpatterns: list[URLPattern] = [
    path("", rules_views.rules_index, name="rules"),
    path("<slug:code>/", rules_views.rules_scheme_page, name="rules-scheme"),
    path("<slug:code>/check/", rules_views.rules_check, name="rules-check"),
    path("<slug:code>/check/start/", rules_views.rules_check_start, name="rules-check-start"),
]
