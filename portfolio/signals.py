"""Every new user starts with one portfolio, "Personal"."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from portfolio.models import Portfolio

DEFAULT_PORTFOLIO_NAME = "Personal"


# A receiver rather than a step of the sign-up form so that every way a user is
# made (allauth, createsuperuser, the admin, a data import) gets the portfolio.
@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="portfolio_default")
def create_default_portfolio(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        Portfolio.objects.create(owner=instance, name=DEFAULT_PORTFOLIO_NAME)
