"""Changing one's password while logged in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another fine passphrase 3"
URL = reverse("account_change_password")


def change(client, old, new1, new2=None):
    return client.post(URL, {"oldpassword": old, "password1": new1, "password2": new2 or new1})


def test_change_password_and_stay_logged_in(client_owner, owner):
    assert client_owner.get(URL).status_code == 200
    response = change(client_owner, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    # The session hash was updated: still logged in.
    assert client_owner.get(reverse("dashboard:dashboard")).status_code == 200


def test_the_new_password_is_the_one_that_logs_in(client, client_owner, owner):
    change(client_owner, PASSWORD, NEW_PASSWORD)
    client_owner.post(reverse("account_logout"))
    client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    client.post(reverse("account_login"), {"login": owner.email, "password": NEW_PASSWORD})
    assert client.session["_auth_user_id"] == str(owner.pk)


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("not my password", NEW_PASSWORD, NEW_PASSWORD, "Please type your current password."),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "You must type the same password each time."),
        (PASSWORD, "short", "short", "This password is too short."),
    ],
)
def test_bad_input_changes_nothing(client_owner, owner, old, new1, new2, message):
    response = change(client_owner, old, new1, new2)
    assert response.status_code == 200
    assert message in response.text
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
