"""Put the cleanup of imports on beat's schedule, every ten minutes.

An import whose worker was lost is failed (so the account can import again), a
preview left unconfirmed for a day loses its staged rows, and old outcomes are
forgotten (``dataport.import_jobs.abandoned_cleanup``). Operators can change or
disable it in the admin (Periodic tasks); this migration never overwrites an entry
that exists.
"""

from django.db import migrations

NAME = "Import cleanup"


def add_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_ten_minutes, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "imports.cleanup",
            "interval": every_ten_minutes,
            # A cleanup not run within its ten minutes is dropped: the next one does it.
            "expire_seconds": 10 * 60,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dataport", "0002_importjob_stagedentry"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
