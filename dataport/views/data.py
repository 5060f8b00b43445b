"""Your data: download all of it (a JSON document or a zip of CSV files), import a document.

The formats are in ``dataport.export`` and docs/data-format.md; the checks of an
import in ``dataport.json_reader``, its all-or-nothing write in ``dataport.json_writer``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dataport import export as data_export
from dataport import json_reader, json_writer
from dataport.forms import MAX_MB, DataImportForm
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
    problems: list[str] = []
    form = DataImportForm()
    if request.method == "POST":
        form = DataImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = json_reader.read_document(
                    form.cleaned_data["file"].read(), today=user_today(request.user)
                )
                summary = json_writer.user_data_import(user=request.user, document=document)
            except json_reader.DataImportError as error:
                problems = error.problems
            else:
                messages.success(request, f"Imported {summary}. Your figures are ready.")
                return redirect("dashboard:dashboard")
    return render(
        request,
        "dataport/data_import.html",
        {
            "form": form,
            "problems": problems,
            "existing": json_writer.existing_data(request.user),
            "max_mb": MAX_MB,
        },
    )
