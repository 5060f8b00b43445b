"""goal_card: the one builder behind the dashboard's and the e-mails' goal cards."""

from datetime import date
from decimal import Decimal

from goals.models import Goal
from goals.services import goal_card

D = Decimal


def ratio_goal() -> Goal:
    return Goal(
        year=2026,
        metric="wealth_ratio",
        baseline=D("0.05"),
        baseline_date=date(2026, 1, 1),
        target=D("0.10"),
    )


def test_a_ratio_card_says_what_the_target_takes():
    card = goal_card(
        ratio_goal(),
        as_of=date(2026, 7, 2),
        current=D("0.05"),
        projected=None,
        earned=D("48000"),
        passive=D("2400"),
        yearly_yield=D("0.04"),
    )
    assert card.gap.passive_needed_monthly == D("200")
    assert card.gap.capital_needed == D("60000")
    assert card.status == "behind"


def test_an_undefined_ratio_needs_no_amount_and_no_snapshot_gives_no_gap():
    undefined = goal_card(
        ratio_goal(),
        as_of=date(2026, 7, 2),
        current=None,
        projected=None,
        earned=D("0"),
        passive=D("0"),
        yearly_yield=D("0.04"),
    )
    missing = goal_card(
        ratio_goal(),
        as_of=date(2026, 7, 2),
        current=None,
        projected=None,
        earned=None,
        passive=None,
        yearly_yield=D("0.04"),
    )
    assert undefined.gap is None and undefined.status == "unknown"
    assert missing.gap is None
