"""Unsubscribe from an e-mail: public, the signed token is the authority."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import F
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications import emails


@csrf_exempt  # one-click (RFC 8058) POSTs come from mail clients, never with a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET: a confirmation (mail scanners open links); POST: turn that kind of e-mail off.

    Works without logging in. A tampered, foreign or expired token, or one made
    before the user's latest change of their e-mail choices, gets a page that says
    so, with status 400, and changes nothing.
    """
    try:
        user_id, kind, version = emails.read_unsubscribe_token(token)
        user = get_user_model().objects.get(pk=user_id)
    except (emails.BadToken, get_user_model().DoesNotExist) as exc:
        expired = isinstance(exc, emails.BadToken) and exc.expired
        return _refused(request, expired=expired)
    field = emails.PREFERENCE_FIELDS[kind]
    # A link from before the user's latest change of their e-mail choices (e-mails
    # turned back on, say) must not undo it. One that would change nothing (that
    # kind is off, e.g. by this very link) still gets its page.
    if version < user.email_preferences_version and getattr(user, field):
        return _refused(request, outdated=True)
    # The kind of e-mail, never the address: whoever holds a forwarded link need not
    # learn whose it is.
    context = {"kind_name": emails.KIND_NAMES[kind]}
    if request.method == "POST":
        # Only while the choices are still those the link was made with (a change
        # since the check above wins); turning the switch off raises their version.
        users = get_user_model().objects.filter(pk=user.pk)
        changed = users.filter(email_preferences_version__lte=version, **{field: True}).update(
            **{field: False, "email_preferences_version": F("email_preferences_version") + 1}
        )
        if not changed and users.filter(**{field: True}).exists():
            return _refused(request, outdated=True)
        return render(request, "notifications/unsubscribe_done.html", context)
    return render(
        request,
        "notifications/unsubscribe.html",
        {**context, "already": not getattr(user, field)},
    )


def _refused(request, *, expired: bool = False, outdated: bool = False):
    """Status 400 and a page saying why; nothing is changed."""
    context = {"expired": expired, "outdated": outdated}
    return render(request, "notifications/unsubscribe_invalid.html", context, status=400)
