"""The goal form: a target typed as "10%" or "0.10" for rates, an amount or months otherwise."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from accounts.fields import PercentField
from goals.models import RATE_METRICS, Goal, Metric
from goals.progress import goal_year
from goals.services import baseline_date, goal_baseline
from households.models import Household
from portfolio import access
from portfolio.forms import PlainDecimalField, PlainIntegerField
from portfolio.limits import (
    GOAL_DIGITS,
    GOAL_FIGURE_LIMIT,
    GOAL_PLACES,
    GOAL_RATE_MAX,
    MONEY_PLACES,
    goal_years,
)


def figure_field(metric: str, *, label: str, required: bool) -> forms.Field:
    """The field that reads a figure of ``metric`` in its own unit.

    The form then refuses a figure at or beyond ``GOAL_FIGURE_LIMIT``, as an import
    of a document does (``dataport.json_schema``).
    """
    if metric in RATE_METRICS:
        # Only a savings rate can be below zero (spending more than all income).
        lowest = None if metric == Metric.SAVINGS_RATE else Decimal(0)
        return PercentField(
            label=label, required=required, min_value=lowest, max_value=GOAL_RATE_MAX
        )
    # Money or months, in cents; the digits of the column bound what is parsed, so
    # that the limit below is checked on a number of reasonable size.
    return PlainDecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=GOAL_DIGITS - GOAL_PLACES + MONEY_PLACES,
        decimal_places=MONEY_PLACES,
    )


def _typed(value: Decimal) -> str:
    """A money or months figure as its field reads it back: "500.00", not the column's
    "500.000000" (which the field refuses), unless it really has finer places."""
    cents = value.quantize(Decimal(1).scaleb(-MONEY_PLACES))
    return format(cents if cents == value else value.normalize(), "f")


class GoalForm(forms.ModelForm):
    year = PlainIntegerField(label="Year", widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    target = forms.CharField(
        label="Target",
        max_length=30,
        help_text="Rates as 10% or 0.10; monthly passive income as an amount; runway in months.",
    )
    baseline = forms.CharField(
        label="Baseline",
        max_length=30,
        required=False,
        help_text="Where you start. Leave empty to take your figure on 1 January "
        "(or today, for a goal set during the year).",
    )

    class Meta:
        model = Goal
        fields = ["metric", "portfolio", "year", "target", "baseline", "note"]

    def __init__(self, *args, owner, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner, self.today = owner, today
        if not self.instance.pk:  # a household's goal stays with the member who set it
            self.instance.owner = owner
        self.fields["portfolio"].queryset = access.owned_portfolios(owner)
        self.fields["portfolio"].empty_label = "All my portfolios"
        # A member may set a goal for the household, on what its members share.
        self.household = (
            self.instance.household
            if self.instance.household_id
            else Household.objects.filter(memberships__user=owner).first()
        )
        if self.household is not None:
            self.fields["for_household"] = forms.BooleanField(
                label=f"A goal of the household “{self.household.name}”",
                required=False,
                initial=self.instance.household_id is not None,
                help_text="On the portfolios its members share; every member sees it.",
            )
        self.fields["year"].initial = goal_year(today)
        if self.instance.pk:
            self.fields["baseline"].required = True
            self.fields["baseline"].help_text = "Where you started."
            for name in ("target", "baseline"):
                value = getattr(self.instance, name)
                self.initial[name] = (
                    PercentField().prepare_value(value) if self.instance.is_rate else _typed(value)
                )

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        years = goal_years(self.today.year)
        if year not in years:
            raise forms.ValidationError(f"Choose a year from {years[0]} to {years[-1]}.")
        return year

    def _figure(self, name: str) -> Decimal | None:
        metric = self.cleaned_data.get("metric")
        text = self.cleaned_data.get(name)
        if not metric or text in (None, ""):
            return None
        field = figure_field(metric, label=name, required=False)
        try:
            value = field.clean(text)
        except forms.ValidationError as error:
            self.add_error(name, error)
            return None
        if value is not None and value.copy_abs() >= GOAL_FIGURE_LIMIT:
            self.add_error(name, "That figure is too large.")
            return None
        return value

    def clean(self):
        cleaned = super().clean()
        # The typed text is replaced by the figure before anything else can fail, so
        # the model never sees "10%".
        target = cleaned["target"] = self._figure("target")
        baseline = cleaned["baseline"] = self._figure("baseline")
        if cleaned.get("for_household"):
            if cleaned.get("portfolio"):
                self.add_error(
                    "portfolio", "A household's goal is on what it shares: choose no portfolio."
                )
            self.instance.household = self.household
        if self.errors or not self._is_unique(cleaned):
            return cleaned
        if self.instance.closed_at and "year" in self.changed_data:
            # Moved to another year, a closed goal is open again (the year-end job
            # closes it anew); otherwise it would keep a final value from another year.
            self.instance.closed_at = self.instance.final_value = None
            self.instance.final_infinite = False
        if baseline is None:
            baseline = self._capture_baseline(cleaned)
            if baseline is None:
                return cleaned
        elif not self.instance.pk or "year" in self.changed_data:
            self.instance.baseline_date = baseline_date(cleaned["year"], self.today)
        cleaned["target"], cleaned["baseline"] = target, baseline
        if target <= baseline:
            self.add_error(
                "target",
                f"A goal must be above where you start ({self._show(baseline)}): every goal "
                "figure is better higher. Raise the target or lower the baseline.",
            )
        return cleaned

    def _capture_baseline(self, cleaned) -> Decimal | None:
        """The figure on 1 January (or today, during the year); an undefined one is 0."""
        value, on = goal_baseline(
            user=self.owner,
            portfolio=cleaned.get("portfolio"),
            year=cleaned["year"],
            metric=cleaned["metric"],
            today=self.today,
            household=self.instance.household_id is not None,
        )
        if value is not None and value.is_infinite():
            self.add_error(
                "metric", "This figure is already unbounded for you: there is nothing to raise."
            )
            return None
        self.instance.baseline_date = on
        return Decimal(0) if value is None else round(value, GOAL_PLACES)

    def _show(self, value: Decimal) -> str:
        if self.cleaned_data.get("metric") in RATE_METRICS:
            return PercentField().prepare_value(value)
        return f"{value:,.2f}"

    def _is_unique(self, cleaned) -> bool:
        if self.instance.household_id is not None:
            whose = {"household": self.instance.household}
        else:
            whose = {"owner": self.owner, "household": None, "portfolio": cleaned.get("portfolio")}
        others = Goal.objects.filter(
            **whose, year=cleaned.get("year"), metric=cleaned.get("metric")
        ).exclude(pk=self.instance.pk)
        if not others.exists():
            return True
        scope = (
            f"the household “{self.instance.household.name}”"
            if self.instance.household_id is not None
            else cleaned.get("portfolio") or "all your portfolios"
        )
        label = Metric(cleaned["metric"]).label.lower()
        self.add_error(
            None,
            f"You already have a {label} goal for {cleaned['year']} on {scope}; edit that one.",
        )
        return False
