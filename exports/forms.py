"""The export control of the list pages: which list, which format, and the page's query
string (its filters)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from exports.models import ExportJob


class ExportRequestForm(forms.Form):
    kind = forms.CharField(max_length=40)
    format = forms.ChoiceField(choices=ExportJob.Format.choices)
    query = forms.CharField(required=False, max_length=2000)

    def filters(self) -> QueryDict:
        return QueryDict(self.cleaned_data.get("query") or "")
