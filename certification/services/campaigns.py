"""Campaigns: an authority opens an application window for a tier and year, with quotas."""

from __future__ import annotations

import calendar
import logging
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from certification import selectors
from certification.error_codes import ErrorCode
from certification.models import (
    Campaign,
    CampaignQuota,
    Certificate,
    Tier,
    TierConditionsEdition,
)
from core.errors import Conflict, DomainError, PermissionDenied
from core.uniqueness import save_unless_exists
from regions.models import Province

logger = logging.getLogger(__name__)

# --- campaigns -------------------------------------------------------------------------------


def _month_window(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@transaction.atomic
def campaign_open(
    *,
    actor: User,
    tier: str,
    year: int,
    batch: int = 1,
    opens_on: date | None = None,
    closes_on: date | None = None,
) -> Campaign:
    """An authority opens an application window. Advanced: a provincial department for its
    province; excellent and leading: MIIT. The window defaults to the edition's month."""
    authority = actor.authority
    edition = selectors.tier_edition_current()
    if tier not in Tier.values:
        message = _("Unknown tier '%(tier)s'.") % {"tier": tier}
        raise DomainError(message, fields={"tier": [message]})
    condition = selectors.tier_condition_for(edition, tier)
    if not condition.needs_campaign:
        raise DomainError(_("This tier is accepted all year; it has no campaigns."))
    if tier not in selectors.campaign_tiers_for(actor) or authority is None:
        raise PermissionDenied(
            _("Campaigns for this tier are opened by the provincial departments.")
            if condition.certifying_level == "province"
            else _("Campaigns for this tier are opened by MIIT.")
        )
    if opens_on is None or closes_on is None:
        default_open, default_close = _month_window(year, condition.default_window_month or 1)
        opens_on, closes_on = opens_on or default_open, closes_on or default_close
    if opens_on > closes_on:
        message = _("The window must open before it closes.")
        raise DomainError(message, fields={"closes_on": [message]})
    campaign = Campaign(
        authority=authority,
        tier=tier,
        year=year,
        batch=batch,
        opens_on=opens_on,
        closes_on=closes_on,
        tier_edition=edition,
        created_by=actor,
    )
    clash = Campaign.objects.filter(authority=authority, tier=tier, year=year, batch=batch)
    existing = save_unless_exists(campaign, clash=clash)
    if existing is not None:
        raise Conflict(
            _("Batch %(batch)s of this campaign already exists.") % {"batch": batch},
            code=ErrorCode.CAMPAIGN_EXISTS,
            existing_id=existing.pk,
        )
    if tier in (Tier.EXCELLENT, Tier.LEADING):
        _campaign_default_quotas(campaign, edition)
    return campaign


def _campaign_default_quotas(campaign: Campaign, edition: TierConditionsEdition) -> None:
    """Default quotas from the edition (DESIGN 2.5). Industrial ranks are not data yet, so every
    province gets the 'other provinces' quota; officials adjust per rank in the admin."""
    quotas = edition.quotas or {}
    rows: list[CampaignQuota] = []
    if campaign.tier == Tier.EXCELLENT:
        per_unit = quotas.get("excellent_per_recommending_unit", {})
        default = int(per_unit.get("other provinces", 20))
        corps = int(per_unit.get("Xinjiang Production and Construction Corps", 5))
        for province in Province.objects.all():
            quota = corps if province.kind == Province.Kind.CORPS else default
            rows.append(CampaignQuota(campaign=campaign, province=province, quota=quota))
    else:
        thresholds = sorted(
            quotas.get("leading_per_province_by_excellent_count", []),
            key=lambda row: -int(row["min_excellent"]),
        )
        counts: dict[str, int] = {}
        for province_id in Certificate.objects.filter(
            tier=Tier.EXCELLENT, status=Certificate.Status.ACTIVE
        ).values_list("factory__city__province_id", flat=True):
            counts[province_id] = counts.get(province_id, 0) + 1
        for province in Province.objects.all():
            count = counts.get(province.code, 0)
            quota = next(
                (int(row["quota"]) for row in thresholds if count >= int(row["min_excellent"])),
                1,
            )
            rows.append(CampaignQuota(campaign=campaign, province=province, quota=quota))
    CampaignQuota.objects.bulk_create(rows)
