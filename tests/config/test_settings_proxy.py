"""The client address behind a proxy comes from the environment, read strictly."""

from __future__ import annotations

import pytest

from tests.config.test_settings import PRODUCTION, assert_refused, run_django

SHOW = (
    "shell",
    "-c",
    "from django.conf import settings as s; "
    "print(repr(s.ALLAUTH_TRUSTED_PROXY_COUNT), repr(s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER))",
)


def shown(tmp_path, variables) -> str:
    result = run_django(tmp_path, variables, *SHOW)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_by_default_no_proxy_is_trusted(tmp_path):
    assert shown(tmp_path, PRODUCTION) == "0 None"


def test_a_proxy_count_and_a_client_header_are_read(tmp_path):
    variables = {**PRODUCTION, "TRUSTED_PROXY_COUNT": "1", "TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"}
    assert shown(tmp_path, variables) == "1 'X-Real-IP'"


@pytest.mark.parametrize("value", ["one", "-1", "1.5"])
def test_a_malformed_proxy_count_is_refused(tmp_path, value):
    result = run_django(tmp_path, {**PRODUCTION, "TRUSTED_PROXY_COUNT": value})
    assert_refused(result, "TRUSTED_PROXY_COUNT")
