"""The one list shape and the one place a page is cut.

Every list answers ``{"data": [...], "pagination": {"total", "limit", "offset", "has_more"}, ...extras}``
(the renderer adds ``"version"``), cut at the ``limit`` and ``offset`` of ``turf.params.PageParams``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.response import Response


class LazyRows:
    """A query counted and sliced in the database whose slice only is turned into rows (``to_rows``): what a
    selector returns for a list too large, or too costly per row, to build whole."""

    def __init__(self, queryset: QuerySet, to_rows: Callable[[list], list[dict]]):
        self.queryset, self.to_rows = queryset, to_rows

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, window: slice) -> list[dict]:
        return self.to_rows(list(self.queryset[window]))


def page(
    items: QuerySet | LazyRows | Sequence,
    params: dict,
    *,
    serializer: type[serializers.BaseSerializer] | None = None,
    context: dict | None = None,
    **extras: Any,
) -> Response:
    """The page of ``items`` at ``params``' limit and offset, each row through ``serializer`` when given."""
    limit, offset = params["limit"], params["offset"]
    total = len(items) if isinstance(items, Sequence) else items.count()
    rows = items[offset : offset + limit]
    data = serializer(rows, many=True, context=context or {}).data if serializer else list(rows)
    pagination = {"total": total, "limit": limit, "offset": offset, "has_more": offset + len(data) < total}
    return Response({"data": data, "pagination": pagination, **extras})
