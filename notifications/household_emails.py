"""The household e-mails: an invitation, a member joined, a member was removed.

They answer something a person just did, so they have no unsubscribe link and
no preference; they share the product's look (``emails/_layout.html``) and the
renderer of the progress e-mails. Sent at least once: a retry after the server
dropped the connection mid-message may deliver a second copy, which harms nobody,
unlike a lost invitation.
"""

from __future__ import annotations

import logging
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.urls import reverse

from households import invitations
from households.models import Household, Invitation, Membership
from notifications.emails import (
    SMTP_ERRORS,
    ProgressEmail,
    TransientSendError,
    absolute_url,
    classify_smtp_error,
    render_email,
    site_host,
)

logger = logging.getLogger(__name__)


def build_notice(*, to: str, template: str, context: dict) -> ProgressEmail:
    """A one-off e-mail to ``to`` from ``emails/<template>-*`` in the product's look."""
    household_url = absolute_url(reverse("households:household"))
    rendered = render_email(
        template, {"site_url": settings.SITE_URL, "household_url": household_url, **context}
    )
    message = ProgressEmail(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "Message-ID": make_msgid(idstring="household", domain=site_host()),
            "Date": formatdate(usegmt=True),
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def invitation_email(invitation_id: int) -> ProgressEmail | None:
    """The invitation with its signed link; None once it is no longer open."""
    invitation = (
        Invitation.objects.select_related("household", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return None
    return build_notice(
        to=invitation.email,
        template="household_invitation",
        context={
            "invitation": invitation,
            "invitation_url": absolute_url(invitations.invitation_path(invitation)),
            "max_age_days": invitations.MAX_AGE.days,
        },
    )


def joined_emails(membership_id: int) -> list[ProgressEmail]:
    """To every other member: who joined."""
    membership = (
        Membership.objects.select_related("household", "user").filter(pk=membership_id).first()
    )
    if membership is None:
        return []
    others = membership.household.memberships.exclude(pk=membership.pk).select_related("user")
    return [
        build_notice(
            to=other.user.email,
            template="household_joined",
            context={"household": membership.household, "member": membership.user},
        )
        for other in others
    ]


def removed_email(user_id: int, household_id: int) -> ProgressEmail | None:
    """To the member the creator removed."""
    user = get_user_model().objects.filter(pk=user_id).first()
    household = Household.objects.filter(pk=household_id).first()
    if user is None or household is None:
        return None
    return build_notice(
        to=user.email, template="household_removed", context={"household": household}
    )


# What each kind of household e-mail is built from (the task's arguments).
BUILDERS = {
    "invitation": lambda invitation_id: [invitation_email(invitation_id)],
    "joined": joined_emails,
    "removed": lambda user_id, household_id: [removed_email(user_id, household_id)],
}


def household_emails_send(*, kind: str, args: list[int]) -> int:
    """Build and send the e-mails of ``kind``; SMTP trouble that may pass raises
    ``TransientSendError`` (the task retries), a refused recipient is logged."""
    outgoing = [message for message in BUILDERS[kind](*args) if message is not None]
    if not outgoing:
        return 0
    connection = get_connection()
    sent = 0
    try:
        connection.open()
        for message in outgoing:
            try:
                connection.send_messages([message])
            except SMTP_ERRORS as exc:
                permanent, reason = classify_smtp_error(exc)
                if not permanent:
                    raise TransientSendError(reason) from exc
                logger.warning("Household e-mail to %s refused for good: %s", message.to, reason)
                continue
            sent += 1
    except SMTP_ERRORS as exc:  # opening the connection
        raise TransientSendError(classify_smtp_error(exc)[1]) from exc
    finally:
        try:
            connection.close()
        except SMTP_ERRORS:
            logger.info("Closing the SMTP connection failed", exc_info=True)
    return sent
