"""Two partners in a real browser: a household, an invitation by e-mail, sharing.

Alice signs up and creates a household; she invites Bob, who has no account: he
opens the invitation from the real e-mail, signs up from it, confirms his address,
logs in and lands back on the invitation, which he accepts. Each shares one
portfolio for viewing and Bob keeps another private. Alice sees the combined ratio
(computed by hand below) and Bob's private portfolio nowhere; her attempt to edit
Bob's shared portfolio is refused; once Bob leaves, every URL of his portfolios
answers 404.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from portfolio.models import Portfolio
from tests.e2e.helpers import artifacts_dir
from tests.factories import PASSWORD, HoldingFactory, StreamFactory, ValuationFactory
from tests.notifications.conftest import eager  # noqa: F401  (a fixture, used by name)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALICE, BOB = "alice.partner@example.com", "bob.partner@example.com"


@pytest.mark.usefixtures("eager")  # the household e-mails' task runs at once
def test_partners_share_what_they_choose_and_see_their_combined_ratio(
    live_server, smtp_server, settings, browser
):
    settings.SITE_URL = live_server.url  # where the e-mails' links point
    url = live_server.url
    alice = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    bob = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    for page in (alice, bob):
        page.set_default_timeout(15_000)

    def screenshot(page, name: str) -> None:
        page.screenshot(path=str(artifacts_dir() / f"household-{name}.png"), full_page=True)

    def submit(page, field: str) -> None:
        with page.expect_navigation():
            page.press(f"main [name={field}]", "Enter")

    def sign_up(page, email: str) -> None:
        page.fill("main [name=email]", email)
        page.fill("main [name=password1]", PASSWORD)
        page.fill("main [name=password2]", PASSWORD)
        page.select_option("main [name=currency]", "EUR")
        submit(page, "password2")
        link = smtp_server.link(smtp_server.wait_for(email, count=count[email]), "/confirm-email/")
        page.goto(link)
        with page.expect_navigation():
            page.locator("main form [type=submit]").first.click()
        page.goto(f"{url}/accounts/login/")
        page.fill("main [name=login]", email)
        page.fill("main [name=password]", PASSWORD)
        submit(page, "password")

    def click(page, name: str) -> None:
        with page.expect_navigation():
            page.get_by_role("button", name=name).first.click()

    # Alice signs up and creates a household.
    count = {ALICE: 1, BOB: 2}  # Bob's confirmation follows his invitation
    alice.goto(f"{url}/accounts/signup/")
    sign_up(alice, ALICE)
    alice.goto(f"{url}/household/")
    alice.fill("main [name=name]", "Home")
    click(alice, "Create household")
    alice.fill("main [name=email]", BOB)
    click(alice, "Send invitation")
    assert f"Invitation sent to {BOB}." in alice.inner_text("main")
    screenshot(alice, "01-invited")

    # Bob opens the e-mail's link, signs up from it and lands back on it.
    invitation = smtp_server.link(smtp_server.wait_for(BOB), "/household/join/")
    assert invitation.startswith(url)
    bob.goto(invitation)
    with bob.expect_navigation():
        bob.get_by_role("link", name="Sign up").last.click()
    sign_up(bob, BOB)
    assert bob.url == invitation
    screenshot(bob, "02-invitation")
    click(bob, "Accept")
    assert "You joined “Home”" in bob.inner_text("main")
    assert "bob.partner@example.com joined" in smtp_server.wait_for(ALICE, count=2)["Subject"]

    # Their figures (the test reads and writes the database like a seeding script):
    # Alice earns 4,000 and gets 400 of dividends a month; Bob 2,000 and 600, and his
    # private "Secret" portfolio pays 5,000 a month.
    users = get_user_model().objects
    alice_user, bob_user = users.get(email=ALICE), users.get(email=BOB)
    for user, salary, dividends in ((alice_user, "4000", "400"), (bob_user, "2000", "600")):
        personal = user.portfolios.get()
        StreamFactory(portfolio=personal, name="Salary", amount=Decimal(salary))
        StreamFactory(
            portfolio=personal, name="Dividends", category="dividends", amount=Decimal(dividends)
        )
    secret = Portfolio.objects.create(owner=bob_user, name="Secret")
    StreamFactory(portfolio=secret, name="Hidden rent", category="rent", amount=Decimal("5000"))
    ValuationFactory(holding=HoldingFactory(portfolio=secret, name="Hidden flat", kind="property"))
    bobs_personal = bob_user.portfolios.get(name="Personal")

    # Each shares "Personal" for viewing on the portfolios page.
    for page in (alice, bob):
        page.goto(f"{url}/portfolios/")
        row = page.locator("tr", has_text="Personal")
        row.locator("select").select_option("view")
        with page.expect_navigation():
            row.get_by_role("button", name=re.compile("Save")).click()
        assert "“Personal”: shared for viewing." in page.inner_text("main")
    screenshot(bob, "03-sharing")

    # Alice sees the combined ratio: (400 + 600) / (4,000 + 2,000) = 16.7%.
    alice.goto(f"{url}/household/dashboard/")
    assert alice.inner_text(".card-hero [data-figure=wealth_ratio]") == "16.7%"
    screenshot(alice, "04-household-dashboard")
    for path in ("/household/dashboard/", "/portfolios/", "/dashboard/", "/goals/", "/household/"):
        alice.goto(url + path)
        text = alice.content()
        assert "Secret" not in text and "Hidden" not in text, path

    # Bob's shared portfolio reads, without a way to change it; a change is refused.
    alice.goto(f"{url}/portfolios/{bobs_personal.pk}/streams/")
    assert "shared for viewing by bob.partner@example.com" in alice.inner_text("main")
    assert alice.get_by_role("link", name="Add a stream").count() == 0
    response = alice.goto(f"{url}/portfolios/{bobs_personal.pk}/streams/new/")
    assert response.status == 403
    screenshot(alice, "05-refused")

    # Bob leaves: every URL of his portfolios is 404 for Alice.
    bob.goto(f"{url}/household/")
    click(bob, "Leave Home")
    paths = []
    for portfolio in Portfolio.objects.filter(owner=bob_user):
        paths += [
            reverse("dashboard:portfolio", args=[portfolio.pk]),
            reverse("portfolio:holding_list", args=[portfolio.pk]),
            reverse("portfolio:stream_list", args=[portfolio.pk]),
            reverse("portfolio:entry_list", args=[portfolio.pk]),
            reverse("portfolio:stream_create", args=[portfolio.pk]),
        ]
        for holding in portfolio.holdings.all():
            paths.append(reverse("portfolio:holding_detail", args=[holding.pk]))
        for stream in portfolio.streams.all():
            paths.append(reverse("portfolio:stream_edit", args=[stream.pk]))
    statuses = {path: alice.goto(url + path).status for path in paths}
    assert set(statuses.values()) == {404}, statuses
    alice.goto(f"{url}/household/dashboard/")
    assert alice.inner_text(".card-hero [data-figure=wealth_ratio]") == "10.0%"
