"""Fewer bytes over the wire: pages gzipped by Django, static files precompressed.

A household on a phone line downloads the dashboard (HTML, CSS, scripts and
Chart.js) compressed; compressing must not cost a page its private caching or its
Content-Security-Policy.
"""

from __future__ import annotations

import gzip

import brotli
import pytest
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import reverse

from tests.config.test_private_cache_control import assert_private

# The client's request_finished signal looks at the database connection.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def production_static(tmp_path_factory):
    """The production storage (hashed names, .gz and .br copies), collected once.

    The client is made after the override: WhiteNoise indexes STATIC_ROOT when the
    client's handler loads the middleware, at its first request.
    """
    production = {
        "STATIC_ROOT": tmp_path_factory.mktemp("static"),
        # The project's own files only: Brotli at its best level over every app's
        # files (the admin's among them) would take a minute.
        "STATICFILES_FINDERS": ["django.contrib.staticfiles.finders.FileSystemFinder"],
        "STORAGES": {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
    }
    with override_settings(**production):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield Client()


def _body(response) -> bytes:
    body = b"".join(response.streaming_content)
    response.close()
    return body


def test_static_files_are_sent_in_brotli_to_browsers_that_accept_it(production_static):
    original = (settings.BASE_DIR / "static" / "vendor" / "chart.umd-4.6.1.min.js").read_bytes()
    url = static("vendor/chart.umd-4.6.1.min.js")

    response = production_static.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})

    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response["Vary"]
    assert "immutable" in response["Cache-Control"]
    body = _body(response)
    assert brotli.decompress(body) == original
    assert len(body) < len(original) / 3


def test_browsers_without_brotli_get_gzip_or_the_plain_file(production_static):
    original = (settings.BASE_DIR / "static" / "css" / "app.css").read_bytes()
    url = static("css/app.css")

    gzipped = production_static.get(url, headers={"Accept-Encoding": "gzip"})
    plain = production_static.get(url)

    assert gzipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(_body(gzipped)) == original
    assert not plain.has_header("Content-Encoding")
    assert _body(plain) == original


def test_the_dashboard_is_gzipped_and_stays_private_with_its_csp(client_owner):
    response = client_owner.get(reverse("dashboard:dashboard"), headers={"Accept-Encoding": "gzip"})

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert_private(response)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    page = gzip.decompress(response.content).decode()
    assert "<h1>Your dashboard</h1>" in page
    assert page.rstrip().endswith("</html>")


def test_pages_are_sent_plain_to_a_client_that_asks_for_no_compression(client_owner):
    response = client_owner.get(reverse("dashboard:dashboard"))

    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert "<h1>Your dashboard</h1>" in response.content.decode()
