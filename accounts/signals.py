"""Signals of the account, for the layers above it (accounts imports no other app)."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with ``user`` once a new base currency is saved, inside the saving
#: transaction: every figure of the user changes (portfolio recomputes them).
base_currency_changed = Signal()

#: Sent with ``user`` when the account is about to be deleted, inside the deleting
#: transaction and before anything is read for the deletion: work that holds the
#: user's data (portfolio's recomputes and imports) is waited for here.
account_deleting = Signal()
