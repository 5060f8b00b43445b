"""The unsubscribe pages name the kind of e-mail, never the account's address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications import emails

pytestmark = pytest.mark.django_db


def test_the_confirmation_and_the_done_page_do_not_show_the_address(client, owner):
    url = reverse(
        "notifications:unsubscribe", args=[emails.unsubscribe_token(owner.pk, emails.Kind.MONTHLY)]
    )
    for response in (client.get(url), client.post(url), client.get(url)):
        assert response.status_code == 200
        assert owner.email not in response.text
        assert emails.KIND_NAMES[emails.Kind.MONTHLY] in response.text
