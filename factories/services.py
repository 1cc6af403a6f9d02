"""Writes for enterprises, factories, memberships and the cultivation pool."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, Role, User
from accounts.services import notification_send
from core.data import read_json_file
from core.errors import Conflict, DomainError, PermissionDenied
from core.outbox import outbox_add
from core.uniqueness import save_unless_exists
from factories.models import (
    CultivationPoolEntry,
    Enterprise,
    EnterprisePresence,
    Factory,
    Industry,
    Membership,
    PoolEvent,
    PoolEventType,
    in_pool,
)
from factories.selectors import enterprise_can_manage
from factories.validators import normalize_uscc
from regions.models import Authority, City
from regions.services import reference_rows_sync


def _full_clean(instance: Any, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise DomainError(
            _("Please correct the highlighted fields."), code="invalid", fields=exc.message_dict
        ) from exc


def _require_manager(actor: User, enterprise: Enterprise) -> None:
    decision = enterprise_can_manage(actor, enterprise)
    if not decision:
        raise PermissionDenied(decision.reason)


@transaction.atomic
def enterprise_register(
    *,
    actor: User,
    uscc: str,
    name: str,
    city: City,
    industry: Industry,
    above_designated_size: bool,
    is_central_soe_group: bool = False,
    factory_name: str,
    factory_address: str,
    factory_city: City,
    factory_industry: Industry | None = None,
) -> Enterprise:
    """An enterprise user registers an enterprise and its first factory, and becomes its admin."""
    if actor.role != Role.ENTERPRISE_USER:
        raise PermissionDenied(_("Only enterprise users can register an enterprise."))
    uscc = normalize_uscc(uscc)
    enterprise = Enterprise(
        uscc=uscc,
        name=(name or "").strip(),
        city=city,
        industry=industry,
        above_designated_size=above_designated_size,
        is_central_soe_group=is_central_soe_group,
        created_by=actor,
    )
    enterprise_locate(enterprise)
    _full_clean(enterprise)
    existing = save_unless_exists(enterprise, clash=Enterprise.objects.filter(uscc=uscc))
    if existing is not None:
        message = _("An enterprise with this credit code is already registered.")
        raise Conflict(
            message, code="duplicate_uscc", fields={"uscc": [message]}, existing_id=existing.pk
        )
    Membership.objects.create(user=actor, enterprise=enterprise, role=Membership.Role.ADMIN)
    outbox_add("enterprise_registered", enterprise_id=enterprise.pk)
    _factory_save(
        Factory(
            enterprise=enterprise,
            name=(factory_name or "").strip(),
            address=(factory_address or "").strip(),
            city=factory_city,
            industry=factory_industry or industry,
        ),
        field_prefix="factory_",
    )
    return enterprise


def factory_locate(factory: Factory) -> None:
    """Derive the factory's province and whether it is away from its enterprise's registered
    city, from its city (before it is saved; every path that saves a factory calls this)."""
    factory.province_id = factory.city.province_id
    factory.away = factory.city_id != factory.enterprise.city_id


def enterprise_locate(enterprise: Enterprise) -> None:
    """Derive the enterprise's province from its registered city (before it is saved)."""
    enterprise.province_id = enterprise.city.province_id


def enterprise_factories_mark_away(enterprise: Enterprise) -> int:
    """After the enterprise's registered city changed: which of its factories are away."""
    return Factory.objects.filter(enterprise=enterprise).update(
        away=Case(When(city_id=enterprise.city_id, then=Value(False)), default=Value(True))
    )


# Each enterprise's regions: its registered province and city, and those of its factories away
# from the registered city (the others are in it). UNION drops the repeats. Plain SQL that
# PostgreSQL and SQLite both run, so that a whole country is rebuilt in one statement.
_PRESENCE_SELECT = """
    SELECT e.province_id, e.id, e.name FROM {enterprise} e WHERE {only}
    UNION SELECT e.city_id, e.id, e.name FROM {enterprise} e WHERE {only}
    UNION SELECT f.province_id, e.id, e.name
            FROM {factory} f JOIN {enterprise} e ON e.id = f.enterprise_id WHERE f.away AND {only}
    UNION SELECT f.city_id, e.id, e.name
            FROM {factory} f JOIN {enterprise} e ON e.id = f.enterprise_id WHERE f.away AND {only}
"""


def enterprise_presence_refresh(enterprise_ids: Collection[int] | None = None) -> int:
    """Rebuild the ``EnterprisePresence`` rows of these enterprises (None: of every enterprise)
    from the enterprises and their factories, in the caller's transaction. Every path that
    creates an enterprise or a factory, renames or moves one, or deletes a factory calls this
    afterwards. Returns the number of rows written."""
    quote = connection.ops.quote_name
    table = quote(EnterprisePresence._meta.db_table)
    rows = EnterprisePresence.objects.all()
    params: list[int] = []
    only = "1 = 1"
    if enterprise_ids is not None:
        ids = sorted(set(enterprise_ids))
        if not ids:
            return 0
        rows = rows.filter(enterprise_id__in=ids)
        only = f"e.id IN ({', '.join(['%s'] * len(ids))})"
        params = ids * 4  # once per SELECT of the union
    rows._raw_delete(rows.db)  # no cascades or signals: nothing refers to these rows
    select = _PRESENCE_SELECT.format(
        enterprise=quote(Enterprise._meta.db_table),
        factory=quote(Factory._meta.db_table),
        only=only,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (region_code, enterprise_id, name) {select}", params)
        return cursor.rowcount


def _factory_save(factory: Factory, *, field_prefix: str = "") -> Factory:
    factory_locate(factory)
    try:
        factory.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise DomainError(
            _("Please correct the highlighted fields."),
            fields={f"{field_prefix}{key}": value for key, value in exc.message_dict.items()},
        ) from exc
    clash = Factory.objects.filter(enterprise=factory.enterprise, name=factory.name)
    if factory.pk:
        clash = clash.exclude(pk=factory.pk)
    existing = save_unless_exists(factory, clash=clash)
    if existing is not None:
        message = _("This enterprise already has a factory with this name.")
        raise Conflict(
            message,
            code="duplicate_factory",
            fields={f"{field_prefix}name": [message]},
            existing_id=existing.pk,
        )
    enterprise_presence_refresh([factory.enterprise_id])
    return factory


def enterprise_registered_notify(*, enterprise_id: int) -> int:
    """Notify the city officials of the enterprise's registered city. Idempotent per enterprise;
    returns how many officials were newly notified (0 when already done or none exist)."""
    enterprise = Enterprise.objects.select_related("city").filter(pk=enterprise_id).first()
    if enterprise is None:
        return 0
    officials = User.objects.filter(
        role=Role.CITY_OFFICIAL, authority__city_id=enterprise.city_id, is_active=True
    )
    # Officials read the portal in its default language; the registrant's does not matter.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("New enterprise registered: %(name)s") % {"name": enterprise.name}
        body = _(
            "%(name)s (credit code %(uscc)s) registered in %(city)s and may file a basic-tier "
            "declaration with your bureau."
        ) % {"name": enterprise.name, "uscc": enterprise.uscc, "city": enterprise.city.name}
    return notification_send(
        recipients=officials,
        key=f"enterprise-registered:{enterprise.pk}",
        kind=NotificationKind.ACCOUNT,
        subject=subject,
        body=body,
        link=reverse("enterprise-detail", kwargs={"pk": enterprise.pk}),
    )


@transaction.atomic
def enterprise_update(
    *,
    actor: User,
    enterprise: Enterprise,
    name: str,
    city: City,
    industry: Industry,
    above_designated_size: bool,
    is_central_soe_group: bool,
) -> Enterprise:
    """Members change the enterprise's details. The credit code never changes."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _require_manager(actor, enterprise)
    enterprise.name = (name or "").strip()
    moved = city.pk != enterprise.city_id
    enterprise.city = city
    enterprise_locate(enterprise)
    enterprise.industry = industry
    enterprise.above_designated_size = above_designated_size
    enterprise.is_central_soe_group = is_central_soe_group
    _full_clean(enterprise, exclude=["uscc"])
    enterprise.save()
    if moved:
        enterprise_factories_mark_away(enterprise)
    enterprise_presence_refresh([enterprise.pk])  # the name or the regions may have changed
    return enterprise


@transaction.atomic
def factory_create(
    *,
    actor: User,
    enterprise: Enterprise,
    name: str,
    address: str,
    city: City,
    industry: Industry,
) -> Factory:
    _require_manager(actor, enterprise)
    return _factory_save(
        Factory(
            enterprise=enterprise,
            name=(name or "").strip(),
            address=(address or "").strip(),
            city=city,
            industry=industry,
        )
    )


@transaction.atomic
def factory_update(
    *,
    actor: User,
    factory: Factory,
    name: str,
    address: str,
    city: City,
    industry: Industry,
) -> Factory:
    factory = Factory.objects.select_for_update().select_related("enterprise").get(pk=factory.pk)
    _require_manager(actor, factory.enterprise)
    if city.pk != factory.city_id and _factory_is_under_review_or_certified(factory):
        message = _(
            "A factory with an open application or a current certificate cannot move to another "
            "city; ask the city bureau."
        )
        raise DomainError(message, code="factory_locked", fields={"city": [message]})
    moved = city.pk != factory.city_id
    factory.name = (name or "").strip()
    factory.address = (address or "").strip()
    # The factory's earlier assessments, applications and certificates keep the region they were
    # made in (they stay with the authorities that handled them); a draft assessment, which no
    # authority has seen, moves with the factory.
    factory.city = city
    factory.industry = industry
    factory = _factory_save(factory)
    if moved:
        assessment = apps.get_model("assessments", "Assessment")
        assessment.objects.filter(factory=factory, status="draft").update(
            province_id=factory.province_id, city_id=factory.city_id
        )
    return factory


def _factory_is_under_review_or_certified(factory: Factory) -> bool:
    """Its city decides who reviews it: an open application or a current certificate pins it.

    (The certification app builds on this one, so its models are looked up, not imported.)
    """
    application = apps.get_model("certification", "Application")
    certificate = apps.get_model("certification", "Certificate")
    return (
        application.objects.filter(factory=factory, status__in=application.OPEN_STATUSES).exists()
        or certificate.objects.filter(factory=factory, status__in=["active", "suspended"]).exists()
    )


def pool_years(today: date | None = None) -> range:
    """The years a factory can be put into the pool for: last year to two years ahead."""
    year = (today or timezone.localdate()).year
    return range(year - 1, year + 3)


def _require_city_official(actor: User) -> Authority:
    authority: Authority | None = actor.authority
    if actor.role != Role.CITY_OFFICIAL or authority is None or authority.city_id is None:
        raise PermissionDenied(_("Only city officials can maintain the cultivation pool."))
    return authority


def _pool_event(
    *,
    entry: CultivationPoolEntry,
    event_type: PoolEventType,
    actor: User,
    reason: str,
    extra: dict[str, Any],
) -> PoolEvent:
    return PoolEvent.objects.create(
        entry=entry,
        event_type=event_type,
        actor=actor,
        acting_authority=actor.authority,
        reason=reason,
        extra_data=extra,
    )


@transaction.atomic
def pool_entry_add(
    *, actor: User, factory: Factory, year: int, reason: str
) -> CultivationPoolEntry:
    """A city official puts a factory of their city into the key cultivation pool for a year."""
    authority = _require_city_official(actor)
    if factory.city_id != authority.city_id:
        message = _("This factory is not in your city.")
        raise PermissionDenied(message, fields={"factory": [message]})
    years = pool_years()
    if year not in years:
        message = _("Choose a year from %(first)s to %(last)s.") % {
            "first": years[0],
            "last": years[-1],
        }
        raise DomainError(message, code="year_out_of_range", fields={"year": [message]})
    if not (reason or "").strip():
        message = _("Give the reason for adding the factory.")
        raise DomainError(message, fields={"reason": [message]})
    entry = CultivationPoolEntry(
        factory=factory, authority=authority, year=year, reason=reason.strip(), added_by=actor
    )
    clash = CultivationPoolEntry.objects.filter(in_pool(), factory=factory, year=year)
    existing = save_unless_exists(entry, clash=clash)
    if existing is not None:
        message = _("This factory is already in the cultivation pool for %(year)s.") % {
            "year": year
        }
        raise Conflict(
            message, code="already_in_pool", fields={"year": [message]}, existing_id=existing.pk
        )
    _pool_event(
        entry=entry,
        event_type=PoolEventType.ADDED,
        actor=actor,
        reason=entry.reason,
        extra={"factory": factory.pk, "year": year},
    )
    return entry


@transaction.atomic
def pool_entry_remove(
    *, actor: User, entry: CultivationPoolEntry, reason: str
) -> CultivationPoolEntry:
    """A city official takes a factory out of the pool. The row stays, stamped with who, when
    and why; it no longer counts for the advanced tier."""
    authority = _require_city_official(actor)
    locked = CultivationPoolEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.authority_id != authority.pk:
        raise PermissionDenied(_("This entry belongs to another city's pool."))
    if locked.removed_at is not None:
        raise Conflict(
            _("This factory has already been removed from the pool."), code="already_removed"
        )
    if not (reason or "").strip():
        message = _("Give the reason for removing the factory.")
        raise DomainError(message, fields={"reason": [message]})
    locked.removed_at = timezone.now()
    locked.removed_by = actor
    locked.removal_reason = reason.strip()
    locked.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    _pool_event(
        entry=locked,
        event_type=PoolEventType.REMOVED,
        actor=actor,
        reason=locked.removal_reason,
        extra={"factory": locked.factory_id, "year": locked.year},
    )
    return locked


@transaction.atomic
def industries_load_reference() -> int:
    """Load the GB/T 4754-2017 manufacturing divisions. Idempotent; returns rows written."""
    path = Path(__file__).resolve().parent / "data" / "industries.json"
    rows = read_json_file(path)["industries"]
    return reference_rows_sync(Industry, "code", rows)
