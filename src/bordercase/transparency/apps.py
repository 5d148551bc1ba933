from django.apps import AppConfig
from django.db.models.signals import post_save


class TransparencyConfig(AppConfig):
    name = "bordercase.transparency"
    label = "transparency"
    verbose_name = "Transparency log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bordercase.transparency.log import event_logged

        # Every event is a leaf of the log, written in the transaction that records the event.
        post_save.connect(event_logged, sender="cases.Event", dispatch_uid="transparency.events")
        from bordercase.transparency.letters import letter_logged  # and every letter issued, in its transaction
        post_save.connect(letter_logged, sender="immigration.IssuedLetter", dispatch_uid="transparency.letters")
