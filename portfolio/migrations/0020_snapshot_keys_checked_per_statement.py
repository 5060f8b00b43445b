"""The snapshot table's owner and portfolio keys: triggers instead of foreign keys.

``portfolio.snapshot_keys`` says why and holds the triggers. On SQLite they are
created when ``migrate`` is done, not here: a later migration of the same run could
not rebuild these tables while they exist.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from portfolio import snapshot_keys


def install(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        snapshot_keys.install(schema_editor.connection)


def remove(apps, schema_editor) -> None:
    snapshot_keys.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("portfolio", "0019_flows_of_known_categories"),
    ]

    operations = [
        migrations.AlterField(
            model_name="snapshot",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="snapshots",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="snapshot",
            name="portfolio",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="snapshots",
                to="portfolio.portfolio",
            ),
        ),
        migrations.RunPython(install, remove),
    ]
