"""Cursor pagination in a stable order: a row added while a script pages is never
seen twice nor skipped."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    ordering = "pk"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
