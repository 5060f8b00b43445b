"""PostgreSQL: store uploads uncompressed (STORAGE EXTERNAL).

An upload lives for seconds to minutes; compressing 20 MB of it on INSERT (pglz)
took most of the upload request's time, to save space that is freed soon anyway.
Other databases: nothing to do.
"""

from django.db import migrations

TABLE = "dataport_importjob"


def _storage(mode: str):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN data SET STORAGE {mode}")

    return alter


class Migration(migrations.Migration):
    dependencies = [("dataport", "0003_import_cleanup_schedule")]

    operations = [migrations.RunPython(_storage("EXTERNAL"), _storage("EXTENDED"))]
