"""Your data: download all of it (a JSON document or a zip of CSV files), import a document.

The formats are in ``dataport.export`` and docs/data-format.md. An import is stored
and run by a worker (``dataport.import_jobs``): the upload answers at once with the
job's page, which shows how far it is (``import_status``, polled by
static/js/import_progress.js) until it is done or failed.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dataport import export as data_export
from dataport import import_jobs, json_writer
from dataport.forms import MAX_MB, DataImportForm
from dataport.models import ImportJob
from portfolio.months import user_today


def _attachment(request, content: bytes, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    name = f"wealthratio-export-{user_today(request.user):%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@never_cache
@require_http_methods(["GET"])
def data_export_json(request):
    content = data_export.export_json(request.user)
    return _attachment(request, content, "application/json; charset=utf-8", "json")


@login_required
@never_cache
@require_http_methods(["GET"])
def data_export_zip(request):
    return _attachment(request, data_export.export_zip(request.user), "application/zip", "zip")


@login_required
@require_http_methods(["GET", "POST"])
def data_import(request):
    """The upload form: the document is stored and imported in the background."""
    problems: list[str] = []
    form = DataImportForm()
    existing = json_writer.existing_data(request.user)
    if request.method == "POST":
        form = DataImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if existing:
                problems = [json_writer.not_empty_message(existing)]
            else:
                try:
                    job = import_jobs.job_start(
                        owner=request.user,
                        kind=ImportJob.Kind.JSON,
                        data=upload.read(),
                        file_name=upload.name or "",
                    )
                except import_jobs.ImportRunning as running:
                    problems = [str(running)]
                else:
                    return redirect("dataport:import_job", job.pk)
    return render(
        request,
        "dataport/data_import.html",
        {
            "form": form,
            "problems": problems,
            "existing": existing,
            "running": import_jobs.running_job(request.user),
            "max_mb": MAX_MB,
        },
    )


def _get_job(request, job_id: int) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.select_related("portfolio"), pk=job_id, owner=request.user
    )


@login_required
@require_GET
def import_job(request, job_id: int):
    """Where an import is: the same page on every reload, until it is done or failed."""
    job = _get_job(request, job_id)
    if job.kind == ImportJob.Kind.ENTRIES_CSV:
        return redirect("dataport:entry_import_preview", job.portfolio_id, job.pk)
    if job.kind == ImportJob.Kind.STATEMENT:
        return redirect("dataport:statement_preview", job.portfolio_id, job.pk)
    return render(request, "dataport/import_job.html", {"job": job})


@login_required
@never_cache
@require_GET
def import_status(request, job_id: int):
    """The job's state and progress for the progress page's script, which polls it."""
    job = get_object_or_404(
        ImportJob.objects.only("state", "done", "total"), pk=job_id, owner=request.user
    )
    return JsonResponse(
        {
            "state": job.state,
            "label": job.get_state_display(),
            "done": job.done,
            "total": job.total,
        }
    )
