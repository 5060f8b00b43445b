"""The form that makes a personal access token."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from api.models import AccessToken

# Lifetimes offered, in days; "never" is the empty choice.
LIFETIMES = [("30", "30 days"), ("90", "90 days"), ("365", "One year"), ("", "Never")]


class AccessTokenForm(forms.ModelForm):
    lifetime = forms.ChoiceField(
        label="Expires after", choices=LIFETIMES, initial="90", required=False
    )

    class Meta:
        model = AccessToken
        fields = ["name", "scope"]
        widgets = {"scope": forms.RadioSelect}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.user = user

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if AccessToken.objects.filter(user=self.instance.user, name=name).exists():
            raise forms.ValidationError(DUPLICATE_NAME)
        return name

    def expires_at(self):
        days = self.cleaned_data.get("lifetime")
        return timezone.now() + timedelta(days=int(days)) if days else None


DUPLICATE_NAME = "You already have a token with this name."
