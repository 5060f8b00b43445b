"""Fixtures of the e-mail tests; their helpers are in ``tests.notifications.helpers``."""

from __future__ import annotations

import pytest

from config.celery import app as celery_app


@pytest.fixture
def mail(smtp_server):
    """The shared ``smtp_server``, by the name the e-mail tests use."""
    return smtp_server


@pytest.fixture
def eager():
    """Tasks queued by the code under test run at once, in this process (no broker)."""
    keys = ("task_always_eager", "task_eager_propagates")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(dict.fromkeys(keys, True))
    yield
    celery_app.conf.update(saved)
