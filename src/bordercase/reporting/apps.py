from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "bordercase.reporting"
    label = "reporting"
    verbose_name = "Official statistics"
    default_auto_field = "django.db.models.BigAutoField"
