"""Put the hourly e-mail job on beat's schedule, stored in the database.

Every hour at minute 1 (UTC): the monthly e-mails of the users for whom it is now
08:00 or later on the 1st, and any milestone e-mail whose task was lost. Operators
can change or disable it in the admin (Periodic tasks); this migration never
overwrites an entry that already exists.
"""

from django.db import migrations

NAME = "E-mails due this hour (monthly progress, reminders, new year, milestones)"


def add_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="1", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": "emails.dispatch_due", "crontab": hourly, "expires": None},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0003_sent_email"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
