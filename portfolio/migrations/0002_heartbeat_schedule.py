"""Put the worker heartbeat on beat's schedule, stored in the database.

Operators can change or disable it in the admin (Periodic tasks); a later
migration never overwrites an entry that already exists.
"""

from django.db import migrations


def add_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Worker heartbeat",
        defaults={"task": "health.heartbeat", "interval": every_minute, "expires": None},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="Worker heartbeat"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
