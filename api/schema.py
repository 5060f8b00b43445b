"""The OpenAPI description's error answers: every operation may answer a problem
(RFC 9457, api/problems.py), and says which."""

from __future__ import annotations

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "For each field (or non_field_errors), the messages of the page's form.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
READS = {
    "400": "A filter was refused.",
    "401": "No token, or an unknown, revoked or expired one.",
    "404": "No such row among those you may read.",
    "429": "Too many requests with this token; see Retry-After.",
}
WRITES = {
    **READS,
    "400": "The body was refused; errors has the messages of each field.",
    "403": "A read token, or a portfolio shared with you for viewing only.",
    "422": "This Idempotency-Key was used with another request.",
}


def problem_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the problems each operation may answer."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            answers = READS if method == "get" else WRITES
            for status, description in answers.items():
                operation["responses"].setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": ref}},
                    },
                )
    return result
