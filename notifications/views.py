"""Unsubscribe from an e-mail: public, the signed token is the authority."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications import emails


@csrf_exempt  # one-click (RFC 8058) POSTs come from mail clients, never with a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET: a confirmation (mail scanners open links); POST: turn that kind of e-mail off.

    Works without logging in. A tampered, foreign or expired token gets a page that
    says so, with status 400, and changes nothing.
    """
    try:
        user_id, kind = emails.read_unsubscribe_token(token)
        user = get_user_model().objects.get(pk=user_id)
    except (emails.BadToken, get_user_model().DoesNotExist) as exc:
        expired = isinstance(exc, emails.BadToken) and exc.expired
        return render(
            request, "notifications/unsubscribe_invalid.html", {"expired": expired}, status=400
        )
    field = emails.PREFERENCE_FIELDS[kind]
    # The kind of e-mail, never the address: whoever holds a forwarded link need not
    # learn whose it is.
    context = {"kind_name": emails.KIND_NAMES[kind]}
    if request.method == "POST":
        get_user_model().objects.filter(pk=user.pk).update(**{field: False})
        return render(request, "notifications/unsubscribe_done.html", context)
    return render(
        request,
        "notifications/unsubscribe.html",
        {**context, "already": not getattr(user, field)},
    )
