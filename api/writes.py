"""Writes through the pages' own forms, so the API refuses exactly what a page
refuses, with the same message (SPEC §13: a rule lives in one place)."""

from __future__ import annotations

from django import forms
from django.http import Http404
from rest_framework.exceptions import ValidationError

from portfolio.access import readable_q
from portfolio.models import Holding, Portfolio, Stream

# Fields of a body that name another row, and the rows the caller may read: a row
# they may not read answers 404 as its own endpoint does, whatever field names it.
REFERENCES = {
    "portfolio": lambda user: Portfolio.objects.filter(readable_q(user)),
    "holding": lambda user: Holding.objects.filter(readable_q(user, "portfolio__")),
    "secured_against": lambda user: Holding.objects.filter(readable_q(user, "portfolio__")),
    "stream": lambda user: Stream.objects.filter(readable_q(user, "portfolio__")),
}


def body_of(request) -> dict:
    """The JSON body as a form's data: one plain value for each field, as text."""
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    nested = {
        field: ["Send one value (a string, number, boolean or null), not a list or an object."]
        for field, value in request.data.items()
        if isinstance(value, (list, dict))
    }
    if nested:
        raise ValidationError(nested)
    return {field: _as_typed(value) for field, value in request.data.items()}


def _as_typed(value) -> str:
    """A JSON value as a browser would submit it: text (a form parses only text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_references(request, data: dict) -> None:
    for field, readable in REFERENCES.items():
        value = data.get(field)
        if value in (None, ""):
            continue
        try:
            pk = int(value)
        except (TypeError, ValueError):
            continue  # the form says it is not a valid choice
        if not readable(request.user).filter(pk=pk).exists():
            raise Http404


def merged(make_form, data: dict) -> dict:
    """A body as the page's form would be submitted: what the form shows (a new
    row's defaults, or an existing row's values for a PATCH), then the fields sent."""
    shown = make_form(None)
    return {**{name: shown[name].value() for name in shown.fields}, **data}


def validated(form: forms.BaseForm) -> forms.BaseForm:
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    return form


def form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    errors = {field: list(messages) for field, messages in form.errors.items()}
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return errors
