"""The projection page: pre-filled from today's figures, editable, owner only."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from portfolio.metrics import project
from portfolio.models import Portfolio
from tests.factories import HoldingFactory, PortfolioFactory, StreamFactory, ValuationFactory

pytestmark = pytest.mark.django_db
URL = reverse("portfolio:projection")
D = Decimal

# Every assumption, as a shared link would carry it (5 years, figures easy to follow:
# no return, a 10 % yield on 100,000 = 10,000 a year plus 5,000 of rent).
PARAMS = {
    "years": "5",
    "capital": "100000",
    "monthly_saving": "0",
    "yearly_return": "0%",
    "yearly_yield": "10%",
    "reinvest": "on",
    "earned_yearly": "20000",
    "wage_growth": "0%",
    "other_passive_yearly": "5000",
    "passive_growth": "0%",
    "spending_yearly": "12000",
}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def portfolio(owner) -> Portfolio:
    return owner.portfolios.get()


@pytest.fixture
def figures(portfolio):
    """Twelve months of: salary 5,000, rent 1,000, dividends 100, spending 3,000 a month;
    10,000 in cash and a house that is not liquid."""
    for category, amount in [
        ("salary", "5000"),
        ("rent", "1000"),
        ("dividends", "100"),
        ("living_expenses", "3000"),
    ]:
        StreamFactory(portfolio=portfolio, category=category, amount=D(amount))
    ValuationFactory(holding=HoldingFactory(portfolio=portfolio, kind="cash"), value=D("10000"))
    ValuationFactory(
        holding=HoldingFactory(portfolio=portfolio, kind="property"), value=D("300000")
    )


def chart_data(response) -> dict:
    match = re.search(
        r'<script id="projection-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "no chart data on the page"
    return json.loads(match[1])


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.usefixtures("figures")
def test_starts_from_the_users_current_figures(client_owner, owner):
    response = client_owner.get(URL)

    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound
    assert form.initial == {
        "years": 30,
        "capital": D("10000.00"),  # the cash, not the house
        "monthly_saving": D("3100.00"),  # (60,000 + 13,200 - 36,000) / 12
        "yearly_return": D("0.06"),
        # The cash pays nothing recorded (the dividends are not linked to a liquid
        # holding): no yield is assumed, and all passive income is "other".
        "yearly_yield": D("0.0000"),
        "reinvest": True,
        "earned_yearly": D("60000.00"),
        "wage_growth": D("0.03"),
        "other_passive_yearly": D("13200.00"),  # rent and dividends
        "passive_growth": D("0.05"),
        "spending_yearly": D("36000.00"),
    }
    rows = [row for _, row in response.context["rows"]]
    assert rows == project(**form.initial)
    assert len(rows) == 30
    html = response.content.decode()
    assert re.search(r'<input type="checkbox" name="reinvest"[^>]* checked', html)
    # Today's row is the dashboard: 13,200 / 60,000 = 22%.
    assert response.context["today_row"].ratio == D("0.22")
    assert re.search(r'data-figure="today_ratio">22.0%<', html)
    # The honest note, and the assumed yield one click away.
    assert "of liquid assets pays no income you have recorded" in html
    assert "yearly_yield=4%25" in html


def test_an_empty_account_still_projects(client_owner):
    response = client_owner.get(URL)
    assert response.status_code == 200
    assert response.context["form"].initial["capital"] == 0
    assert len(response.context["rows"]) == 30
    assert "Never within 30 years" in response.content.decode()


def test_the_assumptions_in_the_address_give_the_headline_table_and_chart(client_owner):
    response = client_owner.get(URL, PARAMS)

    assert response.status_code == 200
    assert response.context["form"].is_valid()
    rows = response.context["rows"]
    assert [year for year, _ in rows] == [2027, 2028, 2029, 2030, 2031]
    assert {row.passive_yearly for _, row in rows} == {D("15000")}
    # Ratio 15,000 / 20,000 = 75 %; passive income covers spending of 12,000 in year 1.
    assert response.context["ratio_row"] is None
    assert response.context["covered_row"].year == 1
    html = response.content.decode()
    assert re.search(r'data-figure="ratio_year">Never within 5 years<', html)
    assert re.search(r'data-figure="covered_year">2027<', html)
    assert html.count('<td class="num">75.0%</td>') == 5
    assert re.search(r'data-figure="today_ratio">75.0%<', html)

    data = chart_data(response)
    assert data["labels"] == ["Today", "2027", "2028", "2029", "2030", "2031"]
    assert data["capital"] == ["100000.00"] * 6  # decimal strings, never floats
    assert data["passive"] == ["15000.00"] * 6
    assert data["earned"] == ["20000.00"] * 6
    assert data["ratio"] == ["75.0"] * 6
    assert data["currency"] == "USD"


def test_the_ratio_reaches_100_percent_when_other_passive_income_has_doubled(client_owner):
    # 10,000 + 5,000 x 1.1^(n-1) >= 20,000 from n = 9 (1.1^8 = 2.14).
    params = {**PARAMS, "years": "10", "passive_growth": "10%"}
    response = client_owner.get(URL, params)
    assert response.context["ratio_row"].year == 9
    assert re.search(r'data-figure="ratio_year">2035<', response.content.decode())


def test_without_earned_income_the_ratio_is_fully_passive(client_owner):
    response = client_owner.get(URL, {**PARAMS, "earned_yearly": "0"})
    assert response.context["ratio_row"].year == 1
    assert chart_data(response)["ratio"] == [None] * 6  # unbounded: no point on the line
    assert "fully passive" in response.content.decode()


def test_an_unticked_box_means_the_payouts_are_taken_out(client_owner):
    params = {**PARAMS, "yearly_return": "10%"}
    del params["reinvest"]
    response = client_owner.get(URL, params)
    assert response.context["form"].cleaned_data["reinvest"] is False
    # Capital grows at 10 % - 10 % = 0.
    assert {row.capital for _, row in response.context["rows"]} == {D("100000")}


def test_the_largest_figures_still_render(client_owner):
    params = {
        **PARAMS,
        "years": "50",
        "capital": "999999999999.99",
        "monthly_saving": "999999999999.99",
        "yearly_return": "100%",
        "yearly_yield": "100%",
        "earned_yearly": "0.01",
    }
    response = client_owner.get(URL, params)
    assert response.status_code == 200
    assert len(chart_data(response)["capital"]) == 51  # today and 50 years


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("years", "51", "Project at most 50 years."),
        ("years", "0", "Project at least 1 year."),
        ("years", "ten", "Enter a whole number of years."),
        ("years", "\u0661\u0660", "“\u0661\u0660” has digits other than 0 to 9"),
        ("years", "1e1", "“1e1” has an exponent"),
        ("years", "2.5", "Enter a whole number of years."),
        ("capital", "-1", "Enter zero or more."),
        ("capital", "NaN", "NaN and infinity are not amounts"),
        ("monthly_saving", "Infinity", "NaN and infinity are not amounts"),
        ("earned_yearly", "1000000000000", "at most 12 digits"),
        ("spending_yearly", "12.345", "at most 2 decimal places"),
        ("spending_yearly", "", "This field is required."),
        ("yearly_return", "150%", "Enter at most 100%."),
        ("yearly_return", "2", "Enter at most 100%."),  # a bare number is a fraction
        ("yearly_yield", "-1%", "Enter at least 0%."),
        ("wage_growth", "1e400", "“1e400” has an exponent"),
        ("wage_growth", "\uff13%", "“\uff13%” has digits other than 0 to 9"),
        ("yearly_return", "1_0%", "“1_0%” has a space or separator between its digits"),
        ("capital", "1e3", "“1e3” has an exponent"),
        ("monthly_saving", "\u0661e\u0663", "has digits other than 0 to 9"),
        ("earned_yearly", "50_000", "“50_000” has a space or separator between its digits"),
        ("passive_growth", "abc", "Enter a percentage such as 4%"),
    ],
)
def test_bad_assumptions_get_a_field_error_and_no_projection(client_owner, field, value, message):
    response = client_owner.get(URL, {**PARAMS, field: value})

    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert response.context["rows"] is None
    html = response.content.decode()
    assert 'id="projection-data"' not in html
    assert "projection.js" not in html
    assert 'aria-invalid="true"' in html


def test_a_yield_above_the_return_by_100_percent_cannot_be_taken_out(client_owner):
    params = {**PARAMS, "yearly_return": "0%", "yearly_yield": "100%"}
    del params["reinvest"]
    response = client_owner.get(URL, params)
    assert "must stay below the return plus 100%" in " ".join(
        response.context["form"].errors["yearly_yield"]
    )


def test_one_portfolio_only(client_owner, owner, portfolio, figures):
    company = PortfolioFactory(owner=owner, name="Company")
    StreamFactory(portfolio=company, category="business_profit", amount=D("500"))

    everything = client_owner.get(URL).context["form"].initial
    assert everything["other_passive_yearly"] == D("19200.00")

    response = client_owner.get(URL, {"portfolio": company.pk})
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["other_passive_yearly"] == D("6000.00")
    assert initial["earned_yearly"] == 0
    html = response.content.decode()
    assert f'<input type="hidden" name="portfolio" value="{company.pk}">' in html
    assert "portfolio Company" in html


@pytest.mark.parametrize("value", ["stranger", "abc", "-1", "99999999"])
def test_someone_elses_or_no_portfolio_is_404(client_owner, stranger, value):
    pk = stranger.portfolios.get().pk if value == "stranger" else value
    assert client_owner.get(URL, {"portfolio": pk}).status_code == 404


def test_post_is_not_allowed(client_owner):
    assert client_owner.post(URL, PARAMS).status_code == 405


def test_no_inline_script_or_style(client_owner):
    response = client_owner.get(URL, PARAMS)
    html = response.content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "style=" not in html
    assert "<style" not in html
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_queries_do_not_grow_with_the_years(client_owner, django_assert_max_num_queries):
    client_owner.get(URL, PARAMS)  # warm up the session and the user
    with django_assert_max_num_queries(12):
        client_owner.get(URL, {**PARAMS, "years": "50"})


@pytest.mark.usefixtures("figures")
def test_the_recorded_yield_of_liquid_assets_is_the_default(client_owner, portfolio):
    # 100 a month of interest linked to the 10,000 of cash: 1,200 / 10,000 = 12%.
    cash = portfolio.holdings.get(kind="cash")
    StreamFactory(portfolio=portfolio, category="interest", amount=D("100"), holding=cash)
    response = client_owner.get(URL)
    initial = response.context["form"].initial
    assert initial["yearly_yield"] == D("0.12")
    assert initial["other_passive_yearly"] == D("13200.00")  # rent and unlinked dividends
    # Today: 0.12 x 10,000 + 13,200 = 14,400 against 60,000 earned = 24%, the dashboard's.
    assert response.context["today_row"].ratio == D("0.24")
    assert "pays no income you have recorded" not in response.content.decode()


def test_an_address_with_some_assumptions_takes_the_defaults_for_the_others(client_owner):
    response = client_owner.get(URL, {"years": "3", "yearly_yield": "4%"})
    form = response.context["form"]
    assert form.is_valid(), form.errors
    assert form.cleaned_data["years"] == 3
    assert form.cleaned_data["yearly_yield"] == D("0.04")
    assert form.cleaned_data["yearly_return"] == D("0.06")
    assert form.cleaned_data["reinvest"] is True  # a link, not the form: the default
    assert len(response.context["rows"]) == 3


@pytest.mark.usefixtures("figures")
def test_the_yield_field_and_its_help_say_the_same_start(client_owner):
    # The cash pays nothing recorded: the field starts at 0%, and its help says it
    # starts at what the liquid assets are recorded to pay (not at the assumed yield,
    # which the note above offers in one click).
    html = client_owner.get(URL).content.decode()
    field = re.search(r'<input[^>]*name="yearly_yield"[^>]*>', html)[0]
    assert 'value="0%"' in field
    help_text = re.search(r'id="id_yearly_yield_helptext"[^>]*>(.*?)<', html, re.S)[1]
    assert "Starts at the yield your liquid assets are recorded to pay" in help_text
    assert "assumed yield" not in help_text


def test_with_no_spending_the_projection_says_so_instead_of_a_free_runway(client_owner, portfolio):
    # A salary, dividends and cash, and no spending recorded: nothing to cover (not
    # "covered" at once by any passive income), no runway to count.
    StreamFactory(portfolio=portfolio, amount=D("4000"))
    StreamFactory(portfolio=portfolio, category="dividends", amount=D("300"))
    ValuationFactory(holding=HoldingFactory(portfolio=portfolio, kind="cash"), value=D("10000"))
    response = client_owner.get(URL)
    html = response.content.decode()
    assert re.search(r'data-figure="covered_year">No spending to cover<', html)
    assert "you have recorded no spending yet" in html
    table = re.search(r'<table class="table" id="projection-table">(.*?)</table>', html, re.S)[1]
    assert "free" not in table


def test_the_headline_years_say_they_come_from_the_assumptions(client_owner):
    # Not from the trend of the dashboard, which may name another year.
    html = client_owner.get(URL, PARAMS).content.decode()
    model = re.search(r"<p[^>]*data-model>(.*?)</p>", html, re.S)[1]
    assert "from the assumptions below" in model
    assert "not from your own trend" in model
    assert f'href="{reverse("dashboard:metrics_help")}#trend-projection-and-calendar"' in model
