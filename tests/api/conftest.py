"""Fixtures of the API tests: token clients for the owner and for a stranger."""

from __future__ import annotations

import pytest

from tests.api.clients import ApiClient, api_client


@pytest.fixture
def api(owner) -> ApiClient:
    return api_client(owner)


@pytest.fixture
def api_stranger(stranger) -> ApiClient:
    return api_client(stranger)
