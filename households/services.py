"""Joining and leaving households: every change of membership, with its rules.

Each function is one transaction and raises ``HouseholdError`` with a message for
the user when a rule says no; nothing is changed then. The signals of
``households.signals`` tell the layers above (sharing, e-mails) what happened.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from households import signals
from households.models import Household, Invitation, Membership

ALREADY_MEMBER = "You are already in a household: leave it before joining or creating another."


class HouseholdError(Exception):
    """A rule of households said no; the message is for the user."""


def membership_of(user) -> Membership | None:
    return Membership.objects.select_related("household").filter(user=user).first()


def household_create(*, user, name: str) -> Household:
    with transaction.atomic():
        household = Household.objects.create(name=name)
        try:
            with transaction.atomic():
                Membership.objects.create(household=household, user=user, is_creator=True)
        except IntegrityError as exc:  # the one-to-one key: one household per user
            raise HouseholdError(ALREADY_MEMBER) from exc
    return household


def _creator_membership(user) -> Membership:
    membership = membership_of(user)
    if membership is None or not membership.is_creator:
        raise HouseholdError("Only the household's creator manages its members.")
    return membership


def invitation_create(*, by, email: str) -> Invitation:
    """Invite ``email`` to ``by``'s household; inviting again sends a new link and
    makes the old one stop working."""
    household = _creator_membership(by).household
    with transaction.atomic():
        if household.memberships.filter(user__email__iexact=email).exists():
            raise HouseholdError(f"{email} is already a member of {household.name}.")
        household.invitations.filter(email__iexact=email).delete()
        invitation = Invitation.objects.create(household=household, email=email, invited_by=by)
        signals.invitation_created.send(sender=Invitation, invitation=invitation)
    return invitation


def invitation_cancel(*, by, invitation: Invitation) -> None:
    if _creator_membership(by).household_id != invitation.household_id:
        raise HouseholdError("Only the household's creator manages its members.")
    invitation.delete()


def _check_addressee(invitation: Invitation, user) -> None:
    if invitation.email.casefold() != user.email.casefold():
        raise HouseholdError(
            f"This invitation was sent to {invitation.email}: "
            "log in with that address to answer it."
        )


def invitation_accept(*, invitation: Invitation, user) -> Membership:
    _check_addressee(invitation, user)
    with transaction.atomic():
        # Locked: two clicks on the link join once, and a withdrawn invitation is not taken.
        if not Invitation.objects.select_for_update().filter(pk=invitation.pk).exists():
            raise HouseholdError("This invitation is no longer open: it was answered or withdrawn.")
        try:
            with transaction.atomic():
                membership = Membership.objects.create(household=invitation.household, user=user)
        except IntegrityError as exc:
            raise HouseholdError(ALREADY_MEMBER) from exc
        invitation.delete()
        signals.member_joined.send(sender=Membership, membership=membership)
    return membership


def invitation_decline(*, invitation: Invitation, user) -> None:
    _check_addressee(invitation, user)
    invitation.delete()


def _remove(membership: Membership, *, removed: bool) -> None:
    """Take ``membership`` out; its household loses its creator only to the longest
    member, and an empty household is deleted."""
    household = membership.household
    membership.delete()
    signals.member_left.send(
        sender=Membership,
        user_id=membership.user_id,
        household_id=household.pk,
        removed=removed,
    )
    promote_or_close(household.pk)


def promote_or_close(household_id: int) -> None:
    """A household without a creator gets its longest member as creator; one without
    members is deleted (with its open invitations)."""
    members = Membership.objects.select_for_update().filter(household_id=household_id)
    remaining = list(members)
    if not remaining:
        Household.objects.filter(pk=household_id).delete()
    elif not any(m.is_creator for m in remaining):
        Membership.objects.filter(pk=remaining[0].pk).update(is_creator=True)


def member_leave(*, user) -> Household:
    with transaction.atomic():
        membership = membership_of(user)
        if membership is None:
            raise HouseholdError("You are not in a household.")
        _remove(membership, removed=False)
    return membership.household


def member_remove(*, by, membership: Membership) -> None:
    with transaction.atomic():
        creator = _creator_membership(by)
        if membership.household_id != creator.household_id:
            raise HouseholdError("This person is not in your household.")
        if membership.pk == creator.pk:
            raise HouseholdError("To leave your household, use “Leave”.")
        _remove(membership, removed=True)


def creator_hand_over(*, by, membership: Membership) -> None:
    with transaction.atomic():
        creator = _creator_membership(by)
        if membership.household_id != creator.household_id or membership.pk == creator.pk:
            raise HouseholdError("Choose another member of your household.")
        Membership.objects.filter(pk=creator.pk).update(is_creator=False)
        Membership.objects.filter(pk=membership.pk).update(is_creator=True)
        signals.creator_changed.send(
            sender=Membership, household_id=membership.household_id, user_id=membership.user_id
        )
