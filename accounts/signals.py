"""Signals of the account, for the layers above it (accounts imports no other app)."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with ``user`` once a new base currency is saved, inside the saving
#: transaction: every figure of the user changes (portfolio recomputes them).
base_currency_changed = Signal()
