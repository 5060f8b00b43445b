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
