"""Paging a list whose rows are costly to build (issue 12).

Django's ``Paginator`` slices the list's queryset: the database computes every column, join and
annotation of every row that matches before it sorts them and keeps one page. ``KeyPaginator``
chooses the page's keys with the filtered, ordered query alone (the sort reads an index, or
sorts narrow rows) and builds the full rows for those keys only, in the same single query
(``pk IN (SELECT pk … ORDER BY … LIMIT/OFFSET)``). Same count, same pages, same order; the
number of queries does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

Rows = Callable[[QuerySet[Any]], QuerySet[Any]]


class KeyPaginator(Paginator[Any]):
    """``rows(keys)`` returns the rows to show for a subquery of primary keys, in the list's
    order (it must not need the list's filters: the keys come from them)."""

    object_list: QuerySet[Any]

    def __init__(
        self, object_list: QuerySet[Any], per_page: int, rows: Rows, **kwargs: Any
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.rows = rows

    def page(self, number: int | str) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.object_list.values("pk")[bottom:top]
        page: Page[Any] = self._get_page(self.rows(keys), number, self)  # type: ignore[attr-defined]
        return page
