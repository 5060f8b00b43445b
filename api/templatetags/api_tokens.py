"""The access-token section of the account settings page (the page is the accounts
app's, which may not import this app; the template asks for the section instead)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("api/_tokens_section.html", takes_context=True)
def tokens_section(context):
    user = context["request"].user
    return {"tokens": list(user.access_tokens.all()), "request": context["request"]}
