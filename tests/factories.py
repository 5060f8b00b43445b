"""factory_boy factories shared by every test folder, and a TOTP code helper."""

from __future__ import annotations

import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from factory.django import DjangoModelFactory

from accounts.models import User
from portfolio.models import Portfolio

PASSWORD = "correct horse battery 9"


class UserFactory(DjangoModelFactory):
    """A user who can log in at once: password ``PASSWORD``, e-mail verified.

    ``UserFactory(verified=False)`` leaves the address unverified, as right after
    sign-up. The post_save signal gives every user the "Personal" portfolio.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password(PASSWORD)
    currency = "USD"
    time_zone = "UTC"

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if not create:
            return
        EmailAddress.objects.update_or_create(
            user=user,
            email=user.email,
            defaults={"verified": extracted is not False, "primary": True},
        )


class PortfolioFactory(DjangoModelFactory):
    class Meta:
        model = Portfolio

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Portfolio {n}")


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator app shows for ``secret`` at ``at`` (default: now).

    For "now", a code about to expire is not given out: like a person, the test
    waits for the next one, so the server never sees it a window too late.
    """
    period = mfa_settings.TOTP_PERIOD
    if at is None:
        left = period - time.time() % period
        if left < 2:
            time.sleep(left + 0.05)
        at = time.time()
    return format_hotp_value(hotp_value(secret, int(at) // period))


# --- Holdings, valuations, streams, entries -------------------------------------------
# Models named as "app.Model" strings, and imports kept local, so that this block
# only appends to the file.


def _day(text: str, plus_days: int = 0):
    from datetime import date, timedelta

    return date.fromisoformat(text) + timedelta(days=plus_days)


def _money(text: str):
    from decimal import Decimal

    return Decimal(text)


def _liquid_by_kind(holding) -> bool:
    from portfolio.models import Holding

    return Holding.liquid_by_default(holding.kind)


class HoldingFactory(DjangoModelFactory):
    """A holding; ``liquid`` follows its kind unless given."""

    class Meta:
        model = "portfolio.Holding"

    portfolio = factory.SubFactory(PortfolioFactory)
    name = factory.Sequence(lambda n: f"Holding {n}")
    kind = "cash"
    liquid = factory.LazyAttribute(_liquid_by_kind)


class ValuationFactory(DjangoModelFactory):
    class Meta:
        model = "portfolio.Valuation"

    holding = factory.SubFactory(HoldingFactory)
    date = factory.Sequence(lambda n: _day("2020-01-01", plus_days=n))
    value = _money("1000.00")


class StreamFactory(DjangoModelFactory):
    """A monthly salary of 3000 from 1 January 2020, unless told otherwise."""

    class Meta:
        model = "portfolio.Stream"

    portfolio = factory.SubFactory(PortfolioFactory)
    name = factory.Sequence(lambda n: f"Stream {n}")
    category = "salary"
    amount = _money("3000.00")
    frequency = "monthly"
    first_date = _day("2020-01-01")
    end_date = None
    holding = None
    hours_per_month = _money("0")


class EntryFactory(DjangoModelFactory):
    class Meta:
        model = "portfolio.Entry"

    portfolio = factory.SubFactory(PortfolioFactory)
    date = _day("2026-01-15")
    amount = _money("100.00")
    category = "living_expenses"
    stream = None


# --- Goals ----------------------------------------------------------------------------


class GoalFactory(DjangoModelFactory):
    """A wealth ratio goal of 2026 on all the owner's portfolios, from 5% on 1 January to 10%."""

    class Meta:
        model = "goals.Goal"

    owner = factory.SubFactory(UserFactory)
    portfolio = None
    year = 2026
    metric = "wealth_ratio"
    baseline = _money("0.05")
    baseline_date = factory.LazyAttribute(lambda goal: _day(f"{goal.year}-01-01"))
    target = _money("0.10")


# --- Snapshots --------------------------------------------------------------------------


def _stored_metric(value):
    """(value, infinite flag) as the recompute stores a metric: six places, and
    ``Infinity`` as the flag (see ``portfolio.models.Snapshot``)."""
    from decimal import ROUND_HALF_EVEN

    from portfolio.models import METRIC_PLACES

    if value is None:
        return None, False
    if value.is_infinite():
        return None, True
    return value.quantize(METRIC_PLACES, rounding=ROUND_HALF_EVEN), False


def _derived_metrics(row: dict) -> dict:
    """Every metric of a snapshot row from its flows and balances, as
    ``portfolio.figures.compute_figures`` gives them."""
    from portfolio import metrics

    monthly_spending = metrics.monthly(row["spending"])
    monthly_passive = metrics.monthly(row["passive"])
    return {
        "wealth_ratio": metrics.wealth_ratio(row["passive"], row["earned"]),
        "runway_months": metrics.runway_months(row["liquid_assets"], monthly_spending),
        "runway_with_passive_months": metrics.runway_months(
            row["liquid_assets"], monthly_spending, monthly_passive
        ),
        "passive_coverage": metrics.passive_coverage(row["passive"], row["spending"]),
        "savings_rate": metrics.savings_rate(row["earned"], row["passive"], row["spending"]),
        "passive_per_hour": metrics.passive_income_per_hour(monthly_passive, row["passive_hours"]),
    }


class SnapshotFactory(DjangoModelFactory):
    """A snapshot row written directly: no data behind it, so nothing recomputes it.

    The user-level row (``portfolio`` None) of January 2026 unless told otherwise:
    TTM earned 60,000, passive 3,000 and spending 36,000, liquid assets of 30,000
    (the net worth too), no hours. Each metric not given follows from those figures
    through ``portfolio.metrics`` (a wealth ratio of 5% by default) and is stored as
    the recompute stores it. Give a metric as a Decimal, ``Decimal("Infinity")`` or
    None to override it; the ``<metric>_infinite`` flags follow the values.
    """

    class Meta:
        model = "portfolio.Snapshot"

    owner = factory.SubFactory(UserFactory)
    portfolio = None
    month = _day("2026-01-01")
    earned = _money("60000")
    passive = _money("3000")
    spending = _money("36000")
    by_category = factory.LazyFunction(dict)
    liquid_assets = _money("30000")
    net_worth = factory.SelfAttribute("liquid_assets")
    passive_hours = _money("0")
    computed_at = factory.LazyFunction(lambda: _moment("2026-01-01T00:00:00+00:00"))

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        from portfolio.models import Snapshot

        derived = _derived_metrics(kwargs)
        for name in Snapshot.METRICS:
            value, infinite = _stored_metric(kwargs.get(name, derived[name]))
            kwargs[name] = value
            if name in Snapshot.UNBOUNDED_METRICS:
                kwargs[f"{name}_infinite"] = infinite
            elif infinite:
                raise ValueError(f"{name} cannot be unbounded")
        return kwargs


def _moment(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


# --- A whole account (for export and import) ------------------------------------------


def full_account(user):
    """Every kind of row for ``user``, in two portfolios, with text a spreadsheet would
    run as a formula. Figures assume today is in 2026 (tests freeze the clock)."""
    from datetime import UTC, datetime

    from goals.models import Goal, Milestone

    personal = user.portfolios.order_by("pk").first() or PortfolioFactory(owner=user)
    company = PortfolioFactory(owner=user, name="Company")
    cash = HoldingFactory(portfolio=personal, name="Cash", kind="cash")
    fund = HoldingFactory(
        portfolio=personal, name='=HYPERLINK("http://x.example")', kind="listed", note="+SUM(A1)"
    )
    home = HoldingFactory(portfolio=personal, name="Home", kind="property")
    mortgage = HoldingFactory(
        portfolio=personal, name="Mortgage", kind="loan", note="-fixed", secured_against=home
    )
    shop = HoldingFactory(portfolio=company, name="Shop", kind="website", liquid=True)
    for holding, values in [
        (cash, [("2024-01-01", "6000.00"), ("2025-06-30", "8200.50"), ("2026-02-01", "7000.00")]),
        (fund, [("2024-01-01", "24000.00"), ("2025-12-31", "31000.99")]),
        (home, [("2023-05-01", "300000.00")]),
        (mortgage, [("2023-05-01", "-220000.00"), ("2026-01-01", "-210000.00")]),
        (shop, [("2025-01-01", "15000.00")]),
    ]:
        for day, value in values:
            ValuationFactory(holding=holding, date=_day(day), value=_money(value))
    salary = StreamFactory(
        portfolio=personal, name="Salary", amount=_money("4000.00"), first_date=_day("2024-01-31")
    )
    dividends = StreamFactory(
        portfolio=personal,
        name="Fund dividend",
        category="dividends",
        amount=_money("450.00"),
        frequency="quarterly",
        first_date=_day("2024-03-15"),
        holding=fund,
        hours_per_month=_money("1.5"),
    )
    StreamFactory(
        portfolio=personal,
        name="Living",
        category="living_expenses",
        amount=_money("2500.50"),
        first_date=_day("2024-01-05"),
        note="@rent and food",
    )
    StreamFactory(
        portfolio=personal,
        name="Mortgage payment",
        category="loan_payments",
        amount=_money("900.00"),
        first_date=_day("2023-06-01"),
        holding=mortgage,
    )
    ads = StreamFactory(
        portfolio=company,
        name="Ads",
        category="advertising",
        amount=_money("300.00"),
        first_date=_day("2025-01-10"),
        end_date=_day("2026-06-30"),
        holding=shop,
        hours_per_month=_money("10.0"),
    )
    StreamFactory(
        portfolio=company,
        name="Bonus",
        category="bonus",
        amount=_money("5000.00"),
        frequency="once",
        first_date=_day("2025-12-20"),
    )
    EntryFactory(
        portfolio=personal,
        date=_day("2026-03-15"),
        amount=_money("512.30"),
        category="dividends",
        stream=dividends,
        note="Higher than usual",
    )
    EntryFactory(
        portfolio=personal,
        date=_day("2026-02-28"),
        amount=_money("4100.00"),
        category="salary",
        stream=salary,
    )
    EntryFactory(
        portfolio=personal,
        date=_day("2025-11-03"),
        amount=_money("-12.50"),
        category="fees",
        note="=cmd|' /C calc'!A0",
    )
    EntryFactory(
        portfolio=personal,
        date=_day("2025-07-14"),
        amount=_money("86.40"),
        category="interest",
        note='Café ☕, "quoted"\nand a second line',
    )
    EntryFactory(
        portfolio=company,
        date=_day("2026-01-31"),
        amount=_money("280.00"),
        category="advertising",
        stream=ads,
    )
    EntryFactory(
        portfolio=company, date=_day("2025-04-01"), amount=_money("99.99"), category="fees"
    )
    Goal.objects.create(
        owner=user,
        year=2026,
        metric="wealth_ratio",
        baseline=_money("0.050000"),
        baseline_date=_day("2026-01-01"),
        target=_money("0.100000"),
        note="-5% is not the aim",
    )
    achieved = Goal.objects.create(
        owner=user,
        portfolio=company,
        year=2025,
        metric="monthly_passive",
        baseline=_money("0"),
        baseline_date=_day("2025-02-10"),
        target=_money("250.00"),
        closed_at=datetime(2026, 1, 1, 6, 30, tzinfo=UTC),
        final_value=_money("300.000000"),
    )
    Goal.objects.create(
        owner=user,
        portfolio=personal,
        year=2025,
        metric="runway_months",
        baseline=_money("-3.5"),
        baseline_date=_day("2025-01-01"),
        target=_money("24"),
        closed_at=datetime(2026, 1, 1, 6, 30, tzinfo=UTC),
        final_value=None,
        final_infinite=True,
    )
    Milestone.objects.create(
        user=user,
        kind="goal_achieved",
        key=str(achieved.pk),
        goal=achieved,
        value=_money("300"),
        occurred_on=_day("2025-10-01"),
    )
    Milestone.objects.create(
        user=user,
        kind="passive_covers_spending",
        key="",
        value=None,
        occurred_on=_day("2026-02-01"),
    )
    return personal, company


# --- Statements: import rules and import profiles ---------------------------------------


class ImportRuleFactory(DjangoModelFactory):
    """A rule filing descriptions containing "acme payroll" as Salary, after the others."""

    class Meta:
        model = "dataport.ImportRule"

    portfolio = factory.SubFactory(PortfolioFactory)
    position = factory.Sequence(lambda n: n)
    pattern = "acme payroll"
    direction = "any"
    action = "file"
    category = "salary"
    stream = None


class ImportProfileFactory(DjangoModelFactory):
    """A profile of a German bank's CSV: day-first dates, decimal comma, one amount column."""

    class Meta:
        model = "dataport.ImportProfile"

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Bank {n}")
    currency = "EUR"
    signature = factory.Sequence(lambda n: f"{n:064x}")
    header = factory.LazyFunction(
        lambda: ["Buchungstag", "Valuta", "Verwendungszweck", "Betrag", "Waehrung"]
    )
    # A CsvMapping.to_dict(): every key, columns counted from 0.
    mapping = factory.LazyFunction(
        lambda: {
            "date_column": 0,
            "date_format": "%d.%m.%Y",
            "amount_mode": "signed",
            "amount_column": 3,
            "debit_column": None,
            "credit_column": None,
            "sign_column": None,
            "debit_marks": [],
            "decimal_separator": ",",
            "description_columns": [2],
            "bank_id_column": None,
            "currency_column": 4,
        }
    )
    last_used_at = None
