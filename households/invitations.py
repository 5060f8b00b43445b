"""The signed, expiring link of an invitation.

The token names the invitation's row and is stamped with the time it was made;
it stops working when it expires or when the row is gone (answered, cancelled,
or replaced by a new invitation to the same address).
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.urls import reverse

from households.models import Invitation
from portfolio.limits import INVITATION_DAYS

SALT = "households.invitation"
MAX_AGE = timedelta(days=INVITATION_DAYS)


class InvalidInvitation(Exception):
    """The link was tampered with, has expired, or its invitation is no longer open."""


def make_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(invitation.pk))


def invitation_path(invitation: Invitation) -> str:
    return reverse("households:invitation", args=[make_token(invitation)])


def read_token(token: str) -> Invitation:
    """The open invitation of ``token``, or ``InvalidInvitation`` saying why not."""
    try:
        pk = signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise InvalidInvitation("This invitation has expired: ask for a new one.") from exc
    except signing.BadSignature as exc:
        raise InvalidInvitation("This invitation link is not valid.") from exc
    invitation = Invitation.objects.select_related("household", "invited_by").filter(pk=pk).first()
    if invitation is None:
        raise InvalidInvitation("This invitation is no longer open: it was answered or withdrawn.")
    return invitation
