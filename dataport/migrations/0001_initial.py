"""EntryImport moved here from the portfolio app: the table (portfolio_entryimport) stays as it is.

Only Django's record of the model moves (no SQL runs); the content type follows,
so admin history and permissions keep pointing at the same rows.
"""

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="portfolio", model="entryimport").update(
        app_label="dataport"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('portfolio', '0005_nightly_snapshots_schedule'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='EntryImport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file_hash', models.CharField(max_length=64)),
                        ('row_count', models.PositiveIntegerField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('portfolio', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entry_imports', to='portfolio.portfolio')),
                    ],
                    options={
                        'db_table': 'portfolio_entryimport',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['portfolio', 'file_hash'], name='entryimport_portfolio_hash')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
