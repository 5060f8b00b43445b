"""A user's pages kept in the cache until something they show changes.

The dashboard, the lists, the goals and the projection read hundreds of rows and
render long templates, but change only when the user's data does. Every change to
what they show raises ``User.pages_version`` in the change's own transaction
(``versions_raise``, called through ``households.page_versions.pages_changed`` for
the user and everyone in their household, by the receivers of the apps that own
the data and by the snapshot recompute). A page is kept under the number its
request loaded with the user, so a request that starts after a change commits sees
the new number and can never be answered with a page rendered before it.

Only a page without a query is kept: what people open again and again is the page
itself, while a projection's own assumptions or a list's later page are rendered
each time, so the cache holds no entry per combination typed. The key also holds
what a page shows that is not the user's data: the path, the user's day (figures
are "as of today"), the language, and the browser's CSRF secret, since the page's
forms carry tokens made from it. A request
with messages waiting (``django.contrib.messages``) is rendered afresh, so they are
shown once, as usual. Only the body and its content type are kept; cookies and the
other headers are made for each request by the middleware, as for any page. A
cache that fails open (Redis down) only costs the rendering.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import wraps

from django.contrib import messages
from django.core.cache import cache
from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils import translation

from accounts.models import User
from portfolio.months import user_today

# A page changes at the latest with the user's day; a week bounds what an unused
# entry costs the cache.
PAGE_SECONDS = 7 * 24 * 3600


class _Raised(set):
    """Users whose version this transaction has raised: once is enough, since every
    change of the transaction commits with it (a cascade deleting a thousand entries
    raises it once). Registered with ``on_commit`` so that a new transaction is told
    from the last one, as ``portfolio.snapshots`` tells its markers."""

    def __call__(self) -> None:
        self.clear()


def raised_in_transaction(using: str = DEFAULT_DB_ALIAS) -> set[int]:
    """The users already raised in the current transaction (empty in autocommit)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        return set()
    raised = getattr(connection, "_pages_raised", None)
    if raised is None or not any(entry[1] is raised for entry in connection.run_on_commit):
        raised = _Raised()
        connection._pages_raised = raised
        transaction.on_commit(raised, using=using)
    return raised


@receiver(request_started, dispatch_uid="pages_raised_again")
def _raise_again(sender, **kwargs) -> None:
    # A page kept by a request between two changes of one transaction would miss the
    # second, so each request raises again. A request of the running app has its own
    # transaction and finds nothing here; a test's requests share the test's.
    for connection in connections.all(initialized_only=True):
        raised = getattr(connection, "_pages_raised", None)
        if raised is not None:
            raised.clear()


def versions_raise(user_ids: Iterable[int], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Raise the pages version of ``user_ids`` in the caller's transaction, if any
    (those it has raised already are left).

    One UPDATE by primary key, whose index scan takes the rows in ascending order, as
    every caller's does: two transactions raising overlapping sets wait for each
    other instead of deadlocking.
    """
    raised = raised_in_transaction(using)
    ids = set(user_ids) - raised
    if not ids:
        return
    raised.update(ids)
    User.objects.using(using).filter(pk__in=ids).update(pages_version=F("pages_version") + 1)


def _key(request, view_name: str) -> str:
    user = request.user
    parts = (
        view_name,
        request.path,
        user.pk,
        user.pages_version,
        user_today(user).isoformat(),
        translation.get_language(),
        request.META.get("CSRF_COOKIE", ""),
    )
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_page(view):
    """Serve ``view``'s GET answers for a signed-in user from the cache (see above).

    Put it inside ``login_required``; only answers of 200 are kept.
    """
    view_name = f"{view.__module__}.{view.__qualname__}"

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method != "GET"
            or request.GET
            or not request.user.is_authenticated
            or len(messages.get_messages(request))
        ):
            return view(request, *args, **kwargs)
        if "CSRF_COOKIE" in request.META:
            kept = cache.get(_key(request, view_name))
            if kept is not None:
                content_type, body = kept
                return HttpResponse(body, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            # Keyed after rendering: a first visit's page made the browser's CSRF secret.
            kept = (response["Content-Type"], response.content)
            cache.set(_key(request, view_name), kept, PAGE_SECONDS)
        return response

    return wrapper
