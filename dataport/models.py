"""What the data imports remember."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portfolio import categories
from portfolio.models import MONEY, Portfolio, Stream


class EntryImport(models.Model):
    """A CSV file of entries imported into a portfolio, remembered to catch a second import.

    ``file_hash`` is the SHA-256 of the file's normalized rows (see
    ``dataport.entries_csv``), so the same rows saved again with a BOM, with
    semicolons or with other letter case are still recognised.
    """

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="entry_imports")
    file_hash = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table it had when the CSV import lived in the portfolio app.
        db_table = "portfolio_entryimport"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # "Was this file imported into this portfolio before?" at upload and confirm.
            models.Index(fields=["portfolio", "file_hash"], name="entryimport_portfolio_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.row_count} entries into {self.portfolio} on {self.created_at:%Y-%m-%d}"


class ImportJob(models.Model):
    """One upload being imported in the background: a JSON document, or a CSV file of entries.

    The web request only stores the uploaded bytes here and queues a task
    (``dataport.tasks``); the worker reads them, and the pages poll this row. It lives
    in the database, so web and worker processes on different machines both see it.

    States: ``queued`` (stored, waiting for a worker), ``reading`` (parsing and
    checking), ``ready`` (a CSV file staged in ``StagedEntry``, waiting for the
    user's confirmation), ``writing``, then ``done`` or ``failed``. ``data`` is
    emptied once it has been read, and the staged rows are deleted once the import
    is done, failed or abandoned (``dataport.import_jobs.abandoned_cleanup``).
    """

    class Kind(models.TextChoices):
        JSON = "json", "Export document"
        ENTRIES_CSV = "entries_csv", "CSV file of entries"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for its turn"
        READING = "reading", "Reading the file"
        READY = "ready", "Ready to import"
        WRITING = "writing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Not imported"

    # While a job is in one of these, the account's other uploads are refused.
    RUNNING = (State.QUEUED, State.READING, State.WRITING)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.CASCADE, null=True, blank=True, related_name="import_jobs"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    file_name = models.CharField(max_length=255, blank=True)
    data = models.BinaryField(blank=True, default=b"")
    # Progress of the current step, e.g. lines read out of the lines of the file.
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # CSV: the hash of the file's rows (EntryImport.file_hash), known once read.
    file_hash = models.CharField(max_length=64, blank=True)
    allow_duplicate = models.BooleanField(default=False)
    # JSON: the counts imported. CSV: the preview's counts, totals and dates.
    summary = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The claim: one running import per account. A second upload's INSERT (or
            # a confirmation's UPDATE) fails while the first one runs.
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(state__in=["queued", "reading", "writing"]),
                name="importjob_one_running",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="json", portfolio__isnull=True)
                | models.Q(kind="entries_csv", portfolio__isnull=False),
                name="importjob_portfolio_of_csv",
            ),
        ]
        indexes = [
            # The periodic cleanup: jobs by state, oldest first.
            models.Index(fields=["state", "updated_at"], name="importjob_state_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.owner_id} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class StagedEntry(models.Model):
    """One data row of an uploaded CSV file, read once, waiting for the confirmation.

    The preview pages, their counts and the confirmation all read these rows with
    SQL, never the file again. ``cells`` are the date, amount, category and stream
    as written (shown for rows with a problem); the other fields are the values
    read from them. ``problem`` is empty for a good row.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="staged_entries")
    line = models.PositiveIntegerField()
    date = models.DateField(null=True)
    amount = models.DecimalField(**MONEY, null=True)
    category = models.CharField(max_length=20, blank=True)
    # The stream the row named, as it was at the preview; emptied if it is deleted
    # since, which the confirmation then refuses (``stream_name`` says it named one).
    stream = models.ForeignKey(Stream, on_delete=models.SET_NULL, null=True, related_name="+")
    stream_name = models.TextField(blank=True)
    note = models.TextField(blank=True)
    # The row's ``currency`` cell; empty: the portfolio owner's base currency.
    currency = models.CharField(max_length=3, blank=True)
    cells = models.JSONField(default=list)
    problem = models.TextField(blank=True)

    class Meta:
        constraints = [
            # A page of the preview: the rows of one job in line order.
            models.UniqueConstraint(fields=["job", "line"], name="stagedentry_job_line"),
        ]
        indexes = [
            # The problems-only pages, and the confirmation's "any row with a problem?".
            models.Index(
                fields=["job", "line"], condition=~models.Q(problem=""), name="stagedentry_problems"
            ),
        ]

    def __str__(self) -> str:
        return f"Line {self.line} of import {self.job_id}"

    @property
    def category_label(self) -> str:
        return categories.LABEL_OF[self.category] if self.category else self.cells[2]
