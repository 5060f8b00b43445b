"""allauth adapter: closes sign-ups on a private instance, and makes allauth's
e-mails speak as Wealth Ratio.

Without the Sites framework allauth names the site after the request's host
("Hello from 127.0.0.1:8000!") and builds its links on that host. Every e-mail
the product sends names the product and links to ``SITE_URL`` instead, the same
address the progress e-mails use, so an operator sets the public address once.

allauth sends its e-mails (verification, password reset) during the request. With
the mail server down that used to be a 500 after the account was already made;
now the person is told to try again in a few minutes, and the log gets one
traceback a minute (``config.outage_log``).
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.utils.http import url_has_allowed_host_and_scheme

from config.outage_log import OutageLog

SITE_NAME = "Wealth Ratio"
MAIL_NOT_SENT = "We could not send you the e-mail just now. Please try again in a few minutes."
mail_outage_log = OutageLog(logging.getLogger(__name__))
# The links allauth puts in the context of the e-mails it sends.
LINK_KEYS = ("activate_url", "password_reset_url", "signup_url")
# A page that asked a visitor to log in or sign up first (an invitation): where the
# next log-in without ``next`` lands, e.g. after confirming the address of a sign-up.
RETURN_URL_SESSION_KEY = "accounts_return_url"


def remember_return_url(request, path: str) -> None:
    """Bring the visitor back to ``path`` (a path of this site) after they log in."""
    request.session[RETURN_URL_SESSION_KEY] = path


def on_site(url: str) -> str:
    """``url`` with the scheme and host of ``SITE_URL`` (path and query kept)."""
    site = urlsplit(settings.SITE_URL)
    bits = urlsplit(url)
    return urlunsplit((site.scheme, site.netloc, site.path + bits.path, bits.query, bits.fragment))


class AccountAdapter(DefaultAccountAdapter):
    # The product's one wording for getting in is "Log in" and "Sign up".
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": "Too many failed attempts to log in. Try again later.",
    }

    def is_open_for_signup(self, request) -> bool:
        return settings.SIGNUPS_OPEN

    def get_login_redirect_url(self, request) -> str:
        url = request.session.pop(RETURN_URL_SESSION_KEY, None)
        if url and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
            return url
        return super().get_login_redirect_url(request)

    def get_reauthentication_methods(self, user):
        # allauth 65.22 offers a code by e-mail to confirm access, worded "sign-in".
        methods = super().get_reauthentication_methods(user)
        for method in methods:
            if method["id"] == "reauthenticate_by_code":
                method["description"] = "Send me a code to log in"
        return methods

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            **context,
            # What allauth's own templates read, for any e-mail not overridden in
            # templates/account/email/.
            "current_site": SimpleNamespace(
                name=SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc
            ),
            "site_name": SITE_NAME,
            "site_url": settings.SITE_URL,
        }
        for key in LINK_KEYS:
            if context.get(key):
                context[key] = on_site(context[key])
        try:
            super().send_mail(template_prefix, email, context)
        except OSError as exc:  # refused, timed out, or any SMTP error (smtplib's are OSErrors)
            if self.request is None:
                raise  # nobody to tell: fail where the caller sees it
            mail_outage_log.failed(exc, "Could not send the e-mail %s", template_prefix)
            messages.error(self.request, MAIL_NOT_SENT)
