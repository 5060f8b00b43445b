"""Migrating a database from before the apps were split keeps every row.

SentEmail moved from goals to notifications and EntryImport from portfolio to
dataport, each in the same table (``SeparateDatabaseAndState``), and their content
types followed. This test migrates the test database back to the state before the
move, writes rows through the historical models of that state, migrates forward
again and reads them back through today's models. Whatever happens, the database
is left at the latest migrations for the tests after it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

D = Decimal
# The last migrations before the restructuring; notifications and dataport did not exist.
BEFORE = [
    ("goals", "0004_email_schedule"),
    ("portfolio", "0005_nightly_snapshots_schedule"),
    ("notifications", None),
    ("dataport", None),
]
MOVED = {"sentemail": ("goals", "notifications"), "entryimport": ("portfolio", "dataport")}


def migrate(targets) -> MigrationExecutor:
    """Migrate to ``targets`` with a fresh executor (its loader reads what is applied)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def latest(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return executor.loader.graph.leaf_nodes()


def applied_state_apps(executor: MigrationExecutor):
    """The historical models of what the database has applied now."""
    applied = [
        key for key in executor.recorder.applied_migrations() if key in executor.loader.graph.nodes
    ]
    return executor.loader.project_state(applied).apps


def write_old_rows(apps) -> dict[str, tuple[str, int, dict]]:
    """One row of each kind, through the historical models; {name: (label, pk, values)}."""
    User = apps.get_model("accounts", "User")
    Portfolio = apps.get_model("portfolio", "Portfolio")
    Holding = apps.get_model("portfolio", "Holding")
    Valuation = apps.get_model("portfolio", "Valuation")
    Stream = apps.get_model("portfolio", "Stream")
    Entry = apps.get_model("portfolio", "Entry")
    SentEmail = apps.get_model("goals", "SentEmail")
    EntryImport = apps.get_model("portfolio", "EntryImport")

    user = User.objects.create(
        email="before@example.com",
        password="md5$salt$hash",
        currency="EUR",
        time_zone="Europe/Paris",
        assumed_yield=D("0.0350"),
        email_log_reminder=False,
    )
    portfolio = Portfolio.objects.create(owner=user, name="Personal")
    holding = Holding.objects.create(
        portfolio=portfolio, name="Fund", kind="listed", liquid=True, note="ETF"
    )
    valuation = Valuation.objects.create(
        holding=holding, date=dt.date(2025, 6, 30), value=D("31000.99")
    )
    stream = Stream.objects.create(
        portfolio=portfolio,
        name="Fund dividend",
        category="dividends",
        amount=D("450.00"),
        frequency="quarterly",
        first_date=dt.date(2024, 3, 15),
        holding=holding,
        hours_per_month=D("1.5"),
    )
    entry = Entry.objects.create(
        portfolio=portfolio,
        stream=stream,
        date=dt.date(2026, 1, 15),
        amount=D("512.30"),
        category="dividends",
        note="Higher than usual",
    )
    sent = SentEmail.objects.create(
        user=user,
        kind="monthly",
        period="2026-01",
        status="sent",
        to_email="before@example.com",
        subject="Your January",
        message_id="<1@example.com>",
        attempts=2,
        error="",
        claimed_at=dt.datetime(2026, 2, 1, 8, 1, tzinfo=dt.UTC),
        sent_at=dt.datetime(2026, 2, 1, 8, 2, tzinfo=dt.UTC),
    )
    entry_import = EntryImport.objects.create(
        portfolio=portfolio, file_hash="ab" * 32, row_count=123
    )

    rows = {}
    for label, obj in [
        ("accounts.User", user),
        ("portfolio.Portfolio", portfolio),
        ("portfolio.Holding", holding),
        ("portfolio.Valuation", valuation),
        ("portfolio.Stream", stream),
        ("portfolio.Entry", entry),
        ("notifications.SentEmail", sent),
        ("dataport.EntryImport", entry_import),
    ]:
        rows[label] = type(obj).objects.filter(pk=obj.pk).values().get()
    return rows


def put_back_old_content_types(apps) -> dict[str, tuple[int, list[int]]]:
    """The content types as they were before the move: under the old app labels.

    A test database got its content types after all migrations, so they carry the
    new labels; an old database has the old ones. {model: (content type pk, the pks
    of its permissions)}.
    """
    HistoricalContentType = apps.get_model("contenttypes", "ContentType")
    HistoricalPermission = apps.get_model("auth", "Permission")
    found = {}
    for model, (old_label, new_label) in MOVED.items():
        HistoricalContentType.objects.filter(app_label=old_label, model=model).delete()
        moved_back = HistoricalContentType.objects.filter(app_label=new_label, model=model)
        if not moved_back.update(app_label=old_label):
            HistoricalContentType.objects.create(app_label=old_label, model=model)
        content_type = HistoricalContentType.objects.get(app_label=old_label, model=model)
        permissions = HistoricalPermission.objects.filter(content_type=content_type)
        found[model] = (content_type.pk, sorted(permissions.values_list("pk", flat=True)))
    return found


def test_the_move_to_notifications_and_dataport_keeps_every_row_and_its_content_type():
    from django.apps import apps
    from django.contrib.auth.models import Permission

    from dataport.models import EntryImport
    from notifications.models import SentEmail

    leaves = latest(MigrationExecutor(connection))
    try:
        old_apps = applied_state_apps(migrate(BEFORE))
        # Really the old state: the models are still in goals and portfolio.
        old_apps.get_model("goals", "SentEmail")
        old_apps.get_model("portfolio", "EntryImport")
        for label in ("notifications", "dataport"):
            with pytest.raises(LookupError):
                old_apps.get_app_config(label)

        written = write_old_rows(old_apps)
        old_content_types = put_back_old_content_types(old_apps)
    finally:
        executor = migrate(leaves)
        ContentType.objects.clear_cache()
    assert executor.migration_plan(leaves) == []  # the next tests find the latest schema

    for label, values in written.items():
        model = apps.get_model(label)
        now = model.objects.filter(pk=values["id"]).values().get()
        # Every old column keeps its value; columns added since start empty or default.
        assert {name: now[name] for name in values} == values, label
        assert model.objects.count() == 1, label
    assert SentEmail.objects.get().user.email == "before@example.com"
    # Amounts from before currencies are in the owner's base currency (EUR here).
    for label in ("portfolio.Holding", "portfolio.Stream", "portfolio.Entry"):
        assert apps.get_model(label).objects.get().currency == "EUR", label
    assert EntryImport.objects.get().portfolio.name == "Personal"

    for model, (old_label, new_label) in MOVED.items():
        pk, permissions = old_content_types[model]
        assert permissions  # add, change, delete and view, made for the test database
        content_type = ContentType.objects.get(pk=pk)
        assert (content_type.app_label, content_type.model) == (new_label, model)
        assert not ContentType.objects.filter(app_label=old_label, model=model).exists()
        assert sorted(content_type.permission_set.values_list("pk", flat=True)) == permissions
    assert ContentType.objects.get_for_model(SentEmail).pk == old_content_types["sentemail"][0]
    assert ContentType.objects.get_for_model(EntryImport).pk == old_content_types["entryimport"][0]
    assert Permission.objects.get(codename="view_sentemail").content_type.app_label == (
        "notifications"
    )
