"""``python manage.py load_demo [--reset] [--password ...]``: a demo account to look around.

Creates demo@example.com (address verified, so it can log in at once) with two
portfolios and a little over three years of realistic history: a salary with a
raise, a December bonus, freelance work for a year, dividends that vary, interest,
a rented flat bought with a mortgage halfway through, an e-book and a small
website, spending, and the valuations of every holding. Then it computes the
account's snapshots, so the dashboard's charts are there at once, and sets a
wealth ratio goal for this year (and last year's, closed).

The amounts come from a fixed random seed: every run gives the same account.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from goals import progress
from goals.models import Goal, Metric
from portfolio import snapshots
from portfolio.models import Entry, Holding, Portfolio, Snapshot, Stream, Valuation
from portfolio.months import add_months, month_end, user_today

EMAIL = "demo@example.com"
DEFAULT_PASSWORD = "demo-wealth-ratio"
MONTHS = 40  # a little over three years, up to this month
D = Decimal
CENT = Decimal("0.01")


def _months_ago(today: date, count: int, day: int = 1) -> date:
    """``day`` (or the month's last day) of the month ``count`` months before ``today``'s."""
    first = add_months(today, -count)
    return first.replace(day=min(day, month_end(first).day))


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


class Command(BaseCommand):
    help = f"Create the demo account {EMAIL} with three years of history and its snapshots."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo account first if it exists."
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"The demo account's password (default {DEFAULT_PASSWORD!r}).",
        )

    def handle(self, *args, reset: bool, password: str, **options):
        users = get_user_model().objects
        existing = users.filter(email__iexact=EMAIL)
        if existing.exists():
            if not reset:
                raise CommandError(f"{EMAIL} exists already; add --reset to make it again.")
            existing.delete()
        with transaction.atomic():
            user = users.create_user(
                email=EMAIL, password=password, currency="EUR", time_zone="Europe/Berlin"
            )
            EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
            today = user_today(user)
            _fill(user, today, random.Random(2026))
            result = snapshots.snapshots_recompute(user_ids=[user.pk])
            _goals(user, today)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo account {EMAIL} (password {password!r}) created with "
                f"{result.rows_written} monthly snapshots."
            )
        )


def _fill(user, today: date, rng: random.Random) -> None:
    personal = user.portfolios.get()
    side = Portfolio.objects.create(owner=user, name="Side business")

    def stream(portfolio, name, category, amount, *, months_in=0, day=1, **extra):
        return Stream.objects.create(
            portfolio=portfolio,
            name=name,
            category=category,
            amount=D(amount),
            first_date=_months_ago(today, MONTHS - 1 - months_in, day),
            **extra,
        )

    def holding(portfolio, name, kind):
        return Holding.objects.create(
            portfolio=portfolio, name=name, kind=kind, liquid=Holding.liquid_by_default(kind)
        )

    def values(item, first_month, every, first_value, step, noise):
        value = D(first_value)
        for months_in in range(first_month, MONTHS, every):
            day = _months_ago(today, MONTHS - 1 - months_in, 28)
            if day > today:
                break
            Valuation.objects.create(holding=item, date=day, value=_cents(value))
            value += D(step) + D(rng.uniform(-noise, noise)).quantize(CENT)

    # Earned income: a salary with a raise after two years, a December bonus,
    # freelance work during the first year.
    raise_month = 24
    stream(
        personal,
        "Salary",
        "salary",
        "4000",
        day=25,
        end_date=_months_ago(today, MONTHS - raise_month, 25),
    )
    stream(personal, "Salary after the raise", "salary", "4400", months_in=raise_month, day=25)
    stream(
        personal,
        "Freelance design",
        "freelance",
        "900",
        frequency="quarterly",
        day=15,
        end_date=_months_ago(today, MONTHS - 13),
        hours_per_month=D(10),
    )
    for months_in in range(MONTHS):
        day = _months_ago(today, MONTHS - 1 - months_in, 18)
        if day.month == 12 and day <= today:
            Entry.objects.create(
                portfolio=personal, date=day, amount=D("3000"), category="bonus", note="Bonus"
            )

    # Spending.
    stream(personal, "Living expenses", "living_expenses", "2600", day=3)
    stream(personal, "Bank and broker fees", "fees", "90", frequency="yearly", day=31)

    # Liquid assets and what they pay.
    stream(personal, "Savings interest", "interest", "30", months_in=1, day=30)
    fund = holding(personal, "World index fund", "listed")
    values(fund, 0, 3, "6000", "2600", 900)
    dividends = stream(
        personal, "Fund dividends", "dividends", "160", frequency="quarterly", months_in=2, day=20
    )
    dividends.holding = fund
    dividends.save()
    # Actual dividends differ from the expected 160; the later, the larger.
    for months_in in range(2, MONTHS, 3):
        day = _months_ago(today, MONTHS - 1 - months_in, 20)
        if day <= today and rng.random() < 0.7:
            Entry.objects.create(
                portfolio=personal,
                stream=dividends,
                date=day,
                amount=_cents(D(140 + 9 * months_in) + D(rng.uniform(-15, 15))),
                category="dividends",
                note="Dividend as paid",
            )
    values(holding(personal, "Current account", "cash"), 0, 6, "3500", "400", 300)
    values(holding(personal, "Savings account", "deposit"), 0, 1, "9000", "380", 60)

    # A flat bought with a mortgage halfway through, let out at once.
    flat_month = 18
    flat = holding(personal, "Flat on Elm Street", "property")
    values(flat, flat_month, 12, "165000", "5000", 2000)
    mortgage = holding(personal, "Mortgage", "loan")
    values(mortgage, flat_month, 3, "-130000", "800", 0)
    for name, category, amount, hours in [
        ("Flat rent", "rent", "760", D(3)),
        ("Flat maintenance", "holding_costs", "110", D(0)),
        ("Mortgage payments", "loan_payments", "560", D(0)),
    ]:
        stream(
            personal,
            name,
            category,
            amount,
            months_in=flat_month,
            day=1,
            holding=flat if category != "loan_payments" else mortgage,
            hours_per_month=hours,
        )
    values(holding(personal, "Car", "vehicle"), 0, 12, "19000", "-2500", 300)

    # The side business: an e-book and a small website.
    ebook = holding(side, "E-book", "royalty")
    values(ebook, 10, 12, "4000", "500", 200)
    stream(
        side,
        "E-book royalties",
        "royalties",
        "120",
        months_in=10,
        day=10,
        holding=ebook,
        hours_per_month=D(1),
    )
    stream(
        side,
        "Website advertising",
        "advertising",
        "310",
        frequency="quarterly",
        months_in=20,
        day=5,
        hours_per_month=D(4),
    )
    stream(side, "Hosting", "fees", "15", months_in=20, day=5)


def _goals(user, today: date) -> None:
    """A ratio goal for this year from January's ratio, and last year's, closed."""
    by_month = {
        s.month: s.figure("wealth_ratio")
        for s in Snapshot.objects.filter(owner=user, portfolio=None, month__month__in=[1, 12])
    }
    for year in (today.year - 1, today.year):
        baseline = by_month.get(date(year, 1, 1))
        if baseline is None or not baseline.is_finite():
            continue
        target = progress.suggest_ratio_target(baseline)
        goal = Goal(
            owner=user,
            year=year,
            metric=Metric.WEALTH_RATIO,
            baseline=baseline,
            baseline_date=date(year, 1, 1),
            target=target,
        )
        if year < today.year:
            goal.closed_at = timezone.now()
            goal.final_value = by_month.get(date(year, 12, 1))
        goal.save()
