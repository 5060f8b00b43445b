"""The account settings' token pages: make one (shown once) and revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from api.forms import DUPLICATE_NAME, AccessTokenForm
from api.models import AccessToken
from api.tokens import token_create
from portfolio.saving import save_unique


@login_required
@require_http_methods(["GET", "POST"])
def token_new(request):
    form = AccessTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        made = save_unique(
            form,
            message=DUPLICATE_NAME,
            save=lambda: token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at(),
            ),
        )
        if made is not None:
            token, secret = made
            # Rendered, not redirected: the secret exists only in this response.
            return render(request, "api/token_made.html", {"token": token, "secret": secret})
    return render(request, "api/token_new.html", {"form": form})


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(AccessToken, pk=pk, user=request.user)
    token.delete()
    messages.success(request, f"The token “{token.name}” was revoked; it no longer works.")
    return redirect("accounts:settings")
