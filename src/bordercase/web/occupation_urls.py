"""The occupation pages' routes (issue 19), included by web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from bordercase.web import assessment_views, occupation_views

urlpatterns: list[URLPattern] = [
    path("", occupation_views.occupation_coder, name="occupation-coder"),
    # An assessor records a request's occupation from its assessment page (a POST; errors show on that page).
    path("assessment/<str:reference>/", assessment_views.occupation, name="occupation-record"),
]
