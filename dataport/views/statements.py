"""Bank and broker statements: upload, map a new bank's columns, decide, confirm.

The upload stores the file as an ``ImportJob``; a worker reads it
(``dataport.import_jobs.statement_stage``). One page follows the job through its
states: its progress while a worker reads or writes it; the mapping form when a
CSV file comes from a bank without a saved layout; then the preview, where the
rows no rule decided are grouped by description, each group filed (optionally as
a new rule) or ignored with one form; then the outcome.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.validators import currency_choices
from dataport import import_jobs, statement_import, statement_reading
from dataport.forms import GroupDecisionForm, StatementMappingForm, StatementUploadForm
from dataport.models import ImportJob, ImportProfile, ImportRule
from dataport.statement_csv import CsvLayout, CsvMapping
from dataport.statement_lines import StatementFileError
from dataport.statement_rules import pattern_of
from portfolio import categories
from portfolio.access import get_portfolio
from portfolio.models import Portfolio

State = ImportJob.State
SHOWN = {
    "all": "All rows",
    "new": "To import",
    "undecided": "Without a category",
    "ignored": "Ignored",
    "duplicates": "Imported before",
    "maybe": "Maybe imported before",
    "problems": "With a problem",
}


def _get_job(request, pk: int, job_id: int) -> tuple[Portfolio, ImportJob]:
    portfolio = get_portfolio(request, pk, change=True)
    job = get_object_or_404(
        ImportJob.objects.select_related("profile"),
        pk=job_id,
        portfolio=portfolio,
        owner=request.user,
        kind=ImportJob.Kind.STATEMENT,
    )
    return portfolio, job


def _back(portfolio: Portfolio, job: ImportJob):
    return redirect("dataport:statement_preview", portfolio.pk, job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def statement_upload(request, pk: int):
    """The upload form; the file is stored and read in the background."""
    portfolio = get_portfolio(request, pk, change=True)
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            statement_reading.file_check(data, upload.name or "")  # the message stays on the form
            job = import_jobs.job_start(
                owner=request.user,
                portfolio=portfolio,
                kind=ImportJob.Kind.STATEMENT,
                data=data,
                file_name=upload.name or "",
            )
        except StatementFileError as error:
            form.add_error("file", str(error))
        except import_jobs.ImportRunning as running:
            form.add_error(None, str(running))
        else:
            return _back(portfolio, job)
    context = {
        "portfolio": portfolio,
        "form": form,
        "rule_count": ImportRule.objects.filter(portfolio=portfolio).count(),
        "tab": "entries",
    }
    return render(request, "dataport/statement/upload.html", context)


def _number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < 10**6 else 1


def _figures(summary: dict) -> dict:
    """The counts with Python values again, for the template."""
    figures = dict(summary)
    figures["totals"] = [
        {"currency": totals["currency"], **{g: Decimal(totals[g]) for g in categories.GROUPS}}
        for totals in summary["totals"]
    ]
    for name in ("first_date", "last_date"):
        figures[name] = summary.get(name) and date.fromisoformat(summary[name])
    return figures


@login_required
@require_GET
def statement_preview(request, pk: int, job_id: int):
    """The job's one page: progress, the mapping form, the preview, or the outcome."""
    portfolio, job = _get_job(request, pk, job_id)
    context = {"portfolio": portfolio, "job": job, "tab": "entries"}
    if job.state == State.MAPPING:
        layout = CsvLayout.from_dict(job.summary["layout"])
        form = StatementMappingForm(owner=request.user, layout=layout, profile=job.profile)
        form.initial = {**form.initial_mapping, "profile_name": _profile_name(job)}
        return render(request, "dataport/statement/mapping.html", context | _mapping(form))
    if job.state != State.READY:
        return render(request, "dataport/statement/progress.html", context)
    show = request.GET.get("show", "all")
    show = show if show in SHOWN else "all"
    figures = _figures(statement_import.summary(job))
    group_page = _number(request.GET.get("groups", ""))
    page = _number(request.GET.get("page", ""))
    shown_count = {
        "all": figures["row_count"],
        "new": figures["new_count"],
        "undecided": figures["undecided_count"],
        "ignored": figures["ignored_count"],
        "duplicates": figures["duplicate_count"],
        "maybe": figures["maybe_count"],
        "problems": figures["error_count"],
    }[show]
    groups = statement_import.groups(job, number=group_page)
    context |= {
        "preview": figures,
        "groups": [
            (group, _group_form(portfolio, group, number))
            for number, group in enumerate(groups, start=1)
        ],
        "group_page": group_page,
        "group_pages": max(1, -(-figures["group_count"] // statement_import.GROUP_PAGE_SIZE)),
        "rows": statement_import.page(job, number=page, show=show),
        "show": show,
        "shown": SHOWN,
        "shown_label": SHOWN[show],
        "page": page,
        "pages": max(1, -(-shown_count // statement_import.PAGE_SIZE)),
        "ready": figures["error_count"] == 0 and figures["undecided_count"] == 0,
    }
    return render(request, "dataport/statement/preview.html", context)


def _group_form(portfolio: Portfolio, group: dict, number: int) -> GroupDecisionForm:
    """One group's form; ids of its own, as a page holds many of them."""
    initial = {"normalized": group["normalized"]}
    return GroupDecisionForm(portfolio=portfolio, initial=initial, auto_id=f"id_group{number}_%s")


def _profile_name(job: ImportJob) -> str:
    """A first name for a new bank's layout: the file's name without dates and numbers."""
    if job.profile is not None:
        return job.profile.name
    stem = job.file_name.rsplit(".", 1)[0]
    words = [word for word in stem.replace("_", " ").replace("-", " ").split() if word.isalpha()]
    return " ".join(words)[:100] or "My bank"


ENCODINGS = {
    "utf-8-sig": "UTF-8",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "cp1252": "Windows-1252",
}


def _mapping(form: StatementMappingForm) -> dict:
    layout = form.layout
    return {
        "form": form,
        "layout": layout,
        "encoding": ENCODINGS.get(layout.encoding.lower(), layout.encoding),
        "columns": [(position, name) for position, name in enumerate(layout.header)],
        "read_as": _read_as(form),
        "read_currency": _account_currency(form),
    }


def _account_currency(form: StatementMappingForm) -> str:
    """The account's currency as the form has it (posted, if it is a currency): the
    sample's amounts are shown in it."""
    posted = form.data.get("currency", "")
    if posted in {code for code, _ in currency_choices()}:
        return posted
    return form.initial.get("currency") or form.owner.currency


def _read_as(form: StatementMappingForm) -> list:
    """The first rows read with the mapping shown on the form (the guess, the profile's, or
    what was just posted): the dates and amounts as they will be imported."""
    mapping = getattr(form, "mapping", None)
    if mapping is None and form.profile is not None:
        mapping = CsvMapping.from_dict(form.profile.mapping)
    mapping = mapping or form.layout.guess
    if mapping is None:
        return []
    try:
        return statement_reading.sample_lines(form.layout, mapping)
    except StatementFileError:
        return []


@login_required
@require_POST
def statement_map(request, pk: int, job_id: int):
    """Save the bank's layout (a profile) and read the file with it."""
    portfolio, job = _get_job(request, pk, job_id)
    if job.state not in (State.MAPPING, State.READY) or "layout" not in job.summary:
        return _back(portfolio, job)
    layout = CsvLayout.from_dict(job.summary["layout"])
    form = StatementMappingForm(
        request.POST, owner=request.user, layout=layout, profile=job.profile
    )
    if form.is_valid():
        try:
            with transaction.atomic():
                profile = _profile_save(request.user, job, layout, form)
                import_jobs.statement_mapped(job=job, profile=profile)
        except IntegrityError:
            form.add_error("profile_name", "You have a layout of this name already.")
        except import_jobs.ImportRunning as running:
            form.add_error(None, str(running))
        else:
            return _back(portfolio, job)
    context = {"portfolio": portfolio, "job": job, "tab": "entries"} | _mapping(form)
    return render(request, "dataport/statement/mapping.html", context)


def _profile_save(owner, job: ImportJob, layout, form: StatementMappingForm) -> ImportProfile:
    """Create the bank's profile, or update the one this file was read with."""
    profile = job.profile or ImportProfile(
        owner=owner, signature=statement_reading.signature_hash(layout)
    )
    profile.name = form.cleaned_data["profile_name"]
    profile.header = list(layout.header)
    profile.currency = form.cleaned_data["currency"]
    profile.mapping = form.mapping.to_dict()
    profile.save()
    return profile


@login_required
@require_POST
def statement_remap(request, pk: int, job_id: int):
    """From the preview back to the mapping form: the columns were read wrong."""
    portfolio, job = _get_job(request, pk, job_id)
    if "layout" in job.summary:
        import_jobs.statement_remap(job=job)
    return _back(portfolio, job)


@login_required
@require_POST
def statement_dates(request, pk: int, job_id: int):
    """Read a QIF file's dates the other way round (day-first or month-first)."""
    portfolio, job = _get_job(request, pk, job_id)
    if job.state == State.READY and job.summary.get("format") == "qif":
        day_first = job.summary.get("date_order") != "dmy"
        with transaction.atomic():
            ImportJob.objects.filter(pk=job.pk).update(summary={"day_first": day_first})
            job.refresh_from_db()
            try:
                import_jobs.statement_mapped(job=job, profile=None)
            except import_jobs.ImportRunning as running:
                messages.error(request, str(running))
    return _back(portfolio, job)


@login_required
@require_POST
def statement_decide(request, pk: int, job_id: int):
    """File or ignore one group of rows; as a rule for every later import if asked."""
    portfolio, job = _get_job(request, pk, job_id)
    if job.state != State.READY:
        return _back(portfolio, job)
    form = GroupDecisionForm(request.POST, portfolio=portfolio)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _back(portfolio, job)
    data = form.cleaned_data
    ignore = data["action"] == "ignore"
    normalized = data["normalized"]
    if data["make_rule"] and normalized:
        _rule_from_group(job, portfolio, data, ignore=ignore)
        statement_import.rules_apply(job)
        messages.success(
            request,
            f"Rule saved: rows with “{normalized}” are filed this way in this statement and"
            " every later one. Rules, on the entries page, lists it to change or delete.",
        )
    else:
        count = statement_import.group_decide(
            job,
            normalized=normalized,
            category=data["category"],
            stream=data["stream"],
            ignore=ignore,
        )
        # The group leaves the list of those to decide: say where its rows went.
        rows = f"{count} row{'' if count == 1 else 's'} with “{normalized}”"
        filed_as = "ignored" if ignore else f"filed as {categories.LABEL_OF[data['category']]}"
        messages.success(request, f"{rows} {filed_as}, in this statement only.")
    return _back(portfolio, job)


def _rule_from_group(
    job: ImportJob, portfolio: Portfolio, data: dict, *, ignore: bool
) -> ImportRule:
    """A new last rule for the group's description, in the group's direction if it has one."""
    rows = job.staged_entries.filter(statement_import.UNDECIDED, normalized=data["normalized"])
    has_in = rows.filter(bank_amount__gt=0).exists()
    has_out = rows.filter(bank_amount__lt=0).exists()
    direction = ImportRule.Direction.ANY
    if has_in != has_out:
        direction = ImportRule.Direction.IN if has_in else ImportRule.Direction.OUT
    last = ImportRule.objects.filter(portfolio=portfolio).aggregate(last=Max("position"))["last"]
    return ImportRule.objects.create(
        portfolio=portfolio,
        position=(last or 0) + 1,
        pattern=pattern_of(data["normalized"]),
        direction=direction,
        action=ImportRule.Action.IGNORE if ignore else ImportRule.Action.FILE,
        category="" if ignore else data["category"],
        stream=None if ignore else data["stream"],
    )


@login_required
@require_POST
def statement_skip_maybe(request, pk: int, job_id: int):
    """Ignore the rows that have an entry of their day and amount already."""
    portfolio, job = _get_job(request, pk, job_id)
    if job.state == State.READY:
        statement_import.maybe_ignore(job)
    return _back(portfolio, job)


@login_required
@require_POST
def statement_undo(request, pk: int, job_id: int):
    """Forget the decisions made by hand on this preview; the rules decide again."""
    portfolio, job = _get_job(request, pk, job_id)
    if job.state == State.READY:
        statement_import.undo_decisions(job)
    return _back(portfolio, job)


@login_required
@require_POST
def statement_confirm(request, pk: int, job_id: int):
    """Queue the write of the new rows: every row decided, none with a problem."""
    portfolio, job = _get_job(request, pk, job_id)
    if job.state != State.READY:
        return _back(portfolio, job)  # confirmed already (a double click)
    figures = statement_import.summary(job)
    if figures["error_count"]:
        messages.error(request, "Some rows have a problem. Nothing was imported.")
    elif figures["undecided_count"]:
        messages.error(request, "Some rows have no category yet: file or ignore them first.")
    else:
        try:
            import_jobs.job_confirm(job=job)
        except import_jobs.ImportRunning as running:
            messages.error(request, str(running))
    return _back(portfolio, job)
