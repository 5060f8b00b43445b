"""SentEmail moved here from the goals app: the table (goals_sentemail) stays as it is.

Only Django's record of the model moves (no SQL runs); the content type follows,
so admin history and permissions keep pointing at the same rows.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="goals", model="sentemail").update(
        app_label="notifications"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('goals', '0004_email_schedule'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SentEmail',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('monthly', 'Monthly progress'), ('reminder', 'Log reminder'), ('milestone', 'Milestone'), ('new_year', 'New-year invitation')], max_length=20)),
                        ('period', models.CharField(max_length=100)),
                        ('status', models.CharField(choices=[('pending', 'Sending'), ('deferred', 'Waiting to retry'), ('sent', 'Sent'), ('failed', 'Failed')], default='pending', max_length=10)),
                        ('to_email', models.EmailField(max_length=254, verbose_name='sent to')),
                        ('subject', models.CharField(blank=True, max_length=255)),
                        ('message_id', models.CharField(blank=True, max_length=255, verbose_name='Message-ID')),
                        ('attempts', models.PositiveSmallIntegerField(default=1)),
                        ('error', models.TextField(blank=True, verbose_name='reason')),
                        ('claimed_at', models.DateTimeField()),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sent_emails', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'sent e-mail',
                        'db_table': 'goals_sentemail',
                        'ordering': ['-claimed_at', '-pk'],
                        'indexes': [models.Index(fields=['status', 'claimed_at'], name='sentemail_status_claimed')],
                        'constraints': [models.UniqueConstraint(fields=('user', 'kind', 'period'), name='sentemail_once')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
