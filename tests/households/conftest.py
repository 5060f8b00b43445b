"""Fixtures of the household tests: two partners, and e-mails sent at once to real SMTP."""

from __future__ import annotations

import pytest

from households import services
from tests.factories import UserFactory
from tests.notifications.conftest import eager  # noqa: F401  (a fixture, used by name)


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@example.com")


@pytest.fixture
def bob(db):
    return UserFactory(email="bob@example.com")


@pytest.fixture
def home(alice):
    """Alice's household, "Home", with Alice as its creator and only member."""
    return services.household_create(user=alice, name="Home")


@pytest.fixture
def couple(home, alice, bob):
    """Home with Bob as a member, invited by Alice."""
    invitation = services.invitation_create(by=alice, email=bob.email)
    services.invitation_accept(invitation=invitation, user=bob)
    return home
