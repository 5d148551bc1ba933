from django.apps import AppConfig


class ImmigrationConfig(AppConfig):
    name = "bordercase.immigration"
    label = "immigration"
    verbose_name = "Immigration New Zealand"
    default_auto_field = "django.db.models.BigAutoField"
