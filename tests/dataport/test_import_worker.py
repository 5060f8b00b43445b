"""The imports end to end: the web request stores and queues, a real worker imports, and the
outcome arrives as an e-mail at a real SMTP server."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dataport import export as data_export
from dataport.models import ImportJob, StagedEntry
from portfolio.limits import MAX_PORTFOLIOS
from portfolio.models import Entry, Portfolio
from tests.factories import UserFactory, full_account

pytestmark = pytest.mark.celery_worker

URL = reverse("dataport:import")


def upload(data: bytes, name: str, content_type: str) -> dict:
    return {"file": SimpleUploadedFile(name, data, content_type=content_type)}


def job_state(job_id: int) -> str:
    return ImportJob.objects.get(pk=job_id).state


def test_a_document_is_imported_by_the_worker_and_the_outcome_e_mailed(
    client, owner, start_worker, smtp_server
):
    source = UserFactory(email="source@example.com")
    full_account(source)
    document = data_export.export_json(source)
    worker = start_worker(EMAIL_URL=smtp_server.url)
    client.force_login(owner)

    response = client.post(URL, upload(document, "export.json", "application/json"))
    assert response.status_code == 302
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    # The request stored the file and queued the work; the worker does the rest.
    worker.wait_until(lambda: job_state(job_id) == "done", timeout=60, what="finished import")

    message = smtp_server.wait_for("owner@example.com", timeout=30)
    assert message["Subject"] == "Your import is done"
    assert "List-Unsubscribe" not in message  # asked for, not a newsletter
    text = smtp_server.text(message)
    assert "We imported “export.json”: 2 portfolios, 5 holdings" in text
    assert "Your figures are ready." in text
    assert set(Portfolio.objects.filter(owner=owner).values_list("name", flat=True)) == {
        "Personal",
        "Company",
    }
    page = client.get(reverse("dataport:import_job", args=[job_id])).text
    assert "Your figures are ready." in page
    assert bytes(ImportJob.objects.get(pk=job_id).data) == b""


def test_a_document_over_the_limits_fails_with_the_problems_e_mailed(
    client, owner, start_worker, smtp_server
):
    document = {
        "format": data_export.FORMAT,
        "version": data_export.VERSION,
        "portfolios": [{"id": n, "name": f"P{n}"} for n in range(1, MAX_PORTFOLIOS + 2)],
        "entries": [
            {"portfolio": n, "date": "1975-01-31", "amount": "1.00", "category": "rent"}
            for n in range(1, MAX_PORTFOLIOS + 2)
        ],
    }
    start_worker(EMAIL_URL=smtp_server.url)
    client.force_login(owner)
    response = client.post(URL, upload(json.dumps(document).encode(), "big.json", "text/json"))
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])

    message = smtp_server.wait_for("owner@example.com", timeout=60)
    assert message["Subject"] == "Your import did not go through"
    text = smtp_server.text(message)
    assert f"an account can have at most {MAX_PORTFOLIOS}" in text
    assert reverse("dataport:import_job", args=[job_id]) in text
    assert job_state(job_id) == "failed"
    assert list(Portfolio.objects.filter(owner=owner).values_list("name", flat=True)) == [
        "Personal"
    ]
    assert not Entry.objects.exists()


def test_a_csv_file_is_staged_previewed_and_written_by_the_worker(
    client, owner, start_worker, smtp_server
):
    portfolio = owner.portfolios.get()
    rows = "".join(f"2025-01-{day:02d},{day}.50,salary,,Day {day}\r\n" for day in range(1, 29))
    data = ("date,amount,category,stream,note\r\n" + rows).encode()
    worker = start_worker(EMAIL_URL=smtp_server.url)
    client.force_login(owner)

    response = client.post(
        reverse("dataport:entry_import", args=[portfolio.pk]),
        upload(data, "january.csv", "text/csv"),
    )
    assert response.status_code == 302
    preview = response["Location"]
    job_id = int(preview.rstrip("/").rsplit("/", 1)[1])
    worker.wait_until(lambda: job_state(job_id) == "ready", timeout=60, what="staged rows")
    assert StagedEntry.objects.filter(job_id=job_id).count() == 28
    page = client.get(preview).text
    assert "28 rows from 1 Jan 2025 to 28 Jan 2025" in page

    client.post(reverse("dataport:entry_import_confirm", args=[portfolio.pk, job_id]))
    message = smtp_server.wait_for("owner@example.com", timeout=60)
    assert message["Subject"] == "Your import is done"
    assert "We imported “january.csv” into Personal: 28 entries." in smtp_server.text(message)
    assert job_state(job_id) == "done"
    assert Entry.objects.filter(portfolio=portfolio).count() == 28
    assert not StagedEntry.objects.filter(job_id=job_id).exists()
    assert "Imported 28 entries." in client.get(preview).text


def test_an_import_whose_task_was_lost_is_queued_again_by_the_cleanup(owner, start_worker):
    """The broker was down at the upload: the job is stored, its message is not. The
    cleanup queues it again once it has waited past ``STALE_QUEUED``, and a worker
    then reads it; a job queued a moment ago is left to its own message."""
    import datetime as dt

    from django.utils import timezone

    from dataport import import_jobs

    portfolio = owner.portfolios.get()
    data = b"date,amount,category\r\n2025-01-31,4200,salary\r\n"
    # Stored as the upload stores it, without the message its commit would queue.
    lost = ImportJob.objects.create(
        owner=owner, portfolio=portfolio, kind=ImportJob.Kind.ENTRIES_CSV, file_name="lost.csv"
    )
    ImportJob.objects.filter(pk=lost.pk).update(
        data=data, updated_at=timezone.now() - import_jobs.STALE_QUEUED - dt.timedelta(minutes=1)
    )
    assert import_jobs.lost_tasks_resend(now=timezone.now() - dt.timedelta(minutes=2)) == 0

    worker = start_worker()
    assert import_jobs.lost_tasks_resend() == 1
    worker.wait_until(lambda: job_state(lost.pk) == "ready", timeout=60, what="staged rows")
    assert StagedEntry.objects.filter(job_id=lost.pk).count() == 1
    assert import_jobs.lost_tasks_resend() == 0  # taken: nothing left to send
