from __future__ import annotations

from django.conf import settings
from django.db import models

_LABELS = {"window_add": "Window added", "window_change": "Window moved", "window_extend": "Window extended",
           "window_close": "Intake closed now", "import": "History imported", "import_undo": "Import undone",
           "staff_invite": "Staff invited", "staff_role": "Role changed", "staff_deactivate": "Staff deactivated"}


class AdministratorAction(models.Model):
    """One change an administrator made to how schemes run (a window, an import, staff), with who and why.

    Append-only: the activity page and `bordercase activity` read it; nothing edits or deletes a row.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text="Empty when done on the command line.")
    actor_label = models.CharField(max_length=300, help_text="The account's email, or the operating system's user.")
    action = models.CharField(max_length=40, help_text="What was done, such as window_close or import_undo.")
    subject = models.CharField(max_length=300, help_text="What it was done to, in words.")
    reason = models.TextField()
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action} {self.subject}"

    @property
    def action_label(self) -> str:
        return _LABELS.get(self.action, self.action.replace("_", " ").capitalize())
