"""The account's import profiles ("import layouts" to the user): how each bank's CSV
statements read, saved at its first file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from dataport import statement_csv
from dataport.forms import column_letter
from dataport.models import ImportProfile
from dataport.profile_forms import PROFILE_NAME_TAKEN, ProfileRenameForm
from portfolio.saving import save_unique


def _get_profile(request, profile_id: int) -> ImportProfile:
    return get_object_or_404(ImportProfile, pk=profile_id, owner=request.user)


def _column(header: list, number) -> str:
    """A 0-based column of the mapping, as the mapping step shows it: "C · Betrag"."""
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        return "—"
    letter = column_letter(number)
    if number < len(header) and str(header[number]).strip():
        return f"{letter} · {header[number]}"
    return letter


def columns(profile: ImportProfile) -> list[tuple[str, str]]:
    """What each column of the profile's files is, as (what, which column) lines, from
    its ``mapping`` (``CsvMapping.to_dict()``); keys the mapping does not have are left
    out, so a profile saved by an older version still shows."""
    mapping, header = profile.mapping or {}, profile.header or []
    lines: list[tuple[str, str]] = []
    if "date_column" in mapping:
        when = _column(header, mapping["date_column"])
        if mapping.get("date_format"):
            pattern = str(mapping["date_format"])
            when += f", as {statement_csv.DATE_FORMATS.get(pattern, pattern)}"
        lines.append(("Date", when))
    for key, what in (
        ("amount_column", "Amount"),
        ("credit_column", "Money in"),
        ("debit_column", "Money out"),
        ("sign_column", "In or out"),
    ):
        if mapping.get(key) is not None:
            lines.append((what, _column(header, mapping[key])))
    marks = mapping.get("debit_marks") or []
    if mapping.get("sign_column") is not None and marks:
        shown = ", ".join(f"“{mark}”" for mark in marks)
        lines.append(("Money out when it says", shown))
    if mapping.get("decimal_separator"):
        comma = mapping["decimal_separator"] == ","
        lines.append(
            ("Decimals", "after a comma (1.234,56)" if comma else "after a point (1,234.56)")
        )
    described = mapping.get("description_columns") or []
    if described:
        lines.append(("Description", ", then ".join(_column(header, n) for n in described)))
    if mapping.get("bank_id_column") is not None:
        lines.append(("Bank's transaction id", _column(header, mapping["bank_id_column"])))
    if mapping.get("currency_column") is not None:
        lines.append(("Currency", _column(header, mapping["currency_column"])))
    if profile.currency:
        lines.append(("Currency of the account", profile.currency))
    return lines


@login_required
@require_safe
def profile_list(request):
    profiles = ImportProfile.objects.filter(owner=request.user)
    return render(
        request,
        "dataport/profiles/list.html",
        {"profiles": [(profile, columns(profile)) for profile in profiles]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request, profile_id: int):
    """Rename a profile (the mapping itself is made again by deleting it)."""
    profile = _get_profile(request, profile_id)
    old_name = profile.name
    form = ProfileRenameForm(request.POST or None, instance=profile)
    if (
        request.method == "POST"
        and form.is_valid()
        and (saved := save_unique(form, message=PROFILE_NAME_TAKEN))
    ):
        messages.success(request, f"Import layout “{old_name}” renamed “{saved.name}”.")
        return redirect("dataport:profiles")
    return render(
        request,
        "dataport/profiles/form.html",
        {"profile": profile, "old_name": old_name, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_delete(request, profile_id: int):
    profile = _get_profile(request, profile_id)
    if request.method == "POST":
        profile.delete()
        messages.success(
            request,
            f"Import layout “{profile.name}” deleted: the next file from this bank goes "
            "through the mapping step again.",
        )
        return redirect("dataport:profiles")
    return render(request, "dataport/profiles/delete.html", {"profile": profile})
