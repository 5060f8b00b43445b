"""The e-mail about a finished import: what was imported, or why nothing was.

Sent through notifications' helper, which claims it once per job (kind
``import``, period the job's id), so a retried task never sends it twice.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.urls import reverse

from dataport.models import ImportJob
from notifications.emails import Outgoing, absolute_url, deliver
from notifications.models import SentEmail


def import_outgoing(job: ImportJob, address: str) -> Outgoing:
    user = job.owner
    context = {
        "job": job,
        "done": job.state == ImportJob.State.DONE,
        "what": _what(job),
        "job_url": absolute_url(reverse("dataport:import_job", args=[job.pk])),
    }
    if job.portfolio_id is not None and job.state == ImportJob.State.DONE:
        context["entries_url"] = absolute_url(
            reverse("portfolio:entry_list", args=[job.portfolio_id])
        )
    return Outgoing(user, address, SentEmail.Kind.IMPORT, str(job.pk), "import", context)


def _what(job: ImportJob) -> str:
    """The import in words: "your export document", "entries.csv into Personal"."""
    name = f"“{job.file_name}”" if job.file_name else "your file"
    if job.portfolio_id is not None:
        return f"{name} into {job.portfolio.name}"
    return name


def import_email_send(*, job_id: int) -> int:
    """Send the e-mail of a finished job; how many were sent (0 if not finished or sent)."""
    job = (
        ImportJob.objects.select_related("owner", "portfolio")
        .filter(pk=job_id, state__in=(ImportJob.State.DONE, ImportJob.State.FAILED))
        .first()
    )
    if job is None:
        return 0
    # As every e-mail of the site: only to a verified primary address.
    address = (
        EmailAddress.objects.filter(user=job.owner, primary=True, verified=True)
        .values_list("email", flat=True)
        .first()
    )
    if address is None:
        return 0
    return deliver([import_outgoing(job, address)]).sent
