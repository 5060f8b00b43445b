"""Settings read strictly from the environment (config/settings.py, config/env.py).

Each case starts a fresh interpreter with a crafted environment, because the
settings module runs once per process.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/wealthratio_settings_test",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "example.com",
    "EMAIL_URL": "smtp://127.0.0.1:2525",
}


def run_django(tmp_path, variables: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run ``manage.py args`` (or just ``django.setup()``) with only ``variables`` set."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LOCAL_DIR": str(tmp_path / "local"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **variables,
    }
    command = [sys.executable, "manage.py", *args]
    if not args:
        command = [sys.executable, "-c", "import django; django.setup()"]
    return subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def assert_refused(result: subprocess.CompletedProcess, name: str) -> None:
    assert result.returncode != 0, result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line, result.stderr
    assert name in last_line, result.stderr


def test_development_starts_with_nothing_configured(tmp_path):
    result = run_django(tmp_path, {})
    assert result.returncode == 0, result.stderr
    # The development key is generated once, private to the checkout.
    key_file = tmp_path / "local" / "secret_key"
    assert len(key_file.read_text()) >= 50
    assert key_file.stat().st_mode & 0o077 == 0


def test_production_without_secret_key_fails_naming_it(tmp_path):
    variables = {**PRODUCTION}
    del variables["SECRET_KEY"]
    assert_refused(run_django(tmp_path, variables), "SECRET_KEY")


@pytest.mark.parametrize("name", ["DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"])
def test_production_without_a_required_service_fails_naming_it(tmp_path, name):
    variables = {**PRODUCTION}
    del variables[name]
    assert_refused(run_django(tmp_path, variables), name)


def test_production_with_an_empty_variable_counts_as_missing(tmp_path):
    assert_refused(run_django(tmp_path, {**PRODUCTION, "SECRET_KEY": "  "}), "SECRET_KEY")


def test_production_without_email_settings_fails(tmp_path):
    variables = {**PRODUCTION}
    del variables["EMAIL_URL"]
    assert_refused(run_django(tmp_path, variables), "EMAIL_URL")


def test_production_accepts_smtp_settings_instead_of_email_url(tmp_path):
    variables = {**PRODUCTION, "EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "2525"}
    del variables["EMAIL_URL"]
    assert run_django(tmp_path, variables).returncode == 0


@pytest.mark.parametrize("value", ["ture", "maybe", "2"])
def test_a_malformed_boolean_fails_naming_the_variable(tmp_path, value):
    assert_refused(run_django(tmp_path, {"DEBUG": value}), "DEBUG")


def test_a_malformed_integer_fails_naming_the_variable(tmp_path):
    variables = {**PRODUCTION, "SECURE_HSTS_SECONDS": "a year"}
    assert_refused(run_django(tmp_path, variables), "SECURE_HSTS_SECONDS")


def test_debug_is_refused_in_production(tmp_path):
    assert_refused(run_django(tmp_path, {**PRODUCTION, "DEBUG": "true"}), "DEBUG")


def test_an_unknown_environment_name_fails(tmp_path):
    assert_refused(run_django(tmp_path, {"DJANGO_ENV": "prod"}), "DJANGO_ENV")


def test_full_production_environment_passes_check_deploy(tmp_path):
    result = run_django(tmp_path, PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_development_fails_check_deploy(tmp_path):
    # The check is meaningful: the development settings are not fit to deploy.
    result = run_django(tmp_path, {}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0


# --- The Env reader, directly -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("1", True),
        ("false", False),
        ("No", False),
        ("off", False),
        ("0", False),
    ],
)
def test_env_bool_reads_the_usual_spellings(raw, expected):
    assert Env({"FLAG": raw}).bool("FLAG") is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_missing_or_blank_gives_the_default(default):
    assert Env({}).bool("FLAG", default=default) is default
    assert Env({"FLAG": "  "}).bool("FLAG", default=default) is default


@pytest.mark.parametrize("raw", ["ture", "y", "2", "enabled", "-1"])
def test_env_bool_refuses_anything_else(raw):
    with pytest.raises(ImproperlyConfigured, match=r"FLAG=.* is not a boolean"):
        Env({"FLAG": raw}).bool("FLAG")


def test_env_int():
    assert Env({"N": " 42 "}).int("N", 7) == 42
    assert Env({"N": "-3"}).int("N", 7) == -3
    assert Env({}).int("N", 7) == 7
    for raw in ("4.5", "ten", "1e3"):
        with pytest.raises(ImproperlyConfigured, match=r"N=.* is not an integer"):
            Env({"N": raw}).int("N", 7)


def test_env_list():
    assert Env({"HOSTS": "a.example, b.example ,,"}).list("HOSTS") == ["a.example", "b.example"]
    assert Env({}).list("HOSTS") == []
    assert Env({}).list("HOSTS", ["localhost"]) == ["localhost"]
    assert Env({"HOSTS": " "}).list("HOSTS", ["localhost"]) == ["localhost"]


def test_env_choice():
    assert Env({}).choice("MODE", ("a", "b"), default="a") == "a"
    assert Env({"MODE": "b"}).choice("MODE", ("a", "b"), default="a") == "b"
    with pytest.raises(ImproperlyConfigured, match="MODE='c' must be one of a, b"):
        Env({"MODE": "c"}).choice("MODE", ("a", "b"), default="a")


def test_env_str():
    assert Env({"NAME": "  value "}).str("NAME") == "value"
    assert Env({}).str("NAME", "fallback") == "fallback"
    assert Env({"NAME": ""}).str("NAME") is None
    with pytest.raises(ImproperlyConfigured, match="NAME is required"):
        Env({}).str("NAME", required=True)
