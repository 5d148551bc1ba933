from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "bordercase.demo"
    label = "demo"
    verbose_name = "Demo"
