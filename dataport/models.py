"""What the data imports remember."""

from __future__ import annotations

from django.db import models

from portfolio.models import Portfolio


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
