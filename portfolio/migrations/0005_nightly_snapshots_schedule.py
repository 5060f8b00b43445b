"""Put the nightly snapshot recompute on beat's schedule, stored in the database.

02:30 UTC every day: the current month's row moves as days pass, and any marker
whose task was lost is picked up. Operators can change or disable it in the admin
(Periodic tasks); this migration never overwrites an entry that already exists.
"""

from django.db import migrations

NAME = "Nightly snapshot recompute"


def add_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": "snapshots.recompute_all", "crontab": nightly, "expires": None},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0004_snapshots"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
