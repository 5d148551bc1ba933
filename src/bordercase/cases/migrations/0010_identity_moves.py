"""Organisations, memberships and the administrators' record now live in accounts: the foreign keys point there,
and the models leave cases' state. Nothing in the database changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_identity_moves'),
        ('cases', '0009_notices_waiting'),
        ('immigration', '0002_identity_moves'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='membership',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='user',
                ),
                migrations.AlterField(
                    model_name='request',
                    name='organisation',
                    field=models.ForeignKey(blank=True, help_text='The employer applying; empty when an individual applies for themselves.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='requests', to='accounts.organisation'),
                ),
                migrations.AlterField(
                    model_name='request',
                    name='assessing_body',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='requests_to_assess', to='accounts.organisation'),
                ),
                migrations.AlterField(
                    model_name='scheme',
                    name='assessing_bodies',
                    field=models.ManyToManyField(help_text='Who may assess; where there are several, the applicant chooses one.', related_name='schemes_assessed', to='accounts.organisation'),
                ),
                migrations.DeleteModel(
                    name='AdministratorAction',
                ),
                migrations.DeleteModel(
                    name='Membership',
                ),
                migrations.DeleteModel(
                    name='Organisation',
                ),
            ],
            database_operations=[],
        ),
    ]
