"""The HTML error path: put a domain error on the form fields it names."""

from __future__ import annotations

from django import forms

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
