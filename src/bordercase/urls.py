from django.urls import include, path

from bordercase.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("transparency/", include("bordercase.transparency.urls")),
    path("", include("bordercase.web.urls")),
]
