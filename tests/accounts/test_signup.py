"""Sign-up with e-mail, password, currency and time zone; verification by e-mail."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

from portfolio.models import Portfolio
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

NEW = "new.person@example.com"


def sign_up(client, **overrides):
    data = {
        "email": NEW,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "currency": "EUR",
        "time_zone": "Europe/Paris",
        **overrides,
    }
    return client.post(reverse("account_signup"), data)


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_form_asks_for_currency_and_time_zone(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    for name in ("email", "password1", "password2", "currency", "time_zone"):
        assert f'name="{name}"' in response.text
    assert '<option value="EUR">' in response.text
    assert '<option value="Europe/Paris">' in response.text
    for code in ("SUR", "ADP", "XTS", "XXX", "XAU"):  # withdrawn or not a currency
        assert f'<option value="{code}"' not in response.text


def test_sign_up_verify_by_email_then_log_in(client, smtp_server):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not is_logged_in(client)

    user = User.objects.get(email=NEW)
    assert (user.currency, user.time_zone) == ("EUR", "Europe/Paris")
    assert user.check_password(PASSWORD)
    assert list(Portfolio.objects.filter(owner=user).values_list("name", flat=True)) == ["Personal"]
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == (NEW, False, True)

    # The verification e-mail, read back from a real SMTP server.
    message = smtp_server.wait_for(NEW)
    assert message["Subject"].startswith("[Wealth Ratio] ")
    assert message["To"] == NEW
    confirm_path = smtp_server.path(message, "/accounts/confirm-email/")

    # Logging in before verifying is refused: back to "check your e-mail".
    response = client.post(reverse("account_login"), {"login": NEW, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not is_logged_in(client)

    # A GET only shows the confirmation page (mail scanners open links).
    response = client.get(confirm_path)
    assert response.status_code == 200
    assert NEW in response.text
    assert 'method="post"' in response.text
    address.refresh_from_db()
    assert not address.verified

    response = client.post(confirm_path)
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.verified

    response = client.post(reverse("account_login"), {"login": NEW, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:dashboard")
    assert is_logged_in(client)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(reverse("dashboard:dashboard")).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("currency", "XYZ"),
        ("currency", ""),
        ("currency", "SUR"),  # the Soviet rouble: withdrawn
        ("currency", "XTS"),  # a code for testing, not a currency
        ("time_zone", "Mars/Base"),
        ("time_zone", ""),
    ],
)
def test_unknown_currency_or_time_zone_is_refused_and_nobody_is_created(
    client, smtp_server, field, value
):
    response = sign_up(client, **{field: value})
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    if value:
        assert errors == [f"Select a valid choice. {value} is not one of the available choices."]
    else:
        assert errors == ["This field is required."]
    assert errors[0] in response.text
    assert not User.objects.filter(email=NEW).exists()
    assert not EmailAddress.objects.filter(email=NEW).exists()
    assert smtp_server.messages == []


def test_an_address_already_registered_creates_nobody_and_reveals_nothing(
    client, owner, smtp_server
):
    # Enumeration prevention: the page is the same as for a new address, and the
    # owner of the address is told by e-mail instead.
    response = sign_up(client, email=owner.email.upper())
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.count() == 1
    assert not is_logged_in(client)
    message = smtp_server.wait_for(owner.email)
    assert "already" in message["Subject"].lower() or "already" in smtp_server.text(message)


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("short1", "short1", "This password is too short."),
        ("password123", "password123", "This password is too common."),
        (PASSWORD, PASSWORD + "x", "You must type the same password each time."),
    ],
)
def test_weak_or_mismatched_passwords_are_refused(client, password1, password2, message):
    response = sign_up(client, password1=password1, password2=password2)
    assert response.status_code == 200
    assert message in response.text
    assert not User.objects.filter(email=NEW).exists()


def test_a_private_instance_can_close_sign_ups(client, settings):
    settings.SIGNUPS_OPEN = False
    response = sign_up(client)
    assert "Signing up is closed" in response.text
    assert not User.objects.filter(email=NEW).exists()


def test_a_logged_in_user_is_sent_on(client_owner):
    response = client_owner.get(reverse("account_signup"))
    assert response.status_code == 302


def test_sign_up_is_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    for n in range(2):
        assert sign_up(client, email=f"person{n}@example.com").status_code == 302
        client.logout()
    response = sign_up(client, email="person3@example.com")
    assert response.status_code == 429
    assert not User.objects.filter(email="person3@example.com").exists()


def test_the_factory_user_is_verified():
    user = UserFactory()
    assert EmailAddress.objects.get(user=user).verified
    assert UserFactory(verified=False).emailaddress_set.get().verified is False
