"""Log-in by e-mail and password; log-out only by POST."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "The email address and/or password you specified are not correct."


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_the_login_page(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert 'name="login"' in response.text
    assert 'name="password"' in response.text


def test_log_in_with_the_right_password(client, owner):
    response = client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:dashboard")
    assert logged_in_as(client) == str(owner.pk)


def test_the_address_is_not_case_sensitive(client, owner):
    client.post(reverse("account_login"), {"login": owner.email.upper(), "password": PASSWORD})
    assert logged_in_as(client) == str(owner.pk)


def test_log_in_goes_on_to_next(client, owner):
    response = client.post(
        reverse("account_login") + "?next=" + reverse("accounts:settings"),
        {"login": owner.email, "password": PASSWORD},
    )
    assert response["Location"] == reverse("accounts:settings")


def test_log_in_never_redirects_to_another_site(client, owner):
    response = client.post(
        reverse("account_login") + "?next=https://evil.example/",
        {"login": owner.email, "password": PASSWORD},
    )
    assert response["Location"] == reverse("dashboard:dashboard")


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("owner@example.com", "wrong password 1"),
        ("nobody@example.com", PASSWORD),
        ("owner@example.com", ""),
        ("not an address", PASSWORD),
    ],
)
def test_wrong_credentials_are_refused(client, owner, login, password):
    response = client.post(reverse("account_login"), {"login": login, "password": password})
    assert response.status_code == 200
    assert logged_in_as(client) is None
    form = response.context["form"]
    assert not form.is_valid()
    assert form.errors  # a message next to the form, whichever field it concerns
    if login == owner.email and password:
        assert WRONG in response.text


def test_an_inactive_user_cannot_log_in(client):
    user = UserFactory(is_active=False)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert logged_in_as(client) is None
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] == reverse("account_inactive")


def test_log_out_needs_a_post(client_owner, owner):
    # A GET shows a confirmation and keeps the session (a link or a prefetch
    # must not log anybody out).
    response = client_owner.get(reverse("account_logout"))
    assert response.status_code == 200
    assert 'method="post"' in response.text
    assert logged_in_as(client_owner) == str(owner.pk)

    response = client_owner.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("landing")
    assert logged_in_as(client_owner) is None
    assert client_owner.get(reverse("dashboard:dashboard")).status_code == 302


def test_every_page_has_a_log_out_form_not_a_link(client_owner):
    response = client_owner.get(reverse("dashboard:dashboard"))
    logout = reverse("account_logout")
    assert f'action="{logout}"' in response.text
    assert f'href="{logout}"' not in response.text


def test_pages_need_a_login(client):
    for name in ("dashboard:dashboard", "accounts:settings", "accounts:delete", "mfa_index"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login") + "?next="), name
