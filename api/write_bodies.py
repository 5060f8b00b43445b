"""The bodies the API accepts, for the OpenAPI description only: the pages' forms
validate them (api/writes.py), so a rule is never written twice. Amounts are
decimal strings; a reference is the other row's id."""

from __future__ import annotations

from rest_framework import serializers

from goals.models import Metric
from portfolio import categories
from portfolio.forms import LIQUID_BY_KIND, LIQUID_NO, LIQUID_YES
from portfolio.models import Holding

CATEGORIES = categories.CATEGORY_CHOICES
AMOUNT = {"help_text": 'A decimal string with at most 2 decimal places, e.g. "1250.50".'}
CURRENCY = {
    "required": False,
    "max_length": 3,
    "help_text": "ISO 4217 code of the amounts; left out, the portfolio owner's base currency.",
}


class PortfolioBody(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class HoldingChange(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    kind = serializers.ChoiceField(Holding.Kind.choices, required=False)
    liquidity = serializers.ChoiceField(
        [LIQUID_BY_KIND, LIQUID_YES, LIQUID_NO], required=False, default=LIQUID_BY_KIND
    )
    secured_against = serializers.IntegerField(
        required=False, allow_null=True, help_text="For a loan: the holding it is secured against."
    )
    currency = serializers.CharField(**CURRENCY)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class HoldingBody(HoldingChange):
    portfolio = serializers.IntegerField()
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(Holding.Kind.choices)
    value = serializers.CharField(required=False, allow_null=True, **AMOUNT)
    value_date = serializers.DateField(required=False, allow_null=True)


class ValuationBody(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.CharField(**AMOUNT)


class StreamChange(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    category = serializers.ChoiceField(CATEGORIES, required=False)
    amount = serializers.CharField(required=False, **AMOUNT)
    currency = serializers.CharField(**CURRENCY)
    frequency = serializers.ChoiceField(categories.FREQUENCY_CHOICES, required=False)
    first_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    holding = serializers.IntegerField(required=False, allow_null=True)
    hours_per_month = serializers.CharField(required=False, help_text='e.g. "2.5".')
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class StreamBody(StreamChange):
    portfolio = serializers.IntegerField()
    name = serializers.CharField(max_length=100)
    category = serializers.ChoiceField(CATEGORIES)
    amount = serializers.CharField(**AMOUNT)
    frequency = serializers.ChoiceField(categories.FREQUENCY_CHOICES)
    first_date = serializers.DateField()


class EntryChange(serializers.Serializer):
    date = serializers.DateField(required=False)
    amount = serializers.CharField(required=False, **AMOUNT)
    currency = serializers.CharField(**CURRENCY)
    category = serializers.ChoiceField(
        CATEGORIES, required=False, help_text="Leave out to take the stream's."
    )
    stream = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class EntryBody(EntryChange):
    portfolio = serializers.IntegerField()
    date = serializers.DateField()
    amount = serializers.CharField(**AMOUNT)


class GoalChange(serializers.Serializer):
    metric = serializers.ChoiceField(Metric.choices, required=False)
    portfolio = serializers.IntegerField(
        required=False, allow_null=True, help_text="Leave out for all your portfolios."
    )
    year = serializers.IntegerField(required=False)
    target = serializers.CharField(
        required=False, help_text='Rates as "10%" or "0.10"; income as an amount.'
    )
    baseline = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    for_household = serializers.BooleanField(required=False)


class GoalBody(GoalChange):
    metric = serializers.ChoiceField(Metric.choices)
    year = serializers.IntegerField()
    target = serializers.CharField()
