from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "bordercase.cases"
    label = "cases"
    verbose_name = "Cases"
