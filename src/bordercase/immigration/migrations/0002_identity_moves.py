"""A recommendation batch's assessing body is now accounts' Organisation (the same table)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_identity_moves'),
        ('immigration', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='recommendationbatch',
                    name='assessing_body',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation'),
                ),
            ],
            database_operations=[],
        ),
    ]
