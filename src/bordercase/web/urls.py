from django.contrib.auth import views as auth_views
from django.urls import path

from bordercase.web import views

app_name = "web"
urlpatterns = [
    path("", views.start, name="start"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign-out"),
    path("requests/", views.requests_list, name="requests"),
    path("requests/<str:reference>/", views.request_detail, name="request"),
    path("account/api-tokens/", views.api_tokens, name="api-tokens"),
]
