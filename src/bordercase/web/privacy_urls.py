"""The privacy pages' routes (issue 20), included by web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
