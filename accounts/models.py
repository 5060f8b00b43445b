"""The user: signs in with an e-mail address, keeps figures in one base currency."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.validators import validate_currency, validate_time_zone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    email = models.EmailField("e-mail address", unique=True)
    currency = models.CharField(
        "base currency",
        max_length=3,
        default="USD",
        validators=[validate_currency],
        help_text="Every amount you enter is in this currency.",
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Decides when your month starts and when e-mails arrive.",
    )
    assumed_yield = models.DecimalField(
        "assumed yield",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.04"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
        help_text="The yearly cash yield you expect from invested capital, e.g. 0.04 for 4%.",
    )
    # E-mails the user agreed to (docs/emails.md), one switch per kind; the unsubscribe
    # link of each e-mail turns its own switch off. See notifications.emails.PREFERENCE_FIELDS.
    email_monthly_progress = models.BooleanField("monthly progress", default=True)
    email_log_reminder = models.BooleanField("reminder to record last month", default=True)
    email_milestones = models.BooleanField("milestones", default=True)
    email_new_year = models.BooleanField("new-year goal invitation", default=True)
    # Part of the monthly e-mail, not a kind of its own: off until a member asks for it.
    email_monthly_household = models.BooleanField(
        "household figures in the monthly e-mail", default=False
    )
    # Raised by one whenever any of the switches above changes. Each unsubscribe link
    # carries the number of its day, so a link from before a newer choice (e-mails
    # turned back on, say) cannot switch them off again.
    email_preferences_version = models.PositiveIntegerField(
        "version of the e-mail choices", default=0, editable=False
    )

    # Raised in the transaction of every change to what the user's pages show (their
    # own data, their household's, their snapshots): the pages kept in the cache are
    # keyed by it (``accounts.page_cache``). Only that UPDATE writes it (``save``).
    pages_version = models.PositiveBigIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    EMAIL_PREFERENCES = (
        "email_monthly_progress",
        "email_log_reminder",
        "email_milestones",
        "email_new_year",
    )

    def set_email_preferences(self, choices: dict[str, bool]) -> list[str]:
        """Set some of ``EMAIL_PREFERENCES``; raise the version if any changes.

        Returns the fields to save (empty when nothing changed).
        """
        changed = [name for name, on in choices.items() if getattr(self, name) != on]
        if not changed:
            return []
        for name in changed:
            setattr(self, name, choices[name])
        self.email_preferences_version += 1
        return [*changed, "email_preferences_version"]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assumed_yield__gt=0, assumed_yield__lte=1),
                name="user_assumed_yield_range",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        # A user loaded before a change raised ``pages_version`` and saved afterwards
        # (the settings form, a login) must not write the old number back: a page kept
        # under it would be served again. So a save of an existing user leaves it out.
        if not self._state.adding and kwargs.get("update_fields") is None:
            left_out = {"pages_version", *self.get_deferred_fields()}
            kwargs["update_fields"] = [
                field.attname
                for field in self._meta.concrete_fields
                if not field.primary_key and field.attname not in left_out
            ]
        super().save(*args, **kwargs)
