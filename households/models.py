"""Households: a group of users, their memberships and the invitations still open.

This app knows users only (docs/households.md): what a member shares, and who
may read or change it, is the portfolio app's (``portfolio.access``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Household(models.Model):
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    def currency(self) -> str:
        """The household's figures are in its creator's base currency (one query)."""
        return self.memberships.select_related("user").get(is_creator=True).user.currency


class Membership(models.Model):
    """A user's place in a household: at most one per user (the one-to-one key)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="household_membership"
    )
    # The creator manages the members: invites, removes, hands the role over.
    is_creator = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(is_creator=True),
                name="household_one_creator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.household}"


class Invitation(models.Model):
    """An open invitation to ``email``; answering it (or cancelling it) deletes it."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                "household", Lower("email"), name="household_invitation_unique_email"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.household}"
