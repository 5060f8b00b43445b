"""Uploaded CSV files kept in the cache between the preview and the confirmation.

A file is kept compressed for ``KEEP_SECONDS`` under its portfolio and the hash of
its rows. Each portfolio also has an index of the hashes it keeps, so that deleting
the portfolio (alone, or with its owner's account) deletes its kept files at once
rather than leaving them to expire. Two uploads to one portfolio at the same instant
may each write the index without the other's hash: that file then only expires.
"""

from __future__ import annotations

import zlib
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from portfolio.models import Portfolio

KEEP_SECONDS = 60 * 60


def file_key(portfolio_pk: int, file_hash: str) -> str:
    return f"entry-import:{portfolio_pk}:{file_hash}"


def _index_key(portfolio_pk: int) -> str:
    return f"entry-import:{portfolio_pk}:kept"


def keep(portfolio: Portfolio, file_hash: str, data: bytes) -> None:
    cache.set(file_key(portfolio.pk, file_hash), zlib.compress(data), KEEP_SECONDS)
    # The index lives as long as the newest file it names.
    hashes = set(cache.get(_index_key(portfolio.pk)) or ()) | {file_hash}
    cache.set(_index_key(portfolio.pk), sorted(hashes), KEEP_SECONDS)


def kept(portfolio: Portfolio, file_hash: str) -> bytes | None:
    stored = cache.get(file_key(portfolio.pk, file_hash))
    return None if stored is None else zlib.decompress(stored)


def forget(portfolio: Portfolio, file_hash: str) -> None:
    cache.delete(file_key(portfolio.pk, file_hash))


def forget_all(portfolio_pk: int) -> None:
    """Delete every file kept for the portfolio, and its index."""
    index = _index_key(portfolio_pk)
    hashes = cache.get(index) or ()
    cache.delete_many([*(file_key(portfolio_pk, file_hash) for file_hash in hashes), index])


@receiver(post_delete, sender=Portfolio, dispatch_uid="dataport.forget_kept_uploads")
def _portfolio_deleted(sender, instance: Portfolio, **kwargs) -> None:
    # Once the deletion is committed (a rolled-back one keeps its files); robust, so
    # that an unreachable cache cannot turn a done deletion into an error page.
    transaction.on_commit(partial(forget_all, instance.pk), robust=True)
