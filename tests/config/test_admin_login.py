"""The admin signs in through allauth, so two-factor and rate limits apply there too."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_with_totp():
    user = UserFactory(is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def test_the_admin_login_page_sends_to_allauths_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=%2Fadmin%2F" in response["Location"]


def test_posting_a_password_to_the_admin_login_does_not_log_in(client, staff_with_totp):
    user, _ = staff_with_totp
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_staff_user_with_totp_is_asked_for_the_code_before_the_admin(client, staff_with_totp):
    user, secret = staff_with_totp
    login_url = client.get("/admin/login/?next=/admin/")["Location"]
    response = client.post(login_url, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_logged_in_user_who_is_not_staff_is_refused(client, owner):
    client.force_login(owner)
    assert client.get("/admin/login/").status_code == 403


def test_an_authenticator_is_stored_for_the_fixture(staff_with_totp):
    user, _ = staff_with_totp
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
