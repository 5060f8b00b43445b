"""Saving a form whose row has a unique name, safely against a simultaneous save.

A form checks that a name is free, but two saves at the same moment both pass
that check; the database's unique constraint then refuses the second. This turns
that refusal into the same message on the form, instead of a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.db import IntegrityError, transaction

_T = TypeVar("_T")


def save_unique(
    form: forms.BaseForm,
    *,
    message: str,
    field: str | None = "name",
    save: Callable[[], _T] | None = None,
) -> _T | None:
    """``save()`` (default ``form.save()``) in its own transaction; None and ``message``
    on ``field`` (None: the whole form) if a unique constraint refused it."""
    try:
        with transaction.atomic():
            return save() if save is not None else form.save()
    except IntegrityError:
        form.add_error(field, message)
        return None
