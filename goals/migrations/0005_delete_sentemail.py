"""SentEmail now lives in the notifications app, in the same table; nothing is dropped."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
        ('goals', '0004_email_schedule'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='SentEmail')],
        ),
    ]
