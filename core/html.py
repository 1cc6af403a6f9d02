"""The HTML error path: put a domain error on the form fields it names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from core.errors import DomainError


def form_add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show each field message at its field; anything else at the top of the form."""
    placed = False
    for field, messages in exc.fields.items():
        target = field if field in form.fields else None
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


class CountedPaginator(Paginator):
    """A paginator told its number of rows (counted more cheaply elsewhere, e.g. from an index of
    the same rows) instead of counting the page's queryset."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count
