"""Holding cash flow with the loans secured against it (docs/metrics.md): examples and
properties of ``schedule.holding_monthly_nets``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from portfolio.schedule import StreamSpec, holding_monthly_nets, monthly_net

D = Decimal
TODAY = date(2026, 10, 15)
HOME, MORTGAGE, FLAT, FLAT_LOAN, CASH = 1, 2, 3, 4, 5


def stream(holding_id, category, amount, end=None) -> StreamSpec:
    return StreamSpec(
        id=None,
        category=category,
        amount=D(amount),
        frequency="monthly",
        first_date=date(2024, 1, 1),
        end_date=end,
        holding_id=holding_id,
    )


def test_worked_example_home_and_mortgage():
    """Home 0, mortgage payment 1,500 a month secured against it: home -1,500."""
    nets = holding_monthly_nets(
        [stream(MORTGAGE, "loan_payments", "1500")],
        secured_against={MORTGAGE: HOME},
        as_of=TODAY,
    )
    assert nets == {HOME: D("-1500"), MORTGAGE: D("-1500")}


def test_rented_flat_with_rent_above_its_mortgage():
    nets = holding_monthly_nets(
        [
            stream(FLAT, "rent", "900"),
            stream(FLAT, "holding_costs", "250"),
            stream(FLAT_LOAN, "loan_payments", "500"),
        ],
        secured_against={FLAT_LOAN: FLAT},
        as_of=TODAY,
    )
    assert nets == {FLAT: D("150"), FLAT_LOAN: D("-500")}


def test_ended_and_unlinked_streams_count_nowhere():
    nets = holding_monthly_nets(
        [
            stream(MORTGAGE, "loan_payments", "1500", end=date(2026, 10, 14)),
            stream(None, "salary", "4000"),
            stream(CASH, "interest", "20", end=TODAY),  # paid today: still running
        ],
        secured_against={MORTGAGE: HOME},
        as_of=TODAY,
    )
    assert nets == {CASH: D("20")}


streams = st.lists(
    st.builds(
        stream,
        holding_id=st.sampled_from([None, HOME, MORTGAGE, FLAT, FLAT_LOAN, CASH]),
        category=st.sampled_from(["rent", "loan_payments", "holding_costs", "dividends"]),
        amount=st.decimals(min_value=D("0.01"), max_value=D("1e9"), places=2).map(str),
    ),
    max_size=12,
)


@given(streams)
def test_a_holding_is_its_own_streams_plus_its_loans(specs):
    loans = {MORTGAGE: HOME, FLAT_LOAN: FLAT}
    nets = holding_monthly_nets(specs, secured_against=loans, as_of=TODAY)
    for holding in (HOME, MORTGAGE, FLAT, FLAT_LOAN, CASH):
        mine = [s for s in specs if s.holding_id == holding or loans.get(s.holding_id) == holding]
        if mine:
            assert nets[holding] == monthly_net(mine)
        else:
            assert holding not in nets
