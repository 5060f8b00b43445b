"""allauth adapter: lets an operator close sign-ups on a private instance, and words
allauth's messages as the product does."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    # The product's one wording for getting in is "Log in" and "Sign up".
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": "Too many failed attempts to log in. Try again later.",
    }

    def is_open_for_signup(self, request) -> bool:
        return settings.SIGNUPS_OPEN
