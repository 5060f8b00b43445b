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
        monthly_earned=D("4000"),
        monthly_passive=D("200"),
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
        monthly_earned=D("0"),
        monthly_passive=D("0"),
        yearly_yield=D("0.04"),
    )
    missing = goal_card(
        ratio_goal(),
        as_of=date(2026, 7, 2),
        current=None,
        projected=None,
        monthly_earned=None,
        monthly_passive=None,
        yearly_yield=D("0.04"),
    )
    assert undefined.gap is None and undefined.status == "unknown"
    assert missing.gap is None


def test_the_status_comes_from_the_projected_year_end_not_the_path():
    # 16% today, 16% projected at 31 December, target 25%: behind, whatever the path says.
    goal = Goal(
        year=2026,
        metric="wealth_ratio",
        baseline=D("0.16"),
        baseline_date=date(2026, 12, 1),
        target=D("0.25"),
    )
    card = goal_card(
        goal,
        as_of=date(2026, 12, 1),
        current=D("0.16"),
        projected=D("0.16"),
        monthly_earned=D("5000"),
        monthly_passive=D("800"),
        yearly_yield=D("0.04"),
    )
    assert card.status == "behind"
    assert card.gap.passive_needed_monthly == D("450")  # 0.25 x 5,000 - 800
    on_track = goal_card(
        goal,
        as_of=date(2026, 12, 1),
        current=D("0.16"),
        projected=D("0.26"),
        monthly_earned=D("5000"),
        monthly_passive=D("800"),
        yearly_yield=D("0.04"),
    )
    assert on_track.status == "on_track"
