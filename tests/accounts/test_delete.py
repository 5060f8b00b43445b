"""Deleting one's account removes every row of the user's data, and nothing else."""

from __future__ import annotations

from collections import defaultdict

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse

from api.models import AccessToken, IdempotentRequest
from api.tokens import token_create
from dataport import import_jobs
from dataport.models import ImportJob, StagedEntry
from households import services as households
from households.models import Household
from portfolio.calendar_feed import make_feed
from portfolio.models import Portfolio
from tests.factories import (
    PASSWORD,
    EntryFactory,
    HoldingFactory,
    PortfolioFactory,
    StreamFactory,
    ValuationFactory,
)

pytestmark = pytest.mark.django_db
User = get_user_model()
URL = reverse("accounts:delete")


def references(target: type[models.Model], pks) -> dict[type[models.Model], set]:
    """Rows of every installed model (M2M tables included) pointing at ``target`` rows."""
    found: dict[type[models.Model], set] = defaultdict(set)
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey)  # OneToOneField is one too
                and field.related_model is target
            ):
                rows = model._default_manager.filter(**{f"{field.name}__in": pks})
                found[model] |= set(rows.values_list("pk", flat=True))
    return {model: rows for model, rows in found.items() if rows}


def everything_owned_by(user) -> dict[type[models.Model], set]:
    """The user's rows and, transitively, the rows hanging off them."""
    owned: dict[type[models.Model], set] = defaultdict(set)
    frontier = {User: {user.pk}}
    while frontier:
        next_frontier: dict[type[models.Model], set] = defaultdict(set)
        for target, pks in frontier.items():
            for model, rows in references(target, pks).items():
                new = rows - owned[model]
                if new:
                    owned[model] |= new
                    next_frontier[model] |= new
        frontier = next_frontier
    return {model: rows for model, rows in owned.items() if rows}


def give_data(user) -> None:
    retirement = PortfolioFactory(owner=user, name="Retirement")
    holding = HoldingFactory(portfolio=retirement)
    ValuationFactory(holding=holding)
    StreamFactory(portfolio=retirement)
    EntryFactory(portfolio=user.portfolios.get(name="Personal"))
    # An import waiting for its confirmation: the job and its staged rows.
    job = import_jobs.job_start(
        owner=user,
        portfolio=retirement,
        kind=ImportJob.Kind.ENTRIES_CSV,
        data=b"date,amount,category\r\n2025-01-31,4200,salary\r\n",
        file_name="entries.csv",
    )
    import_jobs.entries_csv_stage(job.pk)
    # A household of their own, with an invitation out, and a calendar feed address.
    households.household_create(user=user, name=f"Home of {user.email}")
    households.invitation_create(by=user, email=f"partner.{user.email}")
    make_feed(user)
    EmailAddress.objects.create(user=user, email=f"second.{user.email}", verified=False)
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    token_create(user=user, name="Script", scope="read", expires_at=None)
    IdempotentRequest.objects.create(user=user, key="k", fingerprint="f", status=201, body={})


@pytest.fixture
def populated(owner, stranger):
    for user in (owner, stranger):
        give_data(user)
    return owner, stranger


def test_the_page_warns_and_asks_for_the_password(client_owner):
    response = client_owner.get(URL)
    assert response.status_code == 200
    assert 'name="password"' in response.text
    assert "cannot be undone" in response.text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("not my password", "That is not your password; nothing was deleted."),
        ("", "This field is required."),
    ],
)
def test_a_wrong_password_deletes_nothing(client_owner, populated, password, message):
    owner, _stranger = populated
    before = everything_owned_by(owner)
    response = client_owner.post(URL, {"password": password})
    assert response.status_code == 200
    assert message in response.text
    assert User.objects.filter(pk=owner.pk).exists()
    assert everything_owned_by(owner) == before
    assert client_owner.session["_auth_user_id"] == str(owner.pk)


def test_the_right_password_deletes_the_user_and_all_their_data(client_owner, populated):
    owner, stranger = populated
    owned = everything_owned_by(owner)
    # The data is really there, so the checks below mean something.
    assert owned[Portfolio] == set(owner.portfolios.values_list("pk", flat=True))
    assert len(owned[Portfolio]) == 2
    assert len(owned[EmailAddress]) == 2
    assert len(owned[Authenticator]) == 2  # TOTP and recovery codes
    assert {model._meta.label for model in owned} >= {
        "portfolio.Holding",
        "portfolio.Valuation",
        "portfolio.Stream",
        "portfolio.Entry",
        "dataport.ImportJob",
        "dataport.StagedEntry",
        "households.Membership",
        "households.Invitation",
        "portfolio.CalendarFeed",
    }
    assert len(owned[AccessToken]) == 1 and len(owned[IdempotentRequest]) == 1
    household = Household.objects.get(memberships__user=owner)
    strangers = everything_owned_by(stranger)

    response = client_owner.post(URL, {"password": PASSWORD}, follow=True)
    assert response.redirect_chain == [(reverse("landing"), 302)]
    assert "Your account and all of its data were deleted." in response.text
    assert "_auth_user_id" not in client_owner.session

    assert not User.objects.filter(pk=owner.pk).exists()
    # No row of any model with a foreign key to the user still points at them...
    assert references(User, [owner.pk]) == {}
    # ...and every row that hung off their rows is gone too.
    for model, pks in owned.items():
        assert not model._default_manager.filter(pk__in=pks).exists(), model.__name__
    # The household they were alone in goes too (no row points from it at the user).
    assert not Household.objects.filter(pk=household.pk).exists()
    # The stranger keeps everything.
    assert everything_owned_by(stranger) == strangers
    assert Household.objects.filter(memberships__user=stranger).exists()
    assert User.objects.filter(pk=stranger.pk).exists()


def _logged_in_as(user) -> set[str]:
    return {
        session.session_key
        for session in Session.objects.all()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    }


def test_deletion_removes_the_users_other_sessions_and_imports(
    client_owner, owner, stranger, django_capture_on_commit_callbacks
):
    other_browser, strangers_browser = Client(), Client()
    other_browser.force_login(owner)
    strangers_browser.force_login(stranger)
    assert len(_logged_in_as(owner)) == 2
    strangers_sessions = _logged_in_as(stranger)
    portfolio = owner.portfolios.get()
    csv = b"date,amount,category\r\n2025-01-31,4200,salary\r\n"
    response = client_owner.post(
        reverse("dataport:entry_import", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("entries.csv", csv, "text/csv")},
    )
    assert response.status_code == 302
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    import_jobs.entries_csv_stage(job_id)
    assert StagedEntry.objects.filter(job_id=job_id).count() == 1
    owned = everything_owned_by(owner)
    assert owned[ImportJob] == {job_id}
    assert owned[StagedEntry]

    with django_capture_on_commit_callbacks(execute=True):
        client_owner.post(URL, {"password": PASSWORD})

    assert not User.objects.filter(pk=owner.pk).exists()
    assert _logged_in_as(owner) == set()
    assert "_auth_user_id" not in other_browser.session
    assert not ImportJob.objects.filter(pk=job_id).exists()
    assert not StagedEntry.objects.filter(job_id=job_id).exists()
    assert _logged_in_as(stranger) == strangers_sessions


def test_the_deleted_user_cannot_log_in(client_owner, owner, client):
    client_owner.post(URL, {"password": PASSWORD})
    from django.test import Client

    other = Client()
    other.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    assert "_auth_user_id" not in other.session


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_get_405_and_delete_nothing(client_owner, owner, method):
    response = getattr(client_owner, method)(URL, {"password": PASSWORD})
    assert response.status_code == 405
    assert User.objects.filter(pk=owner.pk).exists()


def test_anonymous_is_sent_to_log_in(client, owner):
    response = client.post(URL, {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={URL}"
    assert User.objects.filter(pk=owner.pk).exists()
