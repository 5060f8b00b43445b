"""The rules page of a portfolio: how statement rows are filed, in the order they apply."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dataport import statement_import
from dataport.models import ImportRule
from dataport.rule_forms import RuleForm, prefill
from portfolio.access import get_portfolio
from portfolio.models import Portfolio


def _get_rule(request, pk: int, rule_id: int, *, change: bool) -> ImportRule:
    portfolio = get_portfolio(request, pk, change=change)
    return get_object_or_404(
        ImportRule.objects.select_related("stream"), pk=rule_id, portfolio=portfolio
    )


def _locked(portfolio: Portfolio) -> None:
    """Hold the portfolio's row until the transaction ends: positions are read and
    written by one change at a time."""
    Portfolio.objects.select_for_update().filter(pk=portfolio.pk).first()


@login_required
@require_safe
def rule_list(request, pk: int):
    portfolio = get_portfolio(request, pk)
    rules = ImportRule.objects.filter(portfolio=portfolio).select_related("stream")
    return render(
        request,
        "dataport/rules/list.html",
        {"portfolio": portfolio, "tab": "entries", "rules": list(rules)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request, pk: int):
    """A new rule, at the end; from a statement preview's row, prefilled from the query
    string, and once saved the preview's rows are decided again with it."""
    portfolio = get_portfolio(request, pk, change=True)
    form = RuleForm(
        request.POST or None, portfolio=portfolio, initial=prefill(request.GET, portfolio)
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            _locked(portfolio)
            rule = form.save()
            statement_import.open_previews_decide(portfolio.pk)
        messages.success(request, f"Rule for “{rule.pattern}” added.")
        job = form.statement_job(request.user)
        if job is not None:
            return redirect(reverse("dataport:statement_preview", args=[portfolio.pk, job.pk]))
        return redirect("dataport:rules", portfolio.pk)
    return render(
        request,
        "dataport/rules/form.html",
        # Cancel goes back to the preview the rule is made from.
        {"portfolio": portfolio, "tab": "entries", "form": form, "job": form["job"].value()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int, rule_id: int):
    rule = _get_rule(request, pk, rule_id, change=True)
    pattern = rule.pattern  # the form changes the instance, even when it refuses the rest
    form = RuleForm(request.POST or None, instance=rule, portfolio=rule.portfolio)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            statement_import.open_previews_decide(rule.portfolio_id)
        messages.success(request, f"Rule for “{rule.pattern}” saved.")
        return redirect("dataport:rules", rule.portfolio_id)
    return render(
        request,
        "dataport/rules/form.html",
        {
            "portfolio": rule.portfolio,
            "tab": "entries",
            "form": form,
            "rule": rule,
            "pattern": pattern,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_delete(request, pk: int, rule_id: int):
    rule = _get_rule(request, pk, rule_id, change=True)
    if request.method == "POST":
        statement_import.rule_delete(rule)
        messages.success(request, f"Rule for “{rule.pattern}” deleted.")
        return redirect("dataport:rules", rule.portfolio_id)
    return render(
        request,
        "dataport/rules/delete.html",
        {"portfolio": rule.portfolio, "tab": "entries", "rule": rule},
    )


@login_required
@require_POST
def rule_move(request, pk: int, rule_id: int):
    """Swap the rule with the one above (``direction=up``) or below (``down``), and
    number the portfolio's rules 0, 1, 2… again."""
    rule = _get_rule(request, pk, rule_id, change=True)
    back = redirect("dataport:rules", rule.portfolio_id)
    step = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if step is None:
        messages.error(request, "Nothing was moved: move a rule up or down.")
        return back
    with transaction.atomic():
        _locked(rule.portfolio)
        rules = list(ImportRule.objects.filter(portfolio=rule.portfolio))
        index = next((i for i, other in enumerate(rules) if other.pk == rule.pk), None)
        if index is None:  # deleted meanwhile
            raise Http404("No such rule.")
        if not 0 <= index + step < len(rules):
            where = "first" if step < 0 else "last"
            messages.info(request, f"The rule for “{rule.pattern}” is already the {where}.")
            return back
        rules[index], rules[index + step] = rules[index + step], rules[index]
        for position, other in enumerate(rules):
            other.position = position
        ImportRule.objects.bulk_update(rules, ["position"])
        statement_import.open_previews_decide(rule.portfolio_id)
    messages.success(request, f"Rule for “{rule.pattern}” moved {request.POST['direction']}.")
    return back
