"""A member's export holds what they own, not what is shared with them nor their
household's goals; importing it never shares anything."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from dataport import export as data_export
from dataport import json_reader, json_writer
from goals.models import Goal
from portfolio.models import Portfolio
from portfolio.services import portfolio_share
from tests.factories import GoalFactory, HoldingFactory, StreamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_export_holds_what_the_member_owns_and_import_shares_nothing(alice, bob, couple):
    joint = Portfolio.objects.create(owner=alice, name="Alice joint")
    HoldingFactory(portfolio=joint, name="Alice's flat", kind="property")
    portfolio_share(portfolio=joint, sharing=Portfolio.Sharing.EDIT)
    mine = bob.portfolios.get()
    StreamFactory(portfolio=mine, name="Bob's salary")
    portfolio_share(portfolio=mine, sharing=Portfolio.Sharing.VIEW)
    GoalFactory(owner=bob, year=2026, household=couple, target=Decimal("0.3"))
    own_goal = GoalFactory(owner=bob, year=2026, metric="savings_rate", target=Decimal("0.3"))

    document = json.loads(data_export.export_json(bob))
    assert [p["name"] for p in document["portfolios"]] == ["Personal"]
    assert document["holdings"] == []
    assert [s["name"] for s in document["streams"]] == ["Bob's salary"]
    assert [g["metric"] for g in document["goals"]] == [own_goal.metric]
    assert "household" not in json.dumps(document).lower()
    assert "sharing" not in json.dumps(document)

    newcomer = UserFactory(email="new@example.com")
    newcomer.portfolios.all().delete()
    json_writer.user_data_import(
        user=newcomer,
        document=json_reader.read_document(data_export.export_json(bob), today=dt.date(2026, 3, 1)),
    )
    imported = Portfolio.objects.get(owner=newcomer)
    assert imported.sharing == Portfolio.Sharing.PRIVATE
    assert not Goal.objects.filter(owner=newcomer, household__isnull=False).exists()
