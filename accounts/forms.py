"""Forms for sign-up, account settings and account deletion."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from accounts.fields import PercentField
from accounts.models import User
from accounts.signals import base_currency_changed
from accounts.validators import (
    currency_choices,
    currency_label,
    current_currencies,
    time_zone_choices,
)


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth adds e-mail and password around them."""

    currency = forms.TypedChoiceField(
        label="Base currency",
        choices=currency_choices,
        initial="USD",
        help_text="Every amount you enter is in this currency. You can change it later.",
    )
    time_zone = forms.TypedChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        initial="UTC",
        help_text="Decides when your month starts and when e-mails arrive.",
    )

    def signup(self, request, user: User) -> None:
        user.currency = self.cleaned_data["currency"]
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["currency", "time_zone"])


EMAIL_CHOICES = [
    ("email_monthly_progress", "Monthly progress, on the 1st at 08:00 your time"),
    ("email_log_reminder", "A reminder when last month has no entries"),
    (
        "email_milestones",
        "Milestones: a goal achieved, ratio at 100%, passive income covering spending",
    ),
    ("email_new_year", "An invitation to set next year's goal, in January"),
    (
        "email_monthly_household",
        "In the monthly e-mail, your household's combined figures too (if you are in one)",
    ),
]


class AccountSettingsForm(forms.ModelForm):
    """The user's preferences. The currency list holds the currencies in use today
    and, for a user who chose one since withdrawn, that one: they keep it until they
    pick another."""

    currency = forms.ChoiceField(label="Base currency", choices=currency_choices)
    time_zone = forms.ChoiceField(label="Time zone", choices=time_zone_choices)
    assumed_yield = PercentField(
        label="Assumed yield",
        min_value=Decimal("0.0001"),
        max_value=Decimal("1"),
        help_text="The yearly cash yield you expect from invested capital: 4% or 0.04.",
    )

    # One group of checkboxes for the four e-mail switches of the user.
    emails = forms.MultipleChoiceField(
        label="E-mails",
        required=False,
        choices=EMAIL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each e-mail also has a link to stop that kind with one click.",
    )

    class Meta:
        model = User
        # The currency is set in save(), not by the model form: the model's
        # validator refuses a withdrawn currency, which a user may keep.
        fields = ["time_zone", "assumed_yield"]

    field_order = ["currency", "time_zone", "assumed_yield", "emails"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kept = self.instance.currency
        self.initial.setdefault("currency", kept)
        if kept not in current_currencies():
            label = f"{currency_label(kept)} (no longer in use)"
            self.fields["currency"].choices = [(kept, label), *currency_choices()]
        self.initial.setdefault(
            "emails", [name for name, _ in EMAIL_CHOICES if getattr(self.instance, name)]
        )

    def save(self, commit: bool = True) -> User:
        """Save; a new base currency is announced (``base_currency_changed``), so call
        it in a transaction: the figures' recompute is marked with the change."""
        changed = self.instance.currency != self.cleaned_data["currency"]
        self.instance.currency = self.cleaned_data["currency"]
        chosen = set(self.cleaned_data["emails"])
        # Raises the version of the choices if one changes: older unsubscribe links
        # then no longer undo what was chosen here.
        self.instance.set_email_preferences({name: name in chosen for name, _ in EMAIL_CHOICES})
        user = super().save(commit=commit)
        if changed and commit:
            base_currency_changed.send(sender=User, user=user)
        return user


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password; nothing was deleted.")
        return password
