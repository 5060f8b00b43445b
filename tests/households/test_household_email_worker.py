"""The household e-mails through a real worker: an invitation made while the SMTP
server is away arrives once it is back (the task retries)."""

from __future__ import annotations

import pytest

from households import invitations, services
from tests.factories import UserFactory
from tests.support.workers import drained

pytestmark = pytest.mark.celery_worker


def test_an_invitation_queued_while_smtp_is_down_arrives_when_it_is_back(smtp_server, start_worker):
    alice = UserFactory(email="alice@example.com")
    services.household_create(user=alice, name="Home")
    smtp_server.stop()
    worker = start_worker(EMAIL_URL=smtp_server.url, EMAIL_RETRY_SECONDS="1")

    # The view's transaction commits, so the task is queued on the real broker.
    invitation = services.invitation_create(by=alice, email="bob@example.com")
    drained(worker)  # a solo worker: the first attempt came first
    assert smtp_server.messages == []
    smtp_server.start()
    message = smtp_server.wait_for("bob@example.com", timeout=30)
    drained(worker)

    assert len(smtp_server.to("bob@example.com")) == 1
    assert (
        invitations.read_token(smtp_server.path(message, "/household/join/").split("/")[-2])
        == invitation
    )
