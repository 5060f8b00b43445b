"""EntryImport now lives in the dataport app, in the same table; nothing is dropped."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('dataport', '0001_initial'),
        ('portfolio', '0005_nightly_snapshots_schedule'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='EntryImport')],
        ),
    ]
