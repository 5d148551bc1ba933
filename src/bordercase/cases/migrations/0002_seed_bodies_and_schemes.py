"""Load the organisations bordercase knows by name and the schemes of the design brief."""

from django.db import migrations

from bordercase.cases.reference_data import seed


def load(apps, schema_editor):
    seed(apps.get_model("cases", "Organisation"), apps.get_model("cases", "Scheme"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
