"""The public registry's pages (no sign-in): the search of certified factories, and the
verification of one certificate by the link printed with it (its QR code).

Both read through ``certification.registry``, as the API does: a lookup by credit code alone is
one query; any other search is a page of factories and then their certificates, two queries
whatever the page size, paged with the API's keyset cursor. Only certificate facts are shown.

Caching: each answer is ``Cache-Control: private, no-cache`` with an ETag, so that a browser may
keep a page but asks again every time (a status changed a second ago shows on the next request,
and an unchanged page is a 304). Private, not public: every page carries the visitor's CSRF
token (the language switcher posts). Signed-in visitors get ``private, no-store`` on top
(core.headers.PrivateCacheMiddleware). Machines that want shared caches use the API.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from rest_framework.request import Request

from certification.models import Certificate, Tier
from certification.registry import (
    RegistryCertificate,
    RegistryFactory,
    registry_certificate,
    registry_entries,
    registry_factories,
    registry_lookup_by_uscc,
)
from core.errors import DomainError
from core.i18n import english_active
from core.pagination import KeysetPagination
from factories.validators import USCC_LENGTH, normalize_uscc
from regions.reference import divisions

REGISTRY_PAGE_SIZE = 20
TEMPLATES = "certification/registry"
TIER_LABELS = dict(Tier.choices)
STATUS_LABELS = dict(Certificate.Status.choices)
# What the verification page says of each status, in one sentence.
VERDICTS: dict[str, Any] = {
    Certificate.Status.ACTIVE: gettext_lazy("This certificate is valid."),
    Certificate.Status.SUSPENDED: gettext_lazy(
        "This certificate is suspended: it is not valid while the suspension lasts."
    ),
    Certificate.Status.REVOKED: gettext_lazy(
        "This certificate has been revoked: it is no longer valid."
    ),
    Certificate.Status.SUPERSEDED: gettext_lazy(
        "This certificate has been superseded by a newer one and is no longer valid."
    ),
}


# --- the search form ---------------------------------------------------------------------------


def _region_name(row: dict[str, Any]) -> str:
    return str(row["name_en" if english_active() else "name_zh"])


def province_choices() -> list[tuple[str, str]]:
    """Provinces by code (GB/T 2260, read once per process: no query)."""
    return [
        (row["code"], _region_name(row))
        for row in divisions()["provinces"]
        if row["kind"] != "corps"  # a recommending unit, never a factory's province
    ]


def city_choices(province: str) -> list[tuple[str, Any]]:
    """The cities of ``province``; with none chosen, every city, grouped by province."""
    cities = divisions()["cities"]
    if province:
        return [(c["code"], _region_name(c)) for c in cities if c["province"] == province]
    grouped: dict[str, list[tuple[str, str]]] = {}
    for city in cities:
        grouped.setdefault(city["province"], []).append((city["code"], _region_name(city)))
    return [(name, grouped[code]) for code, name in province_choices() if code in grouped]


class RegistrySearchForm(forms.Form):
    """The registry's GET parameters: those of the API (``/api/v1/registry/``), each checked
    here so that a bad value is shown at its field."""

    uscc = forms.CharField(
        label=gettext_lazy("Unified social credit code"), required=False, max_length=40
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Part of the enterprise's or the factory's name."),
    )
    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False)
    city = forms.ChoiceField(label=gettext_lazy("City"), required=False)
    tier = forms.ChoiceField(
        label=gettext_lazy("Tier"),
        required=False,
        choices=[("", gettext_lazy("Any tier")), *Tier.choices],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *Certificate.Status.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces = province_choices()
        chosen = self.data.get("province", "") if self.is_bound else ""
        chosen = chosen if chosen in dict(provinces) else ""
        self._set_choices("province", [("", _("Any province")), *provinces])
        self._set_choices("city", [("", _("Any city")), *city_choices(chosen)])
        self.fields["uscc"].widget.attrs.update(autocomplete="off", spellcheck="false")

    def _set_choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean_uscc(self) -> str:
        value: str = self.cleaned_data["uscc"]
        value = normalize_uscc(value) if value.strip() else ""
        if value and len(value) != USCC_LENGTH:
            raise forms.ValidationError(_("A credit code has 18 characters."))
        return value

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"]).strip()

    def criteria(self) -> dict[str, str]:
        """The filled-in criteria (valid form only): ``registry_factories``' arguments."""
        return {key: value for key, value in self.cleaned_data.items() if value}


class _RegistryPages(KeysetPagination):
    """The API's keyset pages (its cursor and ``page_size``), with the page's own default."""

    def page_size(self, request: Request) -> int:
        if not request.query_params.get(self.page_size_query_param):
            return REGISTRY_PAGE_SIZE
        return super().page_size(request)


# --- what the search page shows ---------------------------------------------------------------


@dataclass(frozen=True)
class CertificateRow:
    certificate: RegistryCertificate
    tier_label: str
    status_label: str


@dataclass(frozen=True)
class FactoryCard:
    entry: RegistryFactory
    highest_tier: str | None
    highest_tier_label: str
    certificates: list[CertificateRow]


def _card(entry: RegistryFactory) -> FactoryCard:
    highest = entry.highest_active_tier
    return FactoryCard(
        entry=entry,
        highest_tier=highest,
        highest_tier_label=str(TIER_LABELS[highest]) if highest else "",
        certificates=[
            CertificateRow(c, str(TIER_LABELS.get(c.tier, c.tier)), str(STATUS_LABELS[c.status]))
            for c in entry.certificates
        ],
    )


def _relative(url: str | None) -> str | None:
    """A link of this site without its scheme and host."""
    if not url:
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _search(
    request: HttpRequest, form: RegistrySearchForm, criteria: dict[str, str]
) -> tuple[list[RegistryFactory], str | None]:
    """The entries the criteria find, and the link to the next page (if any)."""
    if set(criteria) == {"uscc"}:  # the quick lookup: one query, every factory at once
        return registry_lookup_by_uscc(criteria["uscc"]), None
    pages = _RegistryPages()
    try:
        page = pages.paginate_queryset(registry_factories(**criteria), Request(request))
    except DomainError as error:  # a bad cursor or page size (no field of the form shows them)
        form.add_error(None, str(error.message))
        return [], None
    return registry_entries(page), _relative(pages.next_url)


# --- caching ----------------------------------------------------------------------------------


def _render_revalidated(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The page, which a browser may keep but must revalidate every time: an ETag of the body
    (but for the CSRF token's per-render mask) and of the visitor's CSRF secret, so that a 304
    never brings back a page whose language form would be refused."""
    token = get_token(request)  # the one mask this render uses (base.html shows it twice)
    response = render(request, template, {**context, "csrf_token": token}, status=status)
    patch_cache_control(response, private=True, no_cache=True)
    if status != 200:
        return response
    digest = hashlib.sha256(request.META.get("CSRF_COOKIE", "").encode())
    digest.update(response.content.replace(token.encode(), b""))
    etag = quote_etag(digest.hexdigest()[:32])
    response["ETag"] = etag
    return get_conditional_response(request, etag=etag, response=response) or response


# --- the views --------------------------------------------------------------------------------


@require_safe
def registry_page(request: HttpRequest) -> HttpResponse:
    """Search the registry by credit code, name, region, tier and status (GET parameters)."""
    form = RegistrySearchForm(request.GET or None)
    entries: list[RegistryFactory] = []
    next_url: str | None = None
    searched = False
    if form.is_bound and form.is_valid() and (criteria := form.criteria()):
        searched = True
        entries, next_url = _search(request, form, criteria)
    context = {
        "form": form,
        # Fields marked valid or not only when one is not (django-bootstrap5 would mark them
        # all valid after any search otherwise).
        "field_errors": any(form[name].errors for name in form.fields),
        "searched": searched and not form.errors,
        "cards": [_card(entry) for entry in entries],
        "next_url": next_url,
        "paged": bool(request.GET.get("cursor")),
    }
    return _render_revalidated(request, f"{TEMPLATES}/search.html", context)


@require_safe
def verify_page(request: HttpRequest, number: str) -> HttpResponse:
    """One certificate's status now, for whoever holds its printed link. A wrong token and an
    unknown number get the same 404 page: numbers cannot be walked."""
    certificate = registry_certificate(number, request.GET.get("t", ""))
    if certificate is None:
        return _render_revalidated(request, f"{TEMPLATES}/not_found.html", {}, status=404)
    context = {"certificate": certificate, "verdict": VERDICTS.get(certificate.status, "")}
    return _render_revalidated(request, f"{TEMPLATES}/verify.html", context)
