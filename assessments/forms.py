"""Browser forms of the self-assessment. They only read the request; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import ScopeLevel
from accounts.selectors import Scope
from factories.forms import CityChoiceField, IndustryChoiceField
from regions.models import City

LEVEL_CHOICES = [("", _("Any level"))] + [(str(number), str(number)) for number in range(6)]


class AssessmentStartForm(forms.Form):
    factory = forms.IntegerField(widget=forms.HiddenInput)
    # Sent by "start or continue" buttons: an existing draft is then simply opened.
    resume = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # "Start from my last assessment": the submitted assessment whose answers are carried over.
    copy_from = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AssessmentFilterForm(forms.Form):
    """The GET filters of the assessment list. Invalid values are ignored, not fatal."""

    level = forms.ChoiceField(label=_("Maturity level"), choices=LEVEL_CHOICES, required=False)
    city = CityChoiceField(label=_("City"), required=False, empty_label=_("Any city"))
    industry = IndustryChoiceField(
        label=_("Industry"), required=False, empty_label=_("Any industry")
    )
    year = forms.IntegerField(
        label=_("Year submitted"), required=False, min_value=2000, max_value=2100
    )
    factory = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the cities an official can see offer something to filter by.
        cities = City.objects.select_related("province")
        if scope.level in (ScopeLevel.PROVINCE, ScopeLevel.CITY):
            cities = cities.filter(province_id=scope.province_code)
        if scope.level == ScopeLevel.CITY:
            cities = cities.filter(pk=scope.city_code)
        city_field = self.fields["city"]
        assert isinstance(city_field, forms.ModelChoiceField)
        city_field.queryset = cities
        for name in ("level", "city", "industry"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["year"].widget.attrs["class"] = "form-control form-control-sm"

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.assessment_filter from the valid fields only."""
        if not self.is_bound:
            return {}
        self.is_valid()  # fills cleaned_data with the fields that are valid
        data = self.cleaned_data
        return {
            "level": data.get("level") or None,
            "city": data["city"].pk if data.get("city") else None,
            "industry": data["industry"].pk if data.get("industry") else None,
            "year": data.get("year"),
            "factory": data.get("factory"),
        }


class AnswerForm(forms.Form):
    """One requirement's answer as posted by its row; the service checks the values."""

    score = forms.CharField(required=False)
    note = forms.CharField(required=False, strip=False)


class EvidenceForm(forms.Form):
    requirement = forms.CharField(max_length=60)
    file = forms.FileField(label=_("Evidence file"), allow_empty_file=True)
