"""CSV import of entries: upload, preview with every row's problems, confirm; the template.

Between the preview and the confirmation the uploaded file is kept on the
server, in the cache (Redis in production, shared by every web process; files
in development), compressed, for ``KEEP_SECONDS``, under the portfolio and the
hash of its rows (``dataport.kept_uploads``, which also forgets the files of a
deleted portfolio). The browser only carries the hash in the URL, so it cannot
swap the rows it was shown, and the confirmation reads and checks the file again
against the portfolio's streams as they are then.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dataport import entries_csv as csv_import
from dataport import kept_uploads
from dataport.forms import ConfirmForm, EntryImportForm
from dataport.models import EntryImport
from portfolio import categories
from portfolio.access import get_portfolio
from portfolio.models import Portfolio, Stream

PAGE_SIZE = 100
_HASH = re.compile(r"[0-9a-f]{64}")


def _known_streams(portfolio: Portfolio) -> list[csv_import.KnownStream]:
    rows = Stream.objects.filter(portfolio=portfolio).values_list("pk", "name", "category")
    return [csv_import.KnownStream(id=pk, name=name, category=cat) for pk, name, cat in rows]


def _kept_file(portfolio: Portfolio, file_hash: str) -> bytes | None:
    if not _HASH.fullmatch(file_hash):
        raise Http404
    return kept_uploads.kept(portfolio, file_hash)


def _previous_import(portfolio: Portfolio, file_hash: str) -> EntryImport | None:
    found = EntryImport.objects.filter(portfolio=portfolio, file_hash=file_hash)
    return found.order_by("-created_at", "-pk").first()


def _expired(request, portfolio: Portfolio):
    messages.error(
        request, "The uploaded file is no longer kept (after an hour). Please upload it again."
    )
    return redirect("dataport:entry_import", portfolio.pk)


@login_required
@require_http_methods(["GET", "POST"])
def entry_import(request, pk: int):
    """The upload form; a readable file is kept and its preview shown."""
    portfolio = get_portfolio(request, pk, change=True)
    if request.method == "POST":
        form = EntryImportForm(request.POST, request.FILES)
    else:
        form = EntryImportForm()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            csv_file = csv_import.read_csv(data, _known_streams(portfolio))
            result = csv_import.preview(csv_file)
            if result.row_count == 0:
                raise csv_import.ImportFileError("The file has no rows under its header line.")
        except csv_import.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            kept_uploads.keep(portfolio, result.file_hash, data)
            return redirect("dataport:entry_import_preview", portfolio.pk, result.file_hash)
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


@login_required
@require_GET
def entry_import_preview(request, pk: int, file_hash: str):
    """Every row with its problems, a page at a time; the import button when all are fine."""
    portfolio = get_portfolio(request, pk, change=True)
    data = _kept_file(portfolio, file_hash)
    if data is None:
        return _expired(request, portfolio)
    problems_only = request.GET.get("show") == "problems"
    page = _page_number(request.GET.get("page", ""))
    csv_file = csv_import.read_csv(data, _known_streams(portfolio))
    result = csv_import.preview(
        csv_file, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, problems_only=problems_only
    )
    pages = max(1, -(-result.shown_count // PAGE_SIZE))
    context = {
        "portfolio": portfolio,
        "file_hash": file_hash,
        "csv_file": csv_file,
        "preview": result,
        "previous": _previous_import(portfolio, file_hash),
        "form": ConfirmForm(),
        "problems_only": problems_only,
        "page": page,
        "pages": pages,
        "first_row_number": (page - 1) * PAGE_SIZE + 1,
        "tab": "entries",
    }
    return render(request, "dataport/entry_import/preview.html", context)


@login_required
@require_POST
def entry_import_confirm(request, pk: int, file_hash: str):
    """Write every row of the kept file, or none; a second import needs the box ticked."""
    portfolio = get_portfolio(request, pk, change=True)
    data = _kept_file(portfolio, file_hash)
    if data is None:
        return _expired(request, portfolio)
    form = ConfirmForm(request.POST)
    form.is_valid()  # a BooleanField that is not required is always valid
    back = redirect("dataport:entry_import_preview", portfolio.pk, file_hash)
    csv_file = csv_import.read_csv(data, _known_streams(portfolio))
    # Check every row before writing any: a bad last row costs one read, not a
    # rolled-back write of all the others. The streams may have changed since the
    # preview, so this is not the preview's verdict again.
    check = csv_import.preview(csv_file, limit=1, problems_only=True)
    if check.file_hash != file_hash:
        raise Http404  # cannot happen: the file is kept under the hash of its rows
    if not check.ok:
        messages.error(request, f"{check.rows[0].problem} Nothing was imported.")
        return back
    try:
        record = csv_import.entries_import(
            portfolio=portfolio,
            rows=csv_file.rows(),
            file_hash=file_hash,
            allow_duplicate=form.cleaned_data["again"],
        )
    except csv_import.DuplicateImport as duplicate:
        messages.error(
            request,
            f"You imported this file on {duplicate.previous.created_at:%Y-%m-%d}. "
            "Tick the box to import its entries a second time. Nothing was imported.",
        )
        return back
    except csv_import.ImportRejected as rejected:  # defence in depth: checked above
        messages.error(request, f"{rejected} Nothing was imported.")
        return back
    except IntegrityError:
        # A stream named in the file was deleted while the import ran.
        messages.error(request, "Your streams changed during the import. Nothing was imported.")
        return back
    kept_uploads.forget(portfolio, file_hash)
    messages.success(request, f"Imported {record.row_count:,} entries.")
    return redirect("portfolio:entry_list", portfolio.pk)


@login_required
@require_GET
def entry_import_template(request):
    """An example CSV file with every column."""
    response = HttpResponse(csv_import.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="wealth-ratio-entries.csv"'
    return response
