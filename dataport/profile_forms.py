"""Renaming an import profile (an "import layout" to the user)."""

from __future__ import annotations

from django import forms

from dataport.models import ImportProfile

PROFILE_NAME_TAKEN = "You already have an import layout with this name."


class ProfileRenameForm(forms.ModelForm):
    class Meta:
        model = ImportProfile
        fields = ["name"]
        help_texts = {"name": "Usually the bank's name and the account, e.g. “Sparkasse giro”."}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = ImportProfile.objects.filter(owner=self.instance.owner, name__iexact=name)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(PROFILE_NAME_TAKEN)
        return name
