"""Places given up by a declined visa (or a decline) were left held in the statistics while the allocation had
passed them on: record them as released when the request gave them up, by the rule now shared with the allocation
(cases.allocation.place_released)."""

from django.db import migrations

GIVES_UP = ["withdrawn", "lapsed", "visa_declined", "declined"]


def release(apps, schema_editor):
    Milestones = apps.get_model("reporting", "Milestones")
    gave_up = Milestones.objects.filter(request__isnull=False, request__status__in=GIVES_UP).select_related("request")
    for row in gave_up.filter(place_released_at__isnull=True, allocated_at__isnull=False).iterator():
        row.place_released_at = row.request.status_changed_at
        row.save(update_fields=["place_released_at"])
    for row in gave_up.filter(waitlist_left_at__isnull=True, waitlisted_at__isnull=False,
                              allocated_at__isnull=True).iterator():
        row.waitlist_left_at = row.request.status_changed_at
        row.save(update_fields=["waitlist_left_at"])


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunPython(release, migrations.RunPython.noop)]
