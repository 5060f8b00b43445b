"""Put the sweep of stale snapshot markers on beat's schedule, every five minutes.

A change saved while the broker was down keeps its marker but loses its task; the
sweep sends it again (``snapshots.sweep_stale_markers``), so charts catch up within
minutes rather than at the nightly recompute. Operators can change or disable it in
the admin (Periodic tasks); this migration never overwrites an entry that exists.
"""

from django.db import migrations

NAME = "Snapshot marker sweep"


def add_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "snapshots.sweep_stale_markers",
            "interval": every_five_minutes,
            # A sweep not run within its five minutes is dropped: the next one does it.
            "expire_seconds": 5 * 60,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0008_holding_secured_against"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
