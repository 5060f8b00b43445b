"""The two forms of households: a name for a new one, an address to invite."""

from __future__ import annotations

from django import forms

from portfolio.limits import INVITATION_DAYS


class HouseholdForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        initial="Our household",
        help_text="Members see this name, e.g. “Home” or “The Smiths”.",
        error_messages={"required": "Give the household a name."},
    )


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        help_text=f"They get a link that works for {INVITATION_DAYS} days; without an "
        "account they sign up first.",
    )

    def __init__(self, *args, inviter, **kwargs):
        super().__init__(*args, **kwargs)
        self.inviter = inviter

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email.casefold() == self.inviter.email.casefold():
            raise forms.ValidationError("You are in the household already.")
        return email
