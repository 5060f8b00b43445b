"""The calendar feed: the secret address a calendar app reads, and making or revoking it.

The feed itself needs no session: the address alone opens it, and only it. Making
and revoking one are POSTs of the logged-in user, from the account settings.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portfolio.calendar_feed import feed_ics, feed_owner, make_feed, revoke_feed


@require_GET
def feed(request, token: str):
    """The iCalendar document of the feed ``token`` opens; 404 for any other address."""
    owner = feed_owner(token)
    if owner is None:
        raise Http404("No such calendar feed.")
    response = HttpResponse(feed_ics(owner), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="passive-income.ics"'
    # The address is a secret: no shared cache keeps the document, no search engine lists it.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def feed_create(request):
    """A new feed address, shown this once (only its hash is kept); any earlier one stops."""
    token = make_feed(request.user)
    url = settings.SITE_URL + reverse("dashboard:feed", args=[token])
    webcal = "webcal://" + url.split("://", 1)[1]
    return render(request, "dashboard/feed_made.html", {"feed_url": url, "webcal_url": webcal})


@login_required
@require_POST
def feed_revoke(request):
    if revoke_feed(request.user):
        messages.success(request, "Calendar feed revoked: its address no longer works.")
    return redirect("accounts:settings")
