"""Forms for portfolios, holdings, valuations, streams and entries."""

from __future__ import annotations

from django import forms

from portfolio.models import Portfolio


class PortfolioForm(forms.ModelForm):
    class Meta:
        model = Portfolio
        fields = ["name"]

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.owner = owner

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Portfolio.objects.filter(owner=self.instance.owner, name__iexact=name)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("You already have a portfolio with this name.")
        return name
