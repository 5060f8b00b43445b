"""Pages shown to a logged-in user are never stored by a proxy or the browser's cache."""

from __future__ import annotations

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from config.middleware import PrivateCacheControlMiddleware
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def assert_private(response):
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


@pytest.mark.parametrize(
    "name",
    ["dashboard:dashboard", "accounts:settings", "goals:goal_list", "portfolio:projection"],
)
def test_private_pages_are_not_stored(client_owner, name):
    assert_private(client_owner.get(reverse(name)))


def test_the_recovery_codes_page_is_not_stored(client, owner):
    TOTP.activate(owner, generate_totp_secret())
    RecoveryCodes.activate(owner)
    client.force_login(owner)
    # allauth asks for the password again before showing the codes.
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    assert_private(client.get(reverse("mfa_view_recovery_codes")))


def test_a_view_that_chose_its_own_cache_control_keeps_it(owner):
    def view(request):
        response = HttpResponse("a public file")
        response["Cache-Control"] = "public, max-age=60"
        return response

    request = RequestFactory().get("/")
    request.user = owner
    response = PrivateCacheControlMiddleware(view)(request)
    assert response["Cache-Control"] == "public, max-age=60"


def test_public_pages_for_anonymous_visitors_are_left_alone(client):
    response = client.get(reverse("landing"))
    assert response.status_code == 200
    assert not response.has_header("Cache-Control")
