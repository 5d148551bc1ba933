from django.apps import AppConfig
from django.db.models.signals import post_save


class ReportingConfig(AppConfig):
    name = "bordercase.reporting"
    label = "reporting"
    verbose_name = "Official statistics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bordercase.reporting.milestones import event_recorded

        # Milestones are a projection of the event log: written as each event is, in the same transaction.
        post_save.connect(event_recorded, sender="cases.Event", dispatch_uid="reporting.milestones")
