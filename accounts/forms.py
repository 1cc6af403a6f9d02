"""Forms of the account area. (Sign-in is Django's own form; django-axes limits failures.)"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the system that will use it."),
    )
