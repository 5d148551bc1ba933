from django.urls import path

from bordercase.transparency import views

app_name = "transparency"
urlpatterns = [path("checkpoint", views.checkpoint, name="checkpoint"), path("key", views.key, name="key")]
