"""Organisations, memberships and the administrators' record move here from cases, beside users (issue 15):
the tables keep their names (db_table), so only Django's idea of which app holds them changes."""

import bordercase.accounts.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_notices_daily'),
        ('cases', '0009_notices_waiting'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AdministratorAction',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('actor_label', models.CharField(help_text="The account's email, or the operating system's user.", max_length=300)),
                        ('action', models.CharField(help_text='What was done, such as window_close or import_undo.', max_length=40)),
                        ('subject', models.CharField(help_text='What it was done to, in words.', max_length=300)),
                        ('reason', models.TextField()),
                        ('details', models.JSONField(blank=True, default=dict)),
                        ('actor', models.ForeignKey(blank=True, help_text='Empty when done on the command line.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'cases_administratoraction',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Organisation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('employer', 'Employer'), ('assessing_body', 'Assessing body'), ('immigration', 'Immigration New Zealand'), ('ministry', 'Scheme administrator')], max_length=20)),
                        ('name', models.CharField(max_length=200)),
                        ('code', models.SlugField(blank=True, help_text='Short fixed name for the bodies bordercase knows by name, such as nztech.', max_length=40, null=True, unique=True)),
                        ('nzbn', models.CharField(blank=True, help_text='New Zealand Business Number: 13 digits, the last a check digit.', max_length=13, null=True, unique=True, validators=[bordercase.accounts.models.validate_nzbn], verbose_name='NZBN')),
                        ('contact_email', models.EmailField(blank=True, max_length=254)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'cases_organisation',
                        'ordering': ['name'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('kind', 'employer'), _negated=True), ('nzbn__isnull', False), _connector='OR'), name='employer_has_nzbn', violation_error_message='An employer needs its NZBN.')],
                    },
                ),
                migrations.AlterField(
                    model_name='invitation',
                    name='organisation',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='accounts.organisation'),
                ),
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('employer', 'Employer'), ('assessor', 'Assessor'), ('inz_officer', 'Immigration NZ officer'), ('administrator', 'Scheme administrator')], max_length=20)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='accounts.organisation')),
                    ],
                    options={
                        'db_table': 'cases_membership',
                        'constraints': [models.UniqueConstraint(fields=('user', 'organisation', 'role'), name='one_membership_per_role')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
