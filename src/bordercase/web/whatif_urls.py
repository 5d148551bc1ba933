"""The administrator's what-if pages (issue 19, item 4), included by web.urls at /administration/what-if/ under the
"web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from bordercase.web import whatif_views

urlpatterns: list[URLPattern] = [
    path("", whatif_views.schemes_page, name="whatif-schemes"),
    path("<slug:code>/", whatif_views.whatif_page, name="whatif"),
    path("<slug:code>/what-if.csv", whatif_views.whatif_export, name="whatif-export"),
]
