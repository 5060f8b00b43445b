"""What the API answers: each resource's fields, listed explicitly, amounts as
decimal strings. Bodies sent to it are validated by the pages' forms (api/writes.py)."""

from __future__ import annotations

from decimal import Context, Decimal

from rest_framework import serializers

from goals.models import Goal
from portfolio.figures import SPENDING_FIGURES
from portfolio.models import Entry, Holding, Portfolio, Snapshot, Stream, Valuation


class PortfolioSerializer(serializers.ModelSerializer):
    owned = serializers.SerializerMethodField()

    class Meta:
        model = Portfolio
        fields = ["id", "name", "sharing", "owned", "created_at"]
        read_only_fields = fields

    def get_owned(self, portfolio) -> bool:
        return portfolio.owner_id == self.context["request"].user.pk


class ValuationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Valuation
        fields = ["id", "holding", "date", "value"]
        read_only_fields = fields


class HoldingSerializer(serializers.ModelSerializer):
    valuations = ValuationSerializer(many=True, read_only=True)

    class Meta:
        model = Holding
        fields = [
            "id",
            "portfolio",
            "name",
            "kind",
            "currency",
            "liquid",
            "secured_against",
            "note",
            "created_at",
            "valuations",
        ]
        read_only_fields = fields


class StreamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stream
        fields = [
            "id",
            "portfolio",
            "name",
            "category",
            "amount",
            "currency",
            "frequency",
            "first_date",
            "end_date",
            "holding",
            "hours_per_month",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class EntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Entry
        fields = [
            "id",
            "portfolio",
            "date",
            "amount",
            "currency",
            "category",
            "stream",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class GoalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = [
            "id",
            "portfolio",
            "household",
            "year",
            "metric",
            "baseline",
            "baseline_date",
            "target",
            "note",
            "closed_at",
            "final_value",
            "final_infinite",
        ]
        read_only_fields = fields


# Figures are ``Decimal | None``; an unbounded one (a fully passive ratio) is "Infinity".
FIGURE_NAMES = [
    "liquid_assets",
    "net_worth",
    "passive_hours",
    "wealth_ratio",
    "runway_months",
    "runway_with_passive_months",
    "passive_coverage",
    "savings_rate",
    "passive_per_hour",
]


NULLABLE = "A decimal string; null when undefined or unknown."
# The figures that are amounts of money (the others are ratios, months and hours).
_AMOUNTS = frozenset({"earned", "passive", "spending", "liquid_assets", "net_worth"})
SPENDING_RECORDED = (
    "Whether the window holds any spending. Without it, the figures that rest on"
    " spending (runway, coverage, savings rate) are null, not unbounded."
)


class FiguresSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    currency = serializers.CharField(help_text="The ISO 4217 code the amounts are in.")
    no_rate = serializers.CharField(
        allow_null=True, help_text='Why figures are unknown: "no rate for ARS on or before …".'
    )
    window_months = serializers.IntegerField()
    earned = serializers.CharField(help_text="Total over the window, a decimal string.")
    passive = serializers.CharField(help_text="Total over the window, a decimal string.")
    spending = serializers.CharField(help_text="Total over the window, a decimal string.")
    liquid_assets = serializers.CharField(allow_null=True, help_text=NULLABLE)
    net_worth = serializers.CharField(allow_null=True, help_text=NULLABLE)
    passive_hours = serializers.CharField(allow_null=True, help_text=NULLABLE)
    wealth_ratio = serializers.CharField(allow_null=True, help_text=NULLABLE)
    runway_months = serializers.CharField(allow_null=True, help_text=NULLABLE)
    runway_with_passive_months = serializers.CharField(allow_null=True, help_text=NULLABLE)
    passive_coverage = serializers.CharField(allow_null=True, help_text=NULLABLE)
    savings_rate = serializers.CharField(allow_null=True, help_text=NULLABLE)
    passive_per_hour = serializers.CharField(allow_null=True, help_text=NULLABLE)
    spending_recorded = serializers.BooleanField(help_text=SPENDING_RECORDED)

    def to_representation(self, figures) -> dict:
        row = {
            "as_of": figures.as_of.isoformat(),
            "currency": self.context["currency"],
            "window_months": figures.window_months,
            "no_rate": figures.no_rate,
            "spending_recorded": figures.spending_recorded,
        }
        for name in ("earned", "passive", "spending", *FIGURE_NAMES):
            value = None if figures.rests_on_no_spending(name) else getattr(figures, name)
            # Amounts in cents whatever the database: SQLite's sums and balances come
            # back without their trailing zeros ("9000" for 9,000.00).
            row[name] = _cents(value) if name in _AMOUNTS and value is not None else _text(value)
        return row


class SnapshotSerializer(serializers.ModelSerializer):
    spending_recorded = serializers.BooleanField(read_only=True, help_text=SPENDING_RECORDED)

    class Meta:
        model = Snapshot
        fields = [
            "month",
            "window_months",
            "earned",
            "passive",
            "spending",
            "liquid_assets",
            "net_worth",
            "wealth_ratio",
            "wealth_ratio_infinite",
            "runway_months",
            "runway_months_infinite",
            "passive_coverage",
            "passive_coverage_infinite",
            "savings_rate",
            "spending_recorded",
            "computed_at",
        ]
        read_only_fields = fields

    def to_representation(self, snapshot) -> dict:
        row = super().to_representation(snapshot)
        for name in SPENDING_FIGURES & row.keys():
            if snapshot.rests_on_no_spending(name):
                row[name] = None
                if f"{name}_infinite" in row:
                    row[f"{name}_infinite"] = False
        return row


def _text(value: Decimal | None) -> str | None:
    """A decimal string; a zero quotient such as 0 / 36000.00 reads "0", not "0E+2"."""
    if value is None:
        return None
    if not value and value.as_tuple().exponent > 0:
        return "0"
    return str(value)


# Wide enough to round any projected amount to cents (50 years at 100% from 10^12).
_WIDE = Context(prec=60)


def _cents(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), context=_WIDE))


class GoalProgressSerializer(serializers.Serializer):
    """A goal of this year with its progress, as its card on the goals page."""

    goal = serializers.IntegerField()
    year = serializers.IntegerField()
    metric = serializers.CharField()
    household = serializers.IntegerField(allow_null=True)
    portfolio = serializers.IntegerField(allow_null=True)
    baseline = serializers.CharField()
    target = serializers.CharField()
    current = serializers.CharField(allow_null=True, help_text=NULLABLE)
    expected = serializers.CharField(help_text="Where the straight path is today.")
    fraction = serializers.CharField(allow_null=True, help_text="Of the way, baseline to target.")
    projected = serializers.CharField(allow_null=True, help_text="At year end, at today's pace.")
    status = serializers.CharField()

    def to_representation(self, card) -> dict:
        goal = card.goal
        return {
            "goal": goal.pk,
            "year": goal.year,
            "metric": goal.metric,
            "household": goal.household_id,
            "portfolio": goal.portfolio_id,
            "baseline": str(goal.baseline),
            "target": str(goal.target),
            "current": _text(card.current),
            "expected": str(card.expected),
            "fraction": _text(card.fraction),
            "projected": _text(card.projected),
            "status": card.status,
        }


class ProjectionRowSerializer(serializers.Serializer):
    """One year of a projection (year 0 is today), amounts in decimal strings."""

    year = serializers.IntegerField(help_text="Years from now; 0 is today.")
    capital = serializers.CharField()
    passive_yearly = serializers.CharField()
    earned_yearly = serializers.CharField()
    ratio = serializers.CharField(allow_null=True, help_text=NULLABLE)
    runway_months = serializers.CharField(allow_null=True)

    def to_representation(self, row) -> dict:
        return {
            "year": row.year,
            "capital": _cents(row.capital),
            "passive_yearly": _cents(row.passive_yearly),
            "earned_yearly": _cents(row.earned_yearly),
            "ratio": _text(row.ratio),
            "runway_months": _text(row.runway_months),
        }


class ProjectionSerializer(serializers.Serializer):
    assumptions = serializers.DictField(child=serializers.CharField())
    rows = ProjectionRowSerializer(many=True)
