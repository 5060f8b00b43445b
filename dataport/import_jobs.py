"""Imports that run in the background: the claim, each step's work, the outcome, the cleanup.

A web request only stores the upload in an ``ImportJob`` row and queues a task
(``dataport.tasks``), so it answers at once whatever the file. The tasks call the
functions here:

- ``json_import_run``: read and check an export document
  (``dataport.json_reader``), then write it and recompute the snapshots
  (``dataport.json_writer``); the job is marked done in the write's transaction.
- ``entries_csv_stage``: read a CSV file of entries once into ``StagedEntry``
  rows (``dataport.staged_entries``), for the preview to page through.
- ``entries_csv_write``: after the user's confirmation, write the staged rows.
- ``statement_stage``: read a bank or broker statement into staged rows, mark
  the rows imported before and apply the portfolio's rules
  (``dataport.statement_import``); a CSV file from a bank without a saved
  profile stops at ``mapping`` for the user to say which column is what.
- ``statement_write``: after the confirmation, write the new rows as entries.

Each step takes the job with a conditional UPDATE from the state it expects, so a
task delivered twice does its work once; the task's own retry after a transient
error takes it back from the running state and starts over. A worker lost
mid-step leaves the job in its running state: ``abandoned_cleanup`` (every ten
minutes, on beat) fails it once it has not moved for ``STALE_RUNNING``, and removes
the staged rows of previews left unconfirmed for ``STALE_READY``; a job whose
first task was never delivered (the broker was down at the upload) is queued again
after ``STALE_QUEUED`` by ``lost_tasks_resend``. Finished jobs
keep only their summary, for the progress page, until ``KEEP_FINISHED``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dataport import (
    entries_csv,
    json_reader,
    json_writer,
    staged_entries,
    statement_import,
    statement_reading,
)
from dataport.models import ImportJob
from dataport.statement_lines import StatementFileError
from portfolio import snapshots
from portfolio.access import changeable_portfolios
from portfolio.months import user_today

logger = logging.getLogger(__name__)

State = ImportJob.State

# Longer than the longest task's time limit: a running job that has not moved for
# this long has lost its worker.
STALE_RUNNING = timedelta(minutes=30)
# A job still queued after this long lost its task (the broker was down when it was
# queued): the cleanup queues it again. Well above a busy queue's wait.
STALE_QUEUED = timedelta(minutes=5)
# A preview waits this long for its confirmation.
STALE_READY = timedelta(days=1)
KEEP_FINISHED = timedelta(days=30)

RUNNING_MESSAGE = (
    "Another import of yours is still running. Wait until it has finished (its page "
    "shows how far it is), then try again."
)


class ImportRunning(Exception):
    """The account already has an import running: one at a time."""

    def __init__(self) -> None:
        super().__init__(RUNNING_MESSAGE)


def running_job(owner) -> ImportJob | None:
    return ImportJob.objects.filter(owner=owner, state__in=ImportJob.RUNNING).first()


# --- Starting -------------------------------------------------------------------------


def job_start(*, owner, kind: str, data: bytes, file_name: str, portfolio=None) -> ImportJob:
    """Store the upload as a queued job and queue its first task once committed.

    Raises ``ImportRunning`` if the account has an import running: the claim is
    the INSERT itself (a partial unique index), so two uploads at once cannot both
    win.
    """
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                owner=owner, portfolio=portfolio, kind=kind, file_name=file_name[:255]
            )
            _store_upload(job.pk, data)
    except IntegrityError:
        raise ImportRunning from None
    _enqueue_after_commit(_FIRST_TASK[kind], job.pk)
    return job


_FIRST_TASK = {
    ImportJob.Kind.JSON: "import_json",
    ImportJob.Kind.ENTRIES_CSV: "stage_entries_csv",
    ImportJob.Kind.STATEMENT: "stage_statement",
}
_WRITE_TASK = {
    ImportJob.Kind.ENTRIES_CSV: "write_entries_csv",
    ImportJob.Kind.STATEMENT: "write_statement",
}


def _store_upload(job_id: int, data: bytes) -> None:
    """Write the uploaded bytes into the job's row, in the caller's transaction.

    On PostgreSQL as a binary parameter: Django's client-side binding would quote
    20 MB as a 40 MB hex literal in Python, a second or more of the request.
    """
    if connection.vendor != "postgresql":
        ImportJob.objects.filter(pk=job_id).update(data=data)
        return
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"UPDATE {ImportJob._meta.db_table} SET data = %b WHERE id = %s",  # noqa: S608
            [data, job_id],
        )


def job_confirm(*, job: ImportJob, allow_duplicate: bool = False) -> bool:
    """Move a staged import to ``writing`` and queue the write; False if it was not ready.

    Raises ``ImportRunning`` if another import of the account runs.
    """
    try:
        with transaction.atomic():
            taken = ImportJob.objects.filter(pk=job.pk, state=State.READY).update(
                state=State.WRITING,
                allow_duplicate=allow_duplicate,
                problems=[],
                done=0,
                total=0,
                updated_at=timezone.now(),
            )
    except IntegrityError:
        raise ImportRunning from None
    if taken:
        _enqueue_after_commit(_WRITE_TASK[job.kind], job.pk)
    return bool(taken)


def statement_mapped(*, job: ImportJob, profile) -> bool:
    """A statement's columns are mapped (``profile`` saved): stage it; False if it was
    not waiting for them. Raises ``ImportRunning`` if another import of the account runs.
    """
    try:
        with transaction.atomic():
            taken = ImportJob.objects.filter(
                pk=job.pk, state__in=(State.MAPPING, State.READY)
            ).update(state=State.QUEUED, profile=profile, problems=[], updated_at=timezone.now())
    except IntegrityError:
        raise ImportRunning from None
    if taken:
        _enqueue_after_commit(_FIRST_TASK[job.kind], job.pk)
    return bool(taken)


def statement_remap(*, job: ImportJob) -> bool:
    """Back from the preview to the mapping step ("these columns are wrong"); the staged
    rows are dropped, the file and its layout kept."""
    with transaction.atomic():
        taken = ImportJob.objects.filter(pk=job.pk, state=State.READY).update(
            state=State.MAPPING, updated_at=timezone.now()
        )
        if taken:
            job.staged_entries.all().delete()
    return bool(taken)


def _enqueue_after_commit(task_name: str, job_id: int) -> None:
    from dataport import tasks  # the tasks import this module

    task = getattr(tasks, task_name)
    # Robust: with the broker down the job is stored all the same, and the upload's
    # page answers; the cleanup queues the task again (``lost_tasks_resend``).
    transaction.on_commit(lambda: task.delay(job_id), robust=True)


# --- The steps ------------------------------------------------------------------------


def _take(job_id: int, expected: tuple[str, ...], state: str) -> ImportJob | None:
    """The job, moved from one of ``expected`` to ``state``; None if it is in none of them."""
    taken = ImportJob.objects.filter(pk=job_id, state__in=expected).update(
        state=state, updated_at=timezone.now()
    )
    if not taken:
        logger.info("Import %s is no longer %s; nothing to do", job_id, expected)
        return None
    return ImportJob.objects.select_related("owner", "portfolio").get(pk=job_id)


def progress(job_id: int, done: int, total: int) -> None:
    """One cheap UPDATE, committed at once, so the progress page sees it."""
    ImportJob.objects.filter(pk=job_id).update(done=done, total=total, updated_at=timezone.now())


def _fail(job: ImportJob, problems: list[str]) -> None:
    """Record the problems; forget the upload and any staged rows; e-mail once committed."""
    with transaction.atomic():
        job.staged_entries.all().delete()
        ImportJob.objects.filter(pk=job.pk).update(
            state=State.FAILED, problems=problems, data=b"", updated_at=timezone.now()
        )
    _email_after_commit(job.pk)


def _finish(job: ImportJob, summary: dict) -> None:
    """Mark the job done, in the caller's transaction (the one that wrote the data)."""
    job.staged_entries.all().delete()
    ImportJob.objects.filter(pk=job.pk).update(
        state=State.DONE, summary=summary, problems=[], data=b"", updated_at=timezone.now()
    )
    _email_after_commit(job.pk)


def _email_after_commit(job_id: int) -> None:
    from dataport.tasks import send_import_email

    transaction.on_commit(lambda: send_import_email.delay(job_id), robust=True)


def _locked_in(job: ImportJob, state: str) -> bool:
    """Inside a transaction: lock the job's row; is it (still) in ``state``?"""
    current = ImportJob.objects.select_for_update().filter(pk=job.pk).values_list("state")
    return current.first() == (state,)


def json_import_run(job_id: int, *, retrying: bool = False) -> None:
    """Read, check and write an export document; the job ends done or failed.

    ``retrying``: the task's retry after a transient error, which left the job
    reading or writing (the write rolled back); it starts over.
    """
    expected = (State.QUEUED, State.READING, State.WRITING) if retrying else (State.QUEUED,)
    job = _take(job_id, expected, State.READING)
    if job is None:
        return
    try:
        document = json_reader.read_document(bytes(job.data), today=user_today(job.owner))
    except json_reader.DataImportError as error:
        _fail(job, error.problems)
        return
    ImportJob.objects.filter(pk=job.pk, state=State.READING).update(
        state=State.WRITING, updated_at=timezone.now()
    )
    try:
        with transaction.atomic():
            # Before the job's row lock, which an account deletion takes after it.
            snapshots.hold_recomputes([job.owner_id])
            if not _locked_in(job, State.WRITING):
                return
            summary = json_writer.user_data_import(user=job.owner, document=document)
            _finish(job, {"counts": summary.counts, "text": str(summary)})
    except json_reader.DataImportError as error:
        _fail(job, error.problems)


def entries_csv_stage(job_id: int, *, retrying: bool = False) -> None:
    """Read a CSV file once into staged rows; the job is then ready for its preview.

    ``retrying``: the task's retry after a transient error; it starts over.
    """
    expected = (State.QUEUED, State.READING) if retrying else (State.QUEUED,)
    job = _take(job_id, expected, State.READING)
    if job is None:
        return
    job.staged_entries.all().delete()  # what a failed try staged
    data = bytes(job.data)
    try:
        csv_file = entries_csv.read_csv(data, entries_csv.known_streams(job.portfolio))
        file_hash = staged_entries.stage(
            job, csv_file, on_progress=lambda done, total: progress(job.pk, done, total)
        )
    except entries_csv.ImportFileError as error:
        _fail(job, [str(error)])
        return
    summary = {**staged_entries.summary(job), "ignored": list(csv_file.ignored)}
    if summary["row_count"] == 0:
        _fail(job, ["The file has no rows under its header line."])
        return
    # The rows are staged: the file itself is no longer needed.
    ImportJob.objects.filter(pk=job.pk, state=State.READING).update(
        state=State.READY, file_hash=file_hash, summary=summary, data=b"", updated_at=timezone.now()
    )


def entries_csv_write(job_id: int) -> None:
    """Write the staged rows of a confirmed import, all or none; then done, or failed.

    A file imported before (and not confirmed as such) goes back to its preview with
    the message, so ticking the box is all it takes.
    """
    job = ImportJob.objects.select_related("owner", "portfolio").filter(pk=job_id).first()
    if job is None:
        return
    try:
        with transaction.atomic():
            if not _locked_in(job, State.WRITING):
                return
            # Asked again at the write: since the confirmation, the member may have
            # left the household, or the portfolio been made view-only or private.
            if not changeable_portfolios(job.owner).filter(pk=job.portfolio_id).exists():
                raise entries_csv.ImportRejected("You may no longer change this portfolio.")
            record = staged_entries.entries_import(job)
            _finish(job, {**job.summary, "imported": record.row_count})
    except entries_csv.DuplicateImport as duplicate:
        ImportJob.objects.filter(pk=job.pk, state=State.WRITING).update(
            state=State.READY,
            problems=[duplicate_message(duplicate.previous)],
            updated_at=timezone.now(),
        )
    except entries_csv.ImportRejected as rejected:
        _fail(job, [f"{rejected} Nothing was imported."])
    except IntegrityError:
        # A stream named in the file was deleted while the rows were written.
        _fail(job, ["Your streams changed during the import. Nothing was imported."])


def statement_stage(job_id: int, *, retrying: bool = False) -> None:
    """Read a statement once into staged rows, mark the duplicates, apply the rules.

    A CSV file from a bank without a profile stops at ``mapping``, its layout in the
    summary; the upload stays on the job until the import ends, so the columns can be
    mapped again from the preview.
    """
    expected = (State.QUEUED, State.READING) if retrying else (State.QUEUED,)
    job = _take(job_id, expected, State.READING)
    if job is None:
        return
    job.staged_entries.all().delete()  # what a failed try staged
    data = bytes(job.data)
    day_first = job.summary.get("day_first")
    try:
        statement, layout, profile = statement_reading.statement_read(
            data, job.file_name, owner=job.owner, profile=job.profile, day_first=day_first
        )
        layout_summary = {"layout": layout.to_dict()} if layout else {}
        if statement is None:
            ImportJob.objects.filter(pk=job.pk, state=State.READING).update(
                state=State.MAPPING, summary=layout_summary, updated_at=timezone.now()
            )
            return
        total = data.count(b"\n") if layout else len(statement.lines)
        count = statement_import.stage(
            job,
            statement.lines,
            account=statement.account,
            # A CSV file's rows without a currency: the one saved with the bank's layout.
            currency=statement.currency or (profile.currency if profile else ""),
            on_progress=lambda done: progress(job.pk, done, max(total, done)),
        )
    except StatementFileError as error:
        _fail(job, [str(error)])
        return
    if count == 0:
        _fail(job, ["The file has no transactions."])
        return
    statement_import.duplicates_mark(job)
    statement_import.rules_apply(job)
    if profile is not None:
        type(profile).objects.filter(pk=profile.pk).update(last_used_at=timezone.now())
    summary = {
        **layout_summary,
        "format": statement.format,
        "account": statement.account,
        "currency": statement.currency,
        "left_out": list(statement.left_out),
        "date_order": getattr(statement, "date_order", ""),
        "date_order_certain": getattr(statement, "date_order_certain", True),
        "day_first": day_first,
    }
    ImportJob.objects.filter(pk=job.pk, state=State.READING).update(
        state=State.READY,
        profile=profile,
        summary=summary,
        updated_at=timezone.now(),
    )


def statement_write(job_id: int) -> None:
    """Write the new rows of a confirmed statement, all or none; then done, or failed."""
    job = ImportJob.objects.select_related("owner", "portfolio").filter(pk=job_id).first()
    if job is None:
        return
    try:
        with transaction.atomic():
            if not _locked_in(job, State.WRITING):
                return
            if not changeable_portfolios(job.owner).filter(pk=job.portfolio_id).exists():
                raise entries_csv.ImportRejected("You may no longer change this portfolio.")
            counts = statement_import.statement_write(job)
            _finish(job, {**job.summary, **counts})
    except entries_csv.ImportRejected as rejected:
        _fail(job, [f"{rejected} Nothing was imported."])
    except IntegrityError:
        _fail(job, ["Your streams changed during the import. Nothing was imported."])


def duplicate_message(previous) -> str:
    return (
        f"You imported this file on {previous.created_at:%Y-%m-%d}. "
        "Tick the box to import its entries a second time. Nothing was imported."
    )


# --- Cleaning up ----------------------------------------------------------------------


def lost_tasks_resend(now=None) -> int:
    """Queue again the first task of jobs still queued after ``STALE_QUEUED``: its
    message was lost. A task delivered twice does its work once (``_take``), so a
    job that was only waiting its turn loses nothing. Returns how many were sent."""
    from dataport import tasks  # the tasks import this module

    now = now or timezone.now()
    lost = ImportJob.objects.filter(
        state=State.QUEUED, updated_at__lt=now - STALE_QUEUED
    ).values_list("pk", "kind")
    sent = 0
    for job_id, kind in lost:
        getattr(tasks, _FIRST_TASK[kind]).delay(job_id)
        sent += 1
    return sent


def abandoned_cleanup(now=None) -> int:
    """Fail jobs whose worker was lost, drop unconfirmed previews, forget old outcomes.

    Returns how many jobs were failed or removed. No e-mail: nothing happened that
    the user is waiting for (a lost job's page says so).
    """
    now = now or timezone.now()
    running = ImportJob.objects.filter(
        state__in=ImportJob.RUNNING, updated_at__lt=now - STALE_RUNNING
    )
    unconfirmed = ImportJob.objects.filter(
        state__in=(State.MAPPING, State.READY), updated_at__lt=now - STALE_READY
    )
    changed = 0
    for jobs, problem in (
        (running, "The import stopped before it finished, so nothing was imported."),
        (unconfirmed, "The preview was not confirmed within a day, so nothing was imported."),
    ):
        with transaction.atomic():
            ids = list(jobs.select_for_update(skip_locked=True).values_list("pk", flat=True))
            staged_entries.forget(ids)
            changed += ImportJob.objects.filter(pk__in=ids).update(
                state=State.FAILED,
                problems=[f"{problem} Upload the file again."],
                data=b"",
                updated_at=now,
            )
    _, removed = ImportJob.objects.filter(
        state__in=(State.DONE, State.FAILED), updated_at__lt=now - KEEP_FINISHED
    ).delete()
    return changed + removed.get(ImportJob._meta.label, 0)
