"""Writing a checked document (``dataport.json_reader``) into an empty account.

``user_data_import(user=..., document=...)`` writes it in one transaction, then
recomputes the user's snapshots in the same transaction: all of the document or
nothing. Every row is created anew for the importing user, with the database's
own keys, so a document from another user's export, or written by hand, becomes
this user's data and cannot reach any other user's rows.

The account must be empty: no holdings, streams, entries, goals, milestones or
own rates (``existing_data``). Its portfolios are then empty too (the "Personal" one made
at sign-up, perhaps others) and are *replaced* by the document's portfolios, so
that an export imported into a new account gives back exactly the portfolios it
had, names included. A document without portfolios keeps the account's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from dataport.export import TABLES
from dataport.json_reader import DataImportError, Document
from goals.models import Goal, Milestone
from portfolio import snapshots
from portfolio.models import Entry, Holding, ManualRate, Portfolio, Stream, Valuation

BATCH_SIZE = 2000


@dataclass(frozen=True)
class ImportSummary:
    """How many records of each list; ``str()`` for the user: "2 portfolios, 1 goal"."""

    counts: dict[str, int]

    def __str__(self) -> str:
        parts = [f"{count} {_NOUNS[name][count != 1]}" for name, count in self.counts.items()]
        return ", ".join(parts)


_NOUNS = {
    "portfolios": ("portfolio", "portfolios"),
    "holdings": ("holding", "holdings"),
    "valuations": ("valuation", "valuations"),
    "streams": ("stream", "streams"),
    "entries": ("entry", "entries"),
    "goals": ("goal", "goals"),
    "milestones": ("milestone", "milestones"),
    "manual_rates": ("exchange rate", "exchange rates"),
}


def existing_data(user) -> str:
    """What already is in the account, e.g. "3 holdings, 12 entries"; "" if nothing."""
    counts = {
        "holdings": Holding.objects.filter(portfolio__owner=user).count(),
        "streams": Stream.objects.filter(portfolio__owner=user).count(),
        "entries": Entry.objects.filter(portfolio__owner=user).count(),
        "goals": Goal.objects.filter(owner=user).count(),
        "milestones": Milestone.objects.filter(user=user).count(),
        # The document's own rates could clash with them (one per currency and day).
        "manual_rates": ManualRate.objects.filter(owner=user).count(),
    }
    return str(ImportSummary({name: count for name, count in counts.items() if count}))


def not_empty_message(existing: str) -> str:
    return (
        f"Your account already has data ({existing}). A document can only be "
        "imported into an empty account: delete these first, or sign up for a new "
        "account to import into."
    )


def user_data_import(*, user, document: Document) -> ImportSummary:
    """Write a checked document into ``user``'s empty account, all of it or nothing.

    Raises ``DataImportError`` if the account has data. The user's preferences are
    set on ``user`` too. Snapshots are recomputed before the transaction commits.
    """
    try:
        with transaction.atomic():
            summary = _write(user, document)
    except IntegrityError as error:
        # dataport.json_reader mirrors every constraint; this is the safety net.
        raise DataImportError(
            f"The document breaks a rule of the database ({error}); nothing was imported."
        ) from None
    for name, value in document.preferences.items():
        setattr(user, name, value)
    if document.preferences:
        user.refresh_from_db(fields=["email_preferences_version"])
    return summary


def _write(user, document: Document) -> ImportSummary:
    # The user's row lock makes two imports into one account (a double click) run
    # one after the other, so the second sees the first one's data and stops. (The
    # job's task took the owner's recompute lock before anything: ``import_jobs``.)
    locked = get_user_model().objects.select_for_update().get(pk=user.pk)
    existing = existing_data(locked)
    if existing:
        raise DataImportError(not_empty_message(existing))
    tables = document.tables
    if document.preferences:
        emails = {
            name: value
            for name, value in document.preferences.items()
            if name in locked.EMAIL_PREFERENCES
        }
        # Through the user's method, so a changed e-mail choice raises its version
        # (older unsubscribe links then no longer undo it).
        fields = locked.set_email_preferences(emails)
        for name, value in document.preferences.items():
            if name not in emails:
                setattr(locked, name, value)
                fields.append(name)
        locked.save(update_fields=fields)
    if tables["portfolios"]:
        # Empty, as checked above: nothing of the user's is lost.
        Portfolio.objects.filter(owner=locked).delete()

    portfolio_pk = _create(
        Portfolio, tables["portfolios"], lambda r: Portfolio(owner=locked, name=r["name"])
    )
    holding_pk = _create(
        Holding,
        tables["holdings"],
        lambda r: Holding(
            portfolio_id=portfolio_pk[r["portfolio"]],
            name=r["name"],
            kind=r["kind"],
            liquid=r["liquid"],
            note=r["note"],
            currency=r["currency"] or locked.currency,
        ),
    )
    # Once every holding has its key: a loan may come before what it is secured against.
    Holding.objects.bulk_update(
        [
            Holding(pk=holding_pk[r["id"]], secured_against_id=holding_pk[r["secured_against"]])
            for r in tables["holdings"]
            if r["secured_against"] is not None
        ],
        ["secured_against"],
        batch_size=BATCH_SIZE,
    )
    Valuation.objects.bulk_create(
        (
            Valuation(holding_id=holding_pk[r["holding"]], date=r["date"], value=r["value"])
            for r in tables["valuations"]
        ),
        batch_size=BATCH_SIZE,
    )
    stream_pk = _create(
        Stream,
        tables["streams"],
        lambda r: Stream(
            portfolio_id=portfolio_pk[r["portfolio"]],
            holding_id=None if r["holding"] is None else holding_pk[r["holding"]],
            currency=r["currency"] or locked.currency,
            **{
                k: r[k]
                for k in TABLES["streams"]
                if k not in ("id", "portfolio", "holding", "currency")
            },
        ),
    )
    Entry.objects.bulk_create(
        (
            Entry(
                portfolio_id=portfolio_pk[r["portfolio"]],
                stream_id=None if r["stream"] is None else stream_pk[r["stream"]],
                date=r["date"],
                amount=r["amount"],
                currency=r["currency"] or locked.currency,
                category=r["category"],
                note=r["note"],
            )
            for r in tables["entries"]
        ),
        batch_size=BATCH_SIZE,
    )
    goal_pk = _create(
        Goal,
        tables["goals"],
        lambda r: Goal(
            owner=locked,
            portfolio_id=None if r["portfolio"] is None else portfolio_pk[r["portfolio"]],
            **{k: r[k] for k in TABLES["goals"] if k not in ("id", "portfolio")},
        ),
    )
    Milestone.objects.bulk_create(
        [
            Milestone(
                user=locked,
                kind=r["kind"],
                key=_milestone_key(r, goal_pk, index),
                goal_id=None if r["goal"] is None else goal_pk[r["goal"]],
                value=r["value"],
                occurred_on=r["occurred_on"],
            )
            for index, r in enumerate(tables["milestones"], start=1)
        ]
    )
    ManualRate.objects.bulk_create(
        ManualRate(owner=locked, **{k: r[k] for k in TABLES["manual_rates"]})
        for r in tables["manual_rates"]
    )
    # bulk_create sends no signals, so nothing was marked stale: recompute every
    # month now, in this transaction, so the import commits with its snapshots.
    snapshots.snapshots_recompute(user_ids=[locked.pk])
    return ImportSummary({name: len(tables[name]) for name in TABLES})


def _create(model, records, build) -> dict[int, int]:
    """Create ``model`` rows from records; return document id -> new primary key."""
    rows = model.objects.bulk_create([build(record) for record in records], batch_size=BATCH_SIZE)
    if any(row.pk is None for row in rows):  # pragma: no cover - SQLite < 3.35
        raise RuntimeError("The database did not return the new rows' keys.")
    return {record["id"]: row.pk for record, row in zip(records, rows, strict=True)}


def _milestone_key(record: dict[str, Any], goal_pk: dict[int, int], index: int) -> str:
    """The natural key ``goals.milestones`` uses: the goal's (new) id, or "" once-only.

    A goal reached and later deleted leaves its milestone without a goal; its key
    must not look like an id, or it would block a future goal with that id here.
    """
    if record["kind"] != Milestone.Kind.GOAL_ACHIEVED:
        return ""
    if record["goal"] is None:
        return f"imported-{index}"
    return str(goal_pk[record["goal"]])
