"""Celery tasks of the imports: thin wrappers of ``dataport.import_jobs``.

Each takes a job's id. The work is idempotent by the job's state (each step takes
the job with a conditional UPDATE, or locks its row), so a task delivered twice
does nothing the second time; a retry after a transient error starts its step over.
"""

from __future__ import annotations

from celery import shared_task

from config.tasks import RetryingTask
from dataport import import_emails, import_jobs
from notifications.tasks import EmailTask


@shared_task(
    name="imports.import_json", base=RetryingTask, bind=True, soft_time_limit=600, time_limit=660
)
def import_json(self, job_id: int) -> None:
    """Read, check and write an uploaded export document."""
    import_jobs.json_import_run(job_id, retrying=self.request.retries > 0)


@shared_task(
    name="imports.stage_entries_csv",
    base=RetryingTask,
    bind=True,
    soft_time_limit=300,
    time_limit=360,
)
def stage_entries_csv(self, job_id: int) -> None:
    """Read an uploaded CSV file of entries once into staged rows, for the preview."""
    import_jobs.entries_csv_stage(job_id, retrying=self.request.retries > 0)


@shared_task(
    name="imports.write_entries_csv",
    base=RetryingTask,
    bind=True,
    soft_time_limit=300,
    time_limit=360,
)
def write_entries_csv(self, job_id: int) -> None:
    """Write the staged rows of a confirmed CSV import, all or none."""
    import_jobs.entries_csv_write(job_id)


@shared_task(
    name="imports.stage_statement",
    base=RetryingTask,
    bind=True,
    soft_time_limit=300,
    time_limit=360,
)
def stage_statement(self, job_id: int) -> None:
    """Read a bank or broker statement once into staged rows; apply the rules."""
    import_jobs.statement_stage(job_id, retrying=self.request.retries > 0)


@shared_task(
    name="imports.write_statement",
    base=RetryingTask,
    bind=True,
    soft_time_limit=300,
    time_limit=360,
)
def write_statement(self, job_id: int) -> None:
    """Write the new rows of a confirmed statement, all or none."""
    import_jobs.statement_write(job_id)


@shared_task(name="imports.send_email", base=EmailTask, bind=True)
def send_import_email(self, job_id: int) -> int:
    """E-mail the outcome of a finished import (at most once: notifications' claim)."""
    return import_emails.import_email_send(job_id=job_id)


@shared_task(
    name="imports.cleanup", base=RetryingTask, bind=True, soft_time_limit=120, time_limit=180
)
def cleanup_imports(self) -> int:
    """Every ten minutes: queue again imports whose task was lost, fail those whose
    worker was lost, drop unconfirmed previews, forget old outcomes."""
    import_jobs.lost_tasks_resend()
    return import_jobs.abandoned_cleanup()
