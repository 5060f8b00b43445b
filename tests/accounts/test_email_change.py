"""Changing one's e-mail address: the new one counts once verified."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

URL = reverse("account_email")
NEW = "owner.new@example.com"


def addresses(user):
    return sorted(
        EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")
    )


def test_the_page_lists_the_address(client_owner, owner):
    response = client_owner.get(URL)
    assert response.status_code == 200
    assert owner.email in response.text


def test_change_address_by_verifying_the_new_one(client_owner, owner, smtp_server):
    response = client_owner.post(URL, {"action_add": "", "email": NEW})
    assert response.status_code == 302
    # Until verified, the old address stays the one that counts.
    assert addresses(owner) == [(NEW, False, False), (owner.email, True, True)]

    message = smtp_server.wait_for(NEW)
    confirm = smtp_server.path(message, "/accounts/confirm-email/")
    assert client_owner.get(confirm).status_code == 200
    response = client_owner.post(confirm)
    assert response.status_code == 302

    old = owner.email
    owner.refresh_from_db()
    assert owner.email == NEW
    assert addresses(owner) == [(NEW, True, True)]

    # Log in with the new address; the old one no longer works.
    client = Client()
    client.post(reverse("account_login"), {"login": old, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    client.post(reverse("account_login"), {"login": NEW, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(owner.pk)


@pytest.mark.parametrize("value", ["not an address", "", "owner@"])
def test_a_malformed_address_is_refused(client_owner, owner, value, smtp_server):
    response = client_owner.post(URL, {"action_add": "", "email": value})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert addresses(owner) == [(owner.email, True, True)]
    assert smtp_server.messages == []


def test_someone_elses_address_cannot_be_taken(client_owner, owner, stranger, smtp_server):
    # allauth does not reveal that the address is registered (enumeration
    # prevention), so the form may accept it; it must never become the owner's.
    client_owner.post(URL, {"action_add": "", "email": stranger.email})
    assert (owner.email, True, True) in addresses(owner)
    assert (stranger.email, True, True) not in addresses(owner)
    assert addresses(stranger) == [(stranger.email, True, True)]

    # Even if the stranger clicks whatever arrived, nothing moves to the owner.
    for message in smtp_server.to(stranger.email):
        if "/accounts/confirm-email/" in smtp_server.text(message):
            Client().post(smtp_server.path(message, "/accounts/confirm-email/"))
    assert (stranger.email, True, True) not in addresses(owner)
    assert addresses(stranger) == [(stranger.email, True, True)]
    owner.refresh_from_db()
    stranger.refresh_from_db()
    assert (owner.email, stranger.email) == ("owner@example.com", "stranger@example.com")


def test_anonymous_is_sent_to_log_in(client):
    assert client.get(URL)["Location"].startswith(reverse("account_login"))
