"""A file is imported once unless its run is undone (reporting.0003 undid the repeats already there)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("reporting", "0003_import_runs_undone_and_each_file_once"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='importrun',
            constraint=models.UniqueConstraint(condition=models.Q(('undone_at__isnull', True)), fields=('kind', 'sha256'), name='import_run_file_once'),
        ),
    ]
