"""The privacy pages' routes (issue 20), included by web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from bordercase.web import access_views, correction_views, read_record_views

urlpatterns: list[URLPattern] = [
    # Who looked (the record of staff reads): administrators' search and its CSV.
    path("administration/reads/", read_record_views.reads_page, name="admin-reads"),
    path("administration/reads/export.csv", read_record_views.reads_csv, name="admin-reads-csv"),
    # end of who looked
    # Access and correction (IPPs 6 and 7): the person's download, their correction requests, the holding
    # body's answers.
    path("account/my-data/", access_views.my_data, name="my-data"),
    path("requests/<str:reference>/corrections/new/", correction_views.ask, name="correction-ask"),
    path("requests/<str:reference>/corrections/<int:correction_id>/statement/", correction_views.statement,
         name="correction-statement"),
    path("corrections/", correction_views.staff_list, name="corrections"),
    path("corrections/<int:correction_id>/", correction_views.staff_answer, name="correction"),
    # end of access and correction
]
