"""Reads of the public registry (no sign-in): certified factories and their certificates.

Only certificate facts are public: the factory, its enterprise and credit code, where it is,
and each certificate's number, tier, status and dates. Never assessment answers, scores,
claims, evidence or the people involved.

The lookup by credit code (banks, subsidy programmes, other government systems) is the hot
path: one query prepared on the server (core.prepared) however many factories and certificates
the enterprise has. The search reads a page of factories and then their certificates: two queries
whatever the page size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from certification.models import Certificate, Tier
from certification.verification import certificate_token_valid
from core import refcache
from core.i18n import english_active
from core.prepared import PreparedQuery
from factories.models import Factory
from regions.models import City, Province

TIER_ORDER = {tier: rank for rank, tier in enumerate(Tier.values)}  # basic ... leading


@dataclass(frozen=True)
class RegistryCertificate:
    number: str
    tier: str
    status: str
    issued_on: date
    status_changed_at: datetime | None


@dataclass
class RegistryFactory:
    id: int
    name: str
    enterprise: str
    uscc: str
    province_code: str
    province: str
    city_code: str
    city: str
    certificates: list[RegistryCertificate] = field(default_factory=list)

    @property
    def highest_active_tier(self) -> str | None:
        active = [c.tier for c in self.certificates if c.status == Certificate.Status.ACTIVE]
        return max(active, key=TIER_ORDER.__getitem__, default=None)

    @property
    def last_modified(self) -> datetime | None:
        return max(
            (c.status_changed_at for c in self.certificates if c.status_changed_at), default=None
        )


# The columns of a factory's registry entry, then of one of its certificates.
# (The region names come from the reference cache: two joins fewer for PostgreSQL to plan,
# which took longer than running the query.)
_FACTORY_COLUMNS = (
    "factory_id",
    "factory__name",
    "factory__enterprise__name",
    "factory__enterprise__uscc",
    "factory__province_id",
    "factory__city_id",
)
_CERTIFICATE_COLUMNS = ("number", "tier", "status", "issued_on", "status_changed_at")


def _certificate_rows(where: Q) -> QuerySet[Certificate, tuple[Any, ...]]:
    return (
        Certificate.objects.filter(where)
        .order_by("factory__enterprise_id", "factory__name", "factory_id", "-issued_on", "-pk")
        .values_list(*_FACTORY_COLUMNS, *_CERTIFICATE_COLUMNS)
    )


_BY_USCC = PreparedQuery(
    lambda uscc: _certificate_rows(Q(factory__enterprise__uscc=uscc)), uscc="~uscc~"
)


def _region_names() -> dict[str, tuple[str, str]]:
    """Chinese and English names of every province and city, by code (cached per process)."""

    def load() -> dict[str, tuple[str, str]]:
        names = {
            code: (zh, en)
            for code, zh, en in Province.objects.values_list("code", "name_zh", "name_en")
        }
        names.update(
            (code, (zh, en))
            for code, zh, en in City.objects.values_list("code", "name_zh", "name_en")
        )
        return names

    return refcache.cached("region-names", load)


def _entries(rows: Iterable[Sequence[Any]]) -> list[RegistryFactory]:
    english = english_active()
    regions = _region_names()

    def named(code: str) -> str:
        zh, en = regions.get(code, (code, code))
        return (en or zh) if english else zh

    entries: dict[int, RegistryFactory] = {}
    width = len(_FACTORY_COLUMNS)
    for row in rows:
        factory_id = row[0]
        entry = entries.get(factory_id)
        if entry is None:
            _id, name, enterprise, uscc, province_code, city_code = row[:width]
            entry = entries[factory_id] = RegistryFactory(
                id=factory_id,
                name=name,
                enterprise=enterprise,
                uscc=uscc,
                province_code=province_code,
                province=named(province_code),
                city_code=city_code,
                city=named(city_code),
            )
        entry.certificates.append(RegistryCertificate(*row[width:]))
    return list(entries.values())


def registry_lookup_by_uscc(uscc: str) -> list[RegistryFactory]:
    """Every certified factory of the enterprise with this credit code, with every certificate
    (newest first): one query, prepared on the server. Always read from the database, so that a
    change to a certificate, a name or a region shows on the next request. (A Redis cache in
    front of it was tried: a miss then cost two cache round trips and the query, and the query
    alone, once prepared, costs about one round trip.)"""
    return _entries(_BY_USCC.rows(uscc=uscc))


def registry_factories(
    *,
    uscc: str = "",
    name: str = "",
    province: str = "",
    city: str = "",
    tier: str = "",
    status: str = "",
) -> QuerySet[Factory]:
    """Factories with at least one certificate matching ``tier`` and ``status`` (any, when
    empty), narrowed by credit code (exact), enterprise or factory name (a substring, as
    typed: Chinese needs no pinyin) and region. In the list's order, for keyset pagination."""
    certificates = Certificate.objects.filter(factory=OuterRef("pk"))
    if tier:
        certificates = certificates.filter(tier=tier)
    if status:
        certificates = certificates.filter(status=status)
    qs = Factory.objects.filter(Exists(certificates)).order_by("enterprise_id", "name", "pk")
    if uscc:
        qs = qs.filter(enterprise__uscc=uscc)
    if name:
        qs = qs.filter(Q(name__contains=name) | Q(enterprise__name__contains=name))
    if city:
        qs = qs.filter(city_id=city)
    elif province:
        qs = qs.filter(province_id=province)
    return qs.only("pk", "enterprise_id", "name")


def registry_entries(factories: Sequence[Factory]) -> list[RegistryFactory]:
    """The registry entries of a page of factories, in the page's order: one query."""
    rows = _certificate_rows(Q(factory_id__any=[f.pk for f in factories]))
    by_id = {entry.id: entry for entry in _entries(rows)}
    return [by_id[f.pk] for f in factories if f.pk in by_id]


def registry_certificate(number: str, token: str) -> Certificate | None:
    """The certificate this verification link names, or None for a wrong token and an unknown
    number alike (the token is checked first, without a query)."""
    if not certificate_token_valid(number, token):
        return None
    found = _BY_NUMBER.objects(number=number)
    return found[0] if found else None


# Compiled once (a join of six tables takes longer to build and plan than to run).
_BY_NUMBER = PreparedQuery(
    lambda number: Certificate.objects.select_related(
        "factory__enterprise", "factory__province", "factory__city", "authority"
    ).filter(number=number)[:1],
    number="~number~",
)
