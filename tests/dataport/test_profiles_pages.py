"""The account's import profiles: the list with which column is what, rename, delete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from dataport import statement_csv, statement_reading
from dataport.models import ImportProfile
from dataport.profile_forms import PROFILE_NAME_TAKEN
from tests.factories import ImportProfileFactory
from tests.helpers import texts

pytestmark = pytest.mark.django_db

LIST_URL = reverse("dataport:profiles")


def edit_url(profile) -> str:
    return reverse("dataport:profile_edit", args=[profile.pk])


def delete_url(profile) -> str:
    return reverse("dataport:profile_delete", args=[profile.pk])


@pytest.fixture
def profile(owner):
    return ImportProfileFactory(
        owner=owner,
        name="Sparkasse giro",
        last_used_at=dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC),
    )


@pytest.fixture
def strangers_profile(stranger):
    return ImportProfileFactory(owner=stranger, name="Secret bank")


# --- profile_list ------------------------------------------------------------------


def test_list_shows_each_profile_with_its_columns(client_owner, profile, strangers_profile):
    response = client_owner.get(LIST_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sparkasse giro" in page and "Secret bank" not in page
    assert "Last used on 3 November 2026" in page
    assert "Buchungstag · Valuta · Verwendungszweck · Betrag · Waehrung" in page
    ((shown, lines),) = response.context["profiles"]
    assert shown == profile
    assert lines == [
        ("Date", "A · Buchungstag, as 31.01.2025 (DD.MM.YYYY)"),
        ("Amount", "D · Betrag"),
        ("Decimals", "after a comma (1.234,56)"),
        ("Description", "C · Verwendungszweck"),
        ("Currency", "E · Waehrung"),
        ("Currency of the account", "EUR"),
    ]
    assert "through the mapping step again" in page


def test_list_shows_debit_and_credit_columns_and_sign_marks(client_owner, owner):
    ImportProfileFactory(
        owner=owner,
        header=["Date", "Details", "Ref", "Paid out", "Paid in", "Type"],
        mapping={
            "date_column": 0,
            "date_format": "%m/%d/%Y",
            "amount_mode": "debit_credit",
            "debit_column": 3,
            "credit_column": 4,
            "sign_column": 5,
            "debit_marks": ["DR", "D"],
            "decimal_separator": ".",
            "description_columns": [1, 2],
            "bank_id_column": 2,
            "currency_column": None,
        },
    )
    ((_, lines),) = client_owner.get(LIST_URL).context["profiles"]
    assert lines == [
        ("Date", "A · Date, as 01/31/2025 (MM/DD/YYYY)"),
        ("Money in", "E · Paid in"),
        ("Money out", "D · Paid out"),
        ("In or out", "F · Type"),
        ("Money out when it says", "“DR”, “D”"),
        ("Decimals", "after a point (1,234.56)"),
        ("Description", "B · Details, then C · Ref"),
        ("Bank's transaction id", "C · Ref"),
        ("Currency of the account", "EUR"),
    ]


def test_list_shows_a_column_past_the_header_by_its_number(client_owner, owner):
    ImportProfileFactory(
        owner=owner, header=["Date"], mapping={"date_column": 0, "amount_column": 7}
    )
    ((_, lines),) = client_owner.get(LIST_URL).context["profiles"]
    assert lines == [("Date", "A · Date"), ("Amount", "H"), ("Currency of the account", "EUR")]


def test_list_without_profiles_says_where_they_come_from(client_owner):
    page = client_owner.get(LIST_URL).content.decode()
    assert "No import layouts yet" in page


def test_settings_page_links_the_profiles(client_owner):
    page = client_owner.get(reverse("accounts:settings")).content.decode()
    assert LIST_URL in page


def test_list_needs_a_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_list_refuses_post(client_owner):
    assert client_owner.post(LIST_URL).status_code == 405


# --- profile_edit (rename) ---------------------------------------------------------


def test_rename(client_owner, profile):
    assert client_owner.get(edit_url(profile)).status_code == 200
    response = client_owner.post(edit_url(profile), {"name": "  Sparkasse current  "})
    assert response["Location"] == LIST_URL
    profile.refresh_from_db()
    assert profile.name == "Sparkasse current"
    assert texts(response) == ["Import layout “Sparkasse giro” renamed “Sparkasse current”."]


def test_rename_keeps_its_own_name_in_another_case(client_owner, profile):
    client_owner.post(edit_url(profile), {"name": "SPARKASSE GIRO"})
    profile.refresh_from_db()
    assert profile.name == "SPARKASSE GIRO"


@pytest.mark.parametrize("name", ["Other bank", "other BANK "])
def test_rename_to_a_name_in_use_is_refused(client_owner, owner, profile, name):
    ImportProfileFactory(owner=owner, name="Other bank")
    response = client_owner.post(edit_url(profile), {"name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [PROFILE_NAME_TAKEN]
    assert "Rename “Sparkasse giro”" in response.content.decode()
    profile.refresh_from_db()
    assert profile.name == "Sparkasse giro"


def test_rename_to_a_strangers_profile_name_is_fine(client_owner, profile, strangers_profile):
    client_owner.post(edit_url(profile), {"name": "Secret bank"})
    profile.refresh_from_db()
    assert profile.name == "Secret bank"


def test_rename_to_nothing_is_refused(client_owner, profile):
    response = client_owner.post(edit_url(profile), {"name": "   "})
    assert response.context["form"].errors["name"] == ["This field is required."]
    profile.refresh_from_db()
    assert profile.name == "Sparkasse giro"


def test_rename_of_a_strangers_profile_is_404(client_owner, strangers_profile):
    assert client_owner.get(edit_url(strangers_profile)).status_code == 404
    assert client_owner.post(edit_url(strangers_profile), {"name": "Mine"}).status_code == 404
    strangers_profile.refresh_from_db()
    assert strangers_profile.name == "Secret bank"


def test_rename_refuses_other_methods(client_owner, profile):
    assert client_owner.put(edit_url(profile)).status_code == 405


# --- profile_delete ----------------------------------------------------------------


def test_delete_asks_then_deletes(client_owner, profile):
    page = client_owner.get(delete_url(profile))
    assert page.status_code == 200
    assert "goes through the mapping step again" in page.content.decode()
    assert ImportProfile.objects.filter(pk=profile.pk).exists()
    response = client_owner.post(delete_url(profile))
    assert response["Location"] == LIST_URL
    assert not ImportProfile.objects.filter(pk=profile.pk).exists()
    assert texts(response) == [
        "Import layout “Sparkasse giro” deleted: the next file from this bank goes through "
        "the mapping step again."
    ]


def test_delete_of_a_strangers_profile_is_404(client_owner, strangers_profile):
    assert client_owner.get(delete_url(strangers_profile)).status_code == 404
    assert client_owner.post(delete_url(strangers_profile)).status_code == 404
    assert ImportProfile.objects.filter(pk=strangers_profile.pk).exists()


def test_delete_refuses_other_methods(client_owner, profile):
    assert client_owner.put(delete_url(profile)).status_code == 405
    assert ImportProfile.objects.filter(pk=profile.pk).exists()


def test_a_profile_saved_from_a_real_banks_layout_shows_its_columns(client_owner, owner):
    data = (Path(__file__).parent / "statements" / "de-giro-2025-01.csv").read_bytes()
    layout = statement_csv.csv_layout(data)
    ImportProfileFactory(
        owner=owner,
        name="Giro",
        signature=statement_reading.signature_hash(layout),
        header=list(layout.header),
        mapping=layout.guess.to_dict(),
    )
    response = client_owner.get(LIST_URL)
    ((_, lines),) = response.context["profiles"]
    assert dict(lines)["Date"] == "A · Buchungstag, as 31.01.2025 (DD.MM.YYYY)"
    assert dict(lines)["Decimals"] == "after a comma (1.234,56)"
    assert " · ".join(layout.header) in response.content.decode()
