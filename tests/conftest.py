"""Fixtures every test knows: users, and the settings and cache each test runs with.

The suite runs on the embedded default (SQLite file, filesystem broker, file
cache) or, with ``DATABASE_URL`` / ``REDIS_URL`` set, on real PostgreSQL and
Redis. Each test gets its own cache key prefix, so rate-limit counters and used
TOTP codes never leak from one test (or one run) into another, and nothing is
ever flushed from a Redis database that someone else may share.

The real SMTP server (``smtp_server``), the real Celery workers (``start_worker``,
``celery_worker``, ``celery_worker_pair``) and the real web process (``start_web``)
are plugins in ``tests/support/``.
Hypothesis runs without deadlines when ``CI`` is set: on a loaded runner one
example can take longer than the default 200 ms without anything being wrong.
"""

from __future__ import annotations

import copy
import itertools
import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from tests.factories import PASSWORD, UserFactory
from tests.support.run import CONFIGURED_CACHES, RUN_ID, uses_redis_cache

pytest_plugins = ["tests.support.smtp", "tests.support.workers", "tests.support.web"]

hypothesis_settings.register_profile("ci", deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

_test_numbers = itertools.count()


# --- Settings every test runs with ------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _site_url(settings):
    # The links in e-mails, whatever PORT the shell running the tests has set.
    settings.SITE_URL = "http://localhost:8000"


@pytest.fixture(scope="session")
def _test_cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_cache(settings, _test_cache_dir):
    caches = copy.deepcopy(CONFIGURED_CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{RUN_ID}-{next(_test_numbers)}"
    if not uses_redis_cache():
        # Never the development cache under LOCAL_DIR.
        caches["default"]["LOCATION"] = str(_test_cache_dir)
    settings.CACHES = caches  # setting_changed resets the cache handlers


@pytest.fixture(scope="session", autouse=True)
def _remove_redis_test_keys():
    yield
    if uses_redis_cache():
        import redis

        client = redis.Redis.from_url(CONFIGURED_CACHES["default"]["LOCATION"])
        # The cache keys, and the broker's queue of this process and its binding.
        keys = list(client.scan_iter(match=f"*test-{RUN_ID}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


# --- Users --------------------------------------------------------------------------


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def owner(db):
    """A user with a verified, primary e-mail address (and the "Personal" portfolio)."""
    return UserFactory(email="owner@example.com")


@pytest.fixture
def stranger(db):
    return UserFactory(email="stranger@example.com")


@pytest.fixture
def portfolio(owner):
    """The owner's "Personal" portfolio, made at sign-up."""
    return owner.portfolios.get()


@pytest.fixture
def client_owner(client, owner):
    client.force_login(owner)
    return client
