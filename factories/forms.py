from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from factories.models import Industry
from factories.validators import normalize_uscc, uscc_registration_authority, validate_uscc
from regions.models import City


class CityChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=City.objects.select_related("province"), **kwargs)

    def label_from_instance(self, obj: City) -> str:
        return f"{obj.code} {obj.province.name} · {obj.name}"


class IndustryChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Industry.objects.all(), **kwargs)


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("Enterprise name"), max_length=200)
    city = CityChoiceField(label=_("Registered city"))
    industry = IndustryChoiceField(label=_("Industry (GB/T 4754-2017)"))
    above_designated_size = forms.BooleanField(label=_("Above designated size"), required=False)
    is_central_soe_group = forms.BooleanField(
        label=_("Central state-owned enterprise group"), required=False
    )


class EnterpriseRegisterForm(EnterpriseForm):
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        help_text=_("18 characters, printed on the business licence."),
    )
    factory_name = forms.CharField(label=_("First factory: name"), max_length=200)
    factory_address = forms.CharField(label=_("First factory: address"), max_length=300)
    factory_city = CityChoiceField(label=_("First factory: city"))
    factory_industry = IndustryChoiceField(
        label=_("First factory: industry"),
        required=False,
        help_text=_("Leave empty to use the enterprise's industry."),
    )

    field_order = ["uscc", "name", "city", "industry"]

    def clean_uscc(self) -> str:
        value = normalize_uscc(self.cleaned_data["uscc"])
        validate_uscc(value)
        # Shown under the field when the form comes back (another field needs fixing), so that
        # the user sees which registration authority the code names. (The bound field, made
        # before cleaning, holds its own copy of the help text.)
        authority = uscc_registration_authority(value)
        if authority:
            self["uscc"].help_text = _("Registration authority: %(authority)s") % {
                "authority": authority
            }
        return value


class FactoryForm(forms.Form):
    name = forms.CharField(label=_("Factory name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300)
    city = CityChoiceField(label=_("City"))
    industry = IndustryChoiceField(label=_("Industry (GB/T 4754-2017)"))


# --- the cultivation pool ----------------------------------------------------------------------


class PoolFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)


class PoolAddForm(forms.Form):
    """A factory (chosen among the search results of the official's city), a year, a reason.
    The service checks the business rules (the city, the year's range, one entry a year) and
    the view shows its refusals at these fields."""

    factory = forms.IntegerField(
        label=_("Factory"),
        min_value=1,
        error_messages={"required": _("Search for the factory and choose it.")},
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "factory":
                field.widget.attrs.setdefault("class", "form-control")


class PoolRemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the removal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
