"""CSV import of entries: upload, preview with every row's problems, confirm; the template.

The upload checks what is quick (size, text, header) and stores the file as an
``ImportJob``; a worker reads its rows once into staged rows
(``dataport.staged_entries``). The preview page shows the job's progress until
then, and afterwards pages through the staged rows with SQL. The confirmation
queues the write, which checks the rows again against the portfolio's streams
as they are then, and writes all of them or none.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dataport import entries_csv as csv_import
from dataport import import_jobs, staged_entries
from dataport.forms import ConfirmForm, EntryImportForm
from dataport.models import ImportJob
from portfolio import categories
from portfolio.access import get_portfolio
from portfolio.models import Portfolio

PAGE_SIZE = staged_entries.PAGE_SIZE


def _get_job(request, pk: int, job_id: int) -> tuple[Portfolio, ImportJob]:
    portfolio = get_portfolio(request, pk, change=True)
    job = get_object_or_404(
        ImportJob, pk=job_id, portfolio=portfolio, kind=ImportJob.Kind.ENTRIES_CSV
    )
    return portfolio, job


@login_required
@require_http_methods(["GET", "POST"])
def entry_import(request, pk: int):
    """The upload form; a readable file is stored and its rows read in the background."""
    portfolio = get_portfolio(request, pk, change=True)
    if request.method == "POST":
        form = EntryImportForm(request.POST, request.FILES)
    else:
        form = EntryImportForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            # The checks of the file as a whole: fast, and the message stays on the form.
            csv_import.read_csv(data, ())
            job = import_jobs.job_start(
                owner=request.user,
                portfolio=portfolio,
                kind=ImportJob.Kind.ENTRIES_CSV,
                data=data,
                file_name=upload.name or "",
            )
        except csv_import.ImportFileError as error:
            form.add_error("file", str(error))
        except import_jobs.ImportRunning as running:
            form.add_error(None, str(running))
        else:
            return redirect("dataport:entry_import_preview", portfolio.pk, job.pk)
    context = {
        "portfolio": portfolio,
        "form": form,
        "category_groups": categories.CATEGORY_OPTGROUPS,
        "max_mb": csv_import.MAX_BYTES // (1024 * 1024),
        "tab": "entries",
    }
    return render(request, "dataport/entry_import/upload.html", context)


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < 10**6 else 1


def _figures(summary: dict) -> dict:
    """The job's stored summary with Python values again, for the template."""
    figures = dict(summary)
    for name in ("earned", "passive", "spending"):
        figures[name] = Decimal(summary.get(name) or 0)
    for name in ("first_date", "last_date"):
        figures[name] = summary.get(name) and date.fromisoformat(summary[name])
    return figures


@login_required
@require_GET
def entry_import_preview(request, pk: int, job_id: int):
    """The import's progress; once read, every row with its problems, a page at a time."""
    portfolio, job = _get_job(request, pk, job_id)
    context = {"portfolio": portfolio, "job": job, "tab": "entries"}
    if job.state != ImportJob.State.READY:
        return render(request, "dataport/entry_import/progress.html", context)
    problems_only = request.GET.get("show") == "problems"
    page = _page_number(request.GET.get("page", ""))
    figures = _figures(job.summary)
    shown_count = figures["error_count"] if problems_only else figures["row_count"]
    context |= {
        "preview": figures,
        "rows": staged_entries.page(job, number=page, problems_only=problems_only),
        "previous": staged_entries.previous_import(portfolio, job.file_hash),
        "form": ConfirmForm(),
        "problems_only": problems_only,
        "page": page,
        "pages": max(1, -(-shown_count // PAGE_SIZE)),
    }
    return render(request, "dataport/entry_import/preview.html", context)


@login_required
@require_POST
def entry_import_confirm(request, pk: int, job_id: int):
    """Queue the write of every staged row; a second import of a file needs the box ticked."""
    portfolio, job = _get_job(request, pk, job_id)
    back = redirect("dataport:entry_import_preview", portfolio.pk, job.pk)
    if job.state != ImportJob.State.READY:
        return back  # confirmed already (a double click), or not read yet
    form = ConfirmForm(request.POST)
    form.is_valid()  # a BooleanField that is not required is always valid
    again = form.cleaned_data["again"]
    if job.summary.get("error_count"):
        messages.error(request, "Some rows have a problem. Nothing was imported.")
        return back
    previous = staged_entries.previous_import(portfolio, job.file_hash)
    if previous is not None and not again:
        messages.error(request, import_jobs.duplicate_message(previous))
        return back
    try:
        import_jobs.job_confirm(job=job, allow_duplicate=again)
    except import_jobs.ImportRunning as running:
        messages.error(request, str(running))
    return back


@login_required
@require_GET
def entry_import_template(request):
    """An example CSV file with every column."""
    response = HttpResponse(csv_import.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="wealth-ratio-entries.csv"'
    return response
