"""The occupation pages' routes (issue 19), included by web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from bordercase.web import occupation_views

urlpatterns: list[URLPattern] = [
    path("", occupation_views.occupation_coder, name="occupation-coder"),
]
