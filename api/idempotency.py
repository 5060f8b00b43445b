"""``Idempotency-Key`` on POST: a retried request returns the first response and
creates nothing (docs/api.md).

The key is claimed in the database, inside the transaction that makes the rows,
with a unique constraint: of two requests at once with one key, the second waits
on the index until the first commits and then reads its response; if the first
fails (a refused body), nothing was claimed and the second runs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from api.models import IdempotentRequest
from api.problems import problem

HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)
MAX_LENGTH = 255


def fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(stored: IdempotentRequest, print_: str) -> Response:
    if stored.fingerprint != print_:
        return problem(
            422,
            "This Idempotency-Key was already used with another request; "
            "use a new key for a new request.",
        )
    response = Response(stored.body, status=stored.status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request, create) -> Response:
    """``create()`` (which answers a Response) once per key and body within 24 hours."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return create()
    if len(key) > MAX_LENGTH:
        return problem(400, f"An Idempotency-Key has at most {MAX_LENGTH} characters.")
    user, print_ = request.user, fingerprint(request)
    # Keys older than a day are forgotten (the user's, so they never pile up).
    IdempotentRequest.objects.filter(user=user, created_at__lt=timezone.now() - KEPT_FOR).delete()
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = IdempotentRequest.objects.create(
                    user=user, key=key, fingerprint=print_, status=0, body={}
                )
        except IntegrityError:
            # Committed by an earlier request, or by one that held us on the index.
            return _replay(IdempotentRequest.objects.get(user=user, key=key), print_)
        response = create()
        if response.status_code >= 400:
            transaction.set_rollback(True)  # nothing made, nothing remembered
            return response
        claim.status, claim.body = response.status_code, response.data
        claim.save(update_fields=["status", "body"])
        return response
