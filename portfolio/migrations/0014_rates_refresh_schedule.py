"""Put the daily refresh of the ECB's reference rates on beat's schedule.

The ECB publishes around 16:00 Central European Time on working days; the job runs
at 16:30 in Frankfurt every day (a run with nothing new changes nothing).
Operators can change or disable it in the admin (Periodic tasks); this migration
never overwrites an entry that exists.
"""

from django.db import migrations

NAME = "Exchange rates refresh"


def add_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    afternoon, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="16",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Berlin",
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "rates.refresh",
            "crontab": afternoon,
            # A run missed by hours is dropped: the next day's fetches the whole history.
            "expire_seconds": 6 * 60 * 60,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0013_currencies"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
