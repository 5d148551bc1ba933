"""The rules pages' routes (issue 19), included by web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
