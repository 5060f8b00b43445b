"""Account settings and account deletion; allauth provides everything else."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.decorators import login_required
from django.contrib.sessions.models import Session
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import AccountSettingsForm, DeleteAccountForm
from accounts.signals import account_deleting


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    form = AccountSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        old_currency = form.initial["currency"]
        with transaction.atomic():  # with the recompute of a new base currency's figures
            user = form.save()
        if user.currency != old_currency:
            messages.success(
                request,
                f"Your settings were saved. Every figure and chart is being recomputed in "
                f"{user.currency}.",
            )
        else:
            messages.success(request, "Your settings were saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})


def _delete_sessions_of(user) -> None:
    """Every stored session logged in as ``user``: those of other browsers too.

    A session row names its user only inside its encoded data, so each is decoded;
    an undecodable one decodes to nothing and is left alone.
    """
    user_id = str(user.pk)
    keys = [
        session.session_key
        for session in Session.objects.iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == user_id
    ]
    Session.objects.filter(session_key__in=keys).delete()


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        # Every row of the user's data hangs off the user with on_delete=CASCADE, which
        # Django carries out in many statements (not the database's ON DELETE): one
        # transaction, so all of it goes or none, with the sessions of the user's
        # other browsers. Log out only once it is gone.
        with transaction.atomic():
            account_deleting.send(sender=type(user), user=user)
            _delete_sessions_of(user)
            user.delete()
        logout(request)
        messages.success(request, "Your account and all of its data were deleted.")
        return redirect("landing")
    return render(request, "accounts/delete.html", {"form": form})
