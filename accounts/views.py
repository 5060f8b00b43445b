"""Account settings and account deletion; allauth provides everything else."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import AccountSettingsForm, DeleteAccountForm


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    form = AccountSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your settings were saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        # Every row of the user's data hangs off the user with on_delete=CASCADE, which
        # Django carries out in many statements (not the database's ON DELETE): one
        # transaction, so all of it goes or none. Log out only once it is gone.
        with transaction.atomic():
            user.delete()
        logout(request)
        messages.success(request, "Your account and all of its data were deleted.")
        return redirect("landing")
    return render(request, "accounts/delete.html", {"form": form})
