"""The webhook settings page's form: it turns input into typed values; the service checks the
rules (the URL, the scope)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from webhooks import selectors
from webhooks.models import WebhookEventType


class WebhookForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the endpoint is, e.g. the system that receives the events."),
    )
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=500,
        help_text=_("The address the portal posts each event to, e.g. https://example.org/hooks."),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        help_text=_("Only events about objects within it, and that you may see, are sent."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [
            (f"enterprise:{enterprise.pk}", f"{enterprise.name} ({enterprise.uscc})")
            for enterprise in selectors.scope_enterprises_for(user)
        ]
        choices += [
            (f"authority:{authority.pk}", authority.name)
            for authority in selectors.scope_authorities_for(user)
        ]
        field = self.fields["scope"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        if choices:
            field.initial = choices[0][0]

    def scope_ids(self) -> dict[str, int]:
        """The chosen scope as the service's keyword argument."""
        kind, _colon, pk = self.cleaned_data["scope"].partition(":")
        return {f"{kind}_id": int(pk)}
