"""What the data imports remember."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.validators import validate_currency
from portfolio import categories, limits
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
        STATEMENT = "statement", "Bank or broker statement"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for its turn"
        READING = "reading", "Reading the file"
        # A statement in CSV from a bank without a saved profile: which column is what.
        MAPPING = "mapping", "Waiting for its columns"
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
    # Statements in CSV: the profile their columns are read with, once known.
    profile = models.ForeignKey(
        "ImportProfile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
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
                | models.Q(kind__in=["entries_csv", "statement"], portfolio__isnull=False),
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


class ImportProfile(models.Model):
    """How one bank's CSV statements read: which column is what, saved at the first file.

    Recognised next time by the file's header row (``signature``, a hash of the
    normalised header, see ``dataport.statement_csv.layout_signature``), so next
    month's file from the same bank needs no mapping. ``mapping`` is a
    ``CsvMapping.to_dict()``.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_profiles"
    )
    name = models.CharField(max_length=100)
    signature = models.CharField(max_length=64)
    header = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    # The account's currency, for rows the file gives none (most banks' CSV files).
    currency = models.CharField(max_length=3, validators=[validate_currency])
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            # The lookup at every CSV statement: this owner's profile of this header.
            models.UniqueConstraint(fields=["owner", "signature"], name="importprofile_header"),
            models.UniqueConstraint(fields=["owner", "name"], name="importprofile_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportRule(models.Model):
    """A description (and optionally a direction and amount range) filed as a category, or ignored.

    Rules belong to a portfolio, as its streams do, and apply to every statement
    imported into it, in ``position`` order: the first rule that matches a row
    decides it. ``pattern`` is normalised text (``dataport.statement_rules``) that
    the row's normalised description must contain.
    """

    class Direction(models.TextChoices):
        ANY = "any", "Money in or out"
        IN = "in", "Money in"
        OUT = "out", "Money out"

    class Action(models.TextChoices):
        FILE = "file", "File as a category"
        IGNORE = "ignore", "Ignore (a transfer between my own accounts)"

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="import_rules")
    position = models.PositiveIntegerField(default=0)
    pattern = models.CharField(max_length=limits.RULE_PATTERN_MAX)
    direction = models.CharField(max_length=3, choices=Direction, default=Direction.ANY)
    # Bounds on the amount's size, whatever its sign; either may be left open.
    amount_min = models.DecimalField(**MONEY, null=True, blank=True)
    amount_max = models.DecimalField(**MONEY, null=True, blank=True)
    action = models.CharField(max_length=6, choices=Action, default=Action.FILE)
    category = models.CharField(max_length=20, choices=categories.CATEGORY_CHOICES, blank=True)
    # A deleted stream leaves the rule filing the category alone.
    stream = models.ForeignKey(
        Stream, on_delete=models.SET_NULL, null=True, blank=True, related_name="import_rules"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action="ignore", category="", stream__isnull=True)
                | (models.Q(action="file") & ~models.Q(category="")),
                name="importrule_action_category",
            ),
            models.CheckConstraint(condition=~models.Q(pattern=""), name="importrule_pattern"),
            models.CheckConstraint(
                condition=models.Q(amount_min__isnull=True)
                | models.Q(amount_max__isnull=True)
                | models.Q(amount_min__lte=models.F("amount_max")),
                name="importrule_amount_range",
            ),
        ]
        indexes = [
            # Every statement import: the portfolio's rules in order.
            models.Index(fields=["portfolio", "position"], name="importrule_portfolio_order"),
        ]

    def __str__(self) -> str:
        return f"“{self.pattern}” → {self.get_category_display() or 'ignore'}"


class ImportedTransaction(models.Model):
    """A statement row once imported (or ignored) into a portfolio: the next statement skips it.

    ``key`` is a hash of the bank's transaction id where the file has one (OFX
    FITID), else of the date, amount, normalised description and the row's
    occurrence among identical ones that day (``dataport.statement_rules.row_key``).
    """

    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.CASCADE, related_name="imported_transactions"
    )
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # "Was this row imported before?" at staging and again at the write.
            models.UniqueConstraint(fields=["portfolio", "key"], name="importedtransaction_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key[:12]} in {self.portfolio_id}"


class StagedEntry(models.Model):
    """One data row of an uploaded CSV file or statement, read once, waiting for the confirmation.

    The preview pages, their counts and the confirmation all read these rows with
    SQL, never the file again. ``cells`` are the date, amount, category and stream
    as written (shown for rows with a problem); the other fields are the values
    read from them. ``problem`` is empty for a good row.

    A statement's row also has its ``description`` and its ``normalized`` form (what
    rules match and the preview groups by), the amount as the bank signs it
    (``bank_amount``: money in > 0; ``amount`` stays empty, the write signs each
    entry by its category), its duplicate ``key``, and how it was decided: by a
    ``rule``, ``ignored``, or a ``duplicate`` of a row imported before.
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
    # Defaults in the database too: the CSV import of entries COPYs its rows
    # without these columns.
    description = models.TextField(blank=True, db_default="")
    normalized = models.TextField(blank=True, db_default="")
    bank_amount = models.DecimalField(**MONEY, null=True)
    key = models.CharField(max_length=64, blank=True, db_default="")
    duplicate = models.BooleanField(db_default=False)
    # A new row with an entry of its day and amount in the portfolio already: another
    # file of the account (other keys), or typed by hand. Pointed out, not skipped.
    maybe_duplicate = models.BooleanField(db_default=False)
    ignored = models.BooleanField(db_default=False)
    rule = models.ForeignKey(ImportRule, on_delete=models.SET_NULL, null=True, related_name="+")

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
            # A statement's preview: the groups still to decide, by normalised description.
            models.Index(fields=["job", "normalized"], name="stagedentry_groups"),
        ]

    def __str__(self) -> str:
        return f"Line {self.line} of import {self.job_id}"

    @property
    def category_label(self) -> str:
        return categories.LABEL_OF[self.category] if self.category else self.cells[2]
