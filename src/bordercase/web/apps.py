from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bordercase.web"
    label = "web"
    verbose_name = "Pages"
