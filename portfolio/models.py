"""What a user owns, owes and earns: portfolios, holdings, streams and entries.

Every amount is a Decimal in the owner's base currency (max 12 integer digits,
2 decimal places). Figures are never stored here: they are computed by the pure
core (``portfolio.schedule`` and ``portfolio.metrics``) from these rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from portfolio import categories
from portfolio.schedule import EntrySpec, StreamSpec

# Money columns: 12 integer digits and cents, as SPEC §12 asks.
MONEY = {"max_digits": 14, "decimal_places": 2}
MONEY_LIMIT = Decimal("1e12")


class Portfolio(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolios"
    )
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="portfolio_name_unique_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class Holding(models.Model):
    class Kind(models.TextChoices):
        CASH = "cash", "Cash"
        DEPOSIT = "deposit", "Deposit"
        MONEY_FUND = "money_fund", "Money market fund"
        BONDS = "bonds", "Bonds"
        LISTED = "listed", "Listed shares or fund"
        PROPERTY = "property", "Property"
        BUSINESS = "business", "Business"
        ROYALTY = "royalty", "Royalty or licence"
        WEBSITE = "website", "Website or software product"
        VEHICLE = "vehicle", "Vehicle"
        PERSONAL = "personal", "Personal-use item"
        LOAN = "loan", "Loan or mortgage"
        OTHER = "other", "Other"

    # SPEC §3: what can be sold within days without a large loss.
    LIQUID_KINDS = frozenset({Kind.CASH, Kind.DEPOSIT, Kind.MONEY_FUND, Kind.BONDS, Kind.LISTED})

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="holdings")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind)
    liquid = models.BooleanField(
        help_text="Liquid holdings count towards your runway (months of freedom)."
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "portfolio", Lower("name"), name="holding_name_unique_per_portfolio"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def liquid_by_default(cls, kind: str) -> bool:
        return kind in cls.LIQUID_KINDS


class Valuation(models.Model):
    """The value of a holding on a date; the latest on or before a day is its value then."""

    holding = models.ForeignKey(Holding, on_delete=models.CASCADE, related_name="valuations")
    date = models.DateField()
    value = models.DecimalField(
        **MONEY,
        help_text="What it is worth on that date; a debt is negative (e.g. -250000).",
    )

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint("holding", "date", name="valuation_one_per_holding_and_date"),
            models.CheckConstraint(
                condition=models.Q(value__gt=-MONEY_LIMIT, value__lt=MONEY_LIMIT),
                name="valuation_value_range",
            ),
        ]
        # The unique index (holding, date) also serves "latest value on or before a date".

    def __str__(self) -> str:
        return f"{self.holding} on {self.date}: {self.value}"


class Stream(models.Model):
    """A recurring cash flow: income earned or passive, or an outgoing."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="streams")
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=20, choices=categories.CATEGORY_CHOICES)
    amount = models.DecimalField(
        **MONEY,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Paid on each payment date, in your base currency.",
    )
    frequency = models.CharField(
        max_length=12, choices=categories.FREQUENCY_CHOICES, default=categories.MONTHLY
    )
    first_date = models.DateField("first payment")
    end_date = models.DateField("last payment", null=True, blank=True)
    holding = models.ForeignKey(
        Holding,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="streams",
        help_text="The holding this flow comes from or goes to, if any.",
    )
    hours_per_month = models.DecimalField(
        "hours per month",
        max_digits=4,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(744))],
        help_text="Your time it takes to keep it running (a month has at most 744 hours).",
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "portfolio", Lower("name"), name="stream_name_unique_per_portfolio"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, amount__lt=MONEY_LIMIT),
                name="stream_amount_range",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("first_date")),
                name="stream_end_not_before_first",
            ),
            models.CheckConstraint(
                condition=models.Q(hours_per_month__gte=0, hours_per_month__lte=744),
                name="stream_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def group(self) -> str:
        return categories.GROUP_OF[self.category]

    def spec(self) -> StreamSpec:
        return StreamSpec(
            id=self.pk,
            category=self.category,
            amount=self.amount,
            frequency=self.frequency,
            first_date=self.first_date,
            end_date=self.end_date,
            hours_per_month=self.hours_per_month,
            holding_id=self.holding_id,
            portfolio_id=self.portfolio_id,
        )


class Entry(models.Model):
    """An actual, dated cash flow; a negative amount corrects an earlier one."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="entries")
    date = models.DateField()
    amount = models.DecimalField(**MONEY)
    category = models.CharField(max_length=20, choices=categories.CATEGORY_CHOICES)
    stream = models.ForeignKey(
        Stream,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
        help_text="Linked entries replace the stream's expected amount in their month.",
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=-MONEY_LIMIT, amount__lt=MONEY_LIMIT)
                & ~models.Q(amount=0),
                name="entry_amount_range",
            ),
        ]
        indexes = [
            # The entries page and the TTM window: entries of a portfolio by date.
            models.Index(fields=["portfolio", "date"], name="entry_portfolio_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_category_display()} {self.amount}"

    def spec(self) -> EntrySpec:
        return EntrySpec(
            date=self.date,
            amount=self.amount,
            category=self.category,
            stream_id=self.stream_id,
            portfolio_id=self.portfolio_id,
        )
