"""The household page, and answering an invitation.

Only members see a household; anyone else asking for one of its members or
invitations gets 404. The creator alone invites, removes and hands the role over.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.adapter import remember_return_url
from households import invitations, services
from households.forms import HouseholdForm, InviteForm
from households.models import Invitation, Membership


def _page(request, *, household_form=None, invite_form=None, status=200):
    membership = services.membership_of(request.user)
    context = {"membership": membership}
    if membership is None:
        context["household_form"] = household_form or HouseholdForm()
    else:
        household = membership.household
        context |= {
            "household": household,
            "members": household.memberships.select_related("user"),
            "invitations": household.invitations.all(),
            "invite_form": invite_form or InviteForm(inviter=request.user),
        }
    return render(request, "households/household.html", context, status=status)


def _changed(request, change, said):
    """Make ``change()``; tell ``said(its result)``, or why the household refused it;
    back to the household page either way."""
    try:
        result = change()
    except services.HouseholdError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, said(result))
    return redirect("households:household")


@login_required
@require_GET
def household(request):
    return _page(request)


@login_required
@require_POST
def household_create(request):
    form = HouseholdForm(request.POST)
    if not form.is_valid():
        return _page(request, household_form=form, status=400)
    return _changed(
        request,
        lambda: services.household_create(user=request.user, name=form.cleaned_data["name"]),
        lambda household: f"Household “{household.name}” created: invite its members.",
    )


@login_required
@require_POST
def invite(request):
    form = InviteForm(request.POST, inviter=request.user)
    if not form.is_valid():
        return _page(request, invite_form=form, status=400)
    email = form.cleaned_data["email"]
    return _changed(
        request,
        lambda: services.invitation_create(by=request.user, email=email),
        lambda _: f"Invitation sent to {email}.",
    )


def _own_household_object(request, model, pk: int):
    """A membership or invitation of the user's own household; 404 for any other."""
    membership = services.membership_of(request.user)
    household_id = membership.household_id if membership else None
    return get_object_or_404(model, pk=pk, household_id=household_id)


@login_required
@require_POST
def invitation_cancel(request, pk: int):
    invitation = _own_household_object(request, Invitation, pk)
    return _changed(
        request,
        lambda: services.invitation_cancel(by=request.user, invitation=invitation),
        lambda _: f"The invitation of {invitation.email} was withdrawn.",
    )


@login_required
@require_POST
def member_remove(request, pk: int):
    membership = _own_household_object(request, Membership.objects.select_related("user"), pk)
    return _changed(
        request,
        lambda: services.member_remove(by=request.user, membership=membership),
        lambda _: f"{membership.user.email} is no longer a member.",
    )


@login_required
@require_POST
def creator_hand_over(request, pk: int):
    membership = _own_household_object(request, Membership.objects.select_related("user"), pk)
    return _changed(
        request,
        lambda: services.creator_hand_over(by=request.user, membership=membership),
        lambda _: f"{membership.user.email} now manages the household.",
    )


@login_required
@require_POST
def leave(request):
    return _changed(
        request,
        lambda: services.member_leave(user=request.user),
        lambda household: f"You left “{household.name}”: it sees nothing of yours now.",
    )


# --- Answering an invitation ------------------------------------------------------------


@require_GET
def invitation(request, token: str):
    """The invitation's page. Someone not logged in is asked to log in or sign up,
    and comes back here afterwards (``next``, and the session for a sign-up whose
    address is confirmed before logging in)."""
    try:
        found = invitations.read_token(token)
    except invitations.InvalidInvitation as exc:
        return render(request, "households/invitation_invalid.html", {"reason": exc}, status=404)
    context = {"invitation": found, "token": token}
    if not request.user.is_authenticated:
        remember_return_url(request, request.path)
        return render(request, "households/invitation_anonymous.html", context)
    context["membership"] = services.membership_of(request.user)
    context["addressee"] = found.email.casefold() == request.user.email.casefold()
    return render(request, "households/invitation.html", context)


def _answer(request, token: str, answer):
    try:
        found = invitations.read_token(token)
    except invitations.InvalidInvitation as exc:
        return render(request, "households/invitation_invalid.html", {"reason": exc}, status=404)
    try:
        answer(invitation=found, user=request.user)
    except services.HouseholdError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("households:invitation", args=[token]))
    return found


@login_required
@require_POST
def invitation_accept(request, token: str):
    answered = _answer(request, token, services.invitation_accept)
    if not isinstance(answered, Invitation):
        return answered
    messages.success(
        request,
        f"You joined “{answered.household.name}”. Your portfolios stay private until you "
        "share them.",
    )
    return redirect("households:household")


@login_required
@require_POST
def invitation_decline(request, token: str):
    answered = _answer(request, token, services.invitation_decline)
    if not isinstance(answered, Invitation):
        return answered
    messages.info(request, f"You declined the invitation to “{answered.household.name}”.")
    return redirect("dashboard:dashboard")
