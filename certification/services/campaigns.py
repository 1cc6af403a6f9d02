"""Campaigns: an authority opens an application window for a tier and year, with quotas."""

from __future__ import annotations

import calendar
import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certification import selectors
from certification.error_codes import ErrorCode
from certification.models import (
    Campaign,
    CampaignQuota,
    Certificate,
    QuotaRule,
    Tier,
    TierConditionsEdition,
)
from certification.quotas import quota_for
from core.errors import Conflict, DomainError, PermissionDenied
from core.uniqueness import save_unless_exists
from factories.models import Enterprise
from regions.models import Authority, Province

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
    warn: bool = False,
) -> Campaign:
    """An authority opens an application window. Advanced: a provincial department for its
    province; excellent and leading: MIIT. The window defaults to the edition's month.

    ``warn``: a person is opening it (the page, the API), who must confirm a window that has
    closed already, one that overlaps another of the authority's windows for the tier, or a
    batch number that skips one; until then the opening is refused with the warnings at the
    ``confirm`` field (code ``confirmation_needed``)."""
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
    if warn:
        warnings = campaign_warnings(authority, tier, year, batch, opens_on, closes_on)
        if warnings:
            raise Conflict(
                _("Check the window and confirm to open it anyway."),
                code=ErrorCode.CONFIRMATION_NEEDED,
                fields={"confirm": warnings},
            )
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


def campaign_warnings(
    authority: Authority, tier: str, year: int, batch: int, opens_on: date, closes_on: date
) -> list[str]:
    """What a person opening this window should confirm: a window already closed, an overlap
    with another window of the authority for the tier, a batch number that skips one."""
    warnings = []
    if closes_on < timezone.localdate():
        warnings.append(
            _("The window closed on %(day)s: no one can apply in it.")
            % {"day": closes_on.isoformat()}
        )
    ours = Campaign.objects.filter(authority=authority, tier=tier)
    overlapping = ours.filter(opens_on__lte=closes_on, closes_on__gte=opens_on).exclude(
        year=year, batch=batch
    )
    for other in overlapping.order_by("opens_on"):
        warnings.append(
            _("The window overlaps batch %(batch)s of %(year)s (%(start)s to %(end)s).")
            % {
                "batch": other.batch,
                "year": other.year,
                "start": other.opens_on.isoformat(),
                "end": other.closes_on.isoformat(),
            }
        )
    if batch > 1 and not ours.filter(year=year, batch=batch - 1).exists():
        warnings.append(
            _("There is no batch %(previous)s of %(year)s: batch numbers go in order.")
            % {"previous": batch - 1, "year": year}
        )
    return warnings


def _campaign_default_quotas(campaign: Campaign, edition: TierConditionsEdition) -> None:
    """Each recommending unit's quota from the edition's quota rules (DESIGN 2.5): provinces by
    their industrial rank (excellent) or their active excellent certificates (leading), the
    XPCC (by the province rules when it has none of its own) and, for excellent, each central
    SOE group. Officials adjust a campaign's quotas in the admin."""
    rules = list(edition.quota_rules.filter(tier=campaign.tier))
    excellent: dict[str, int] = {}
    if campaign.tier == Tier.LEADING:
        for province_id in Certificate.objects.filter(
            tier=Tier.EXCELLENT, status=Certificate.Status.ACTIVE
        ).values_list("factory__province_id", flat=True):
            excellent[province_id] = excellent.get(province_id, 0) + 1
    rows: list[CampaignQuota] = []
    for province in Province.objects.all():
        rank, count = province.industrial_rank, excellent.get(province.code, 0)
        quota = None
        if province.kind == Province.Kind.CORPS:
            quota = quota_for(rules, QuotaRule.Unit.CORPS, rank=rank, excellent=count)
        if quota is None:
            quota = quota_for(rules, QuotaRule.Unit.PROVINCE, rank=rank, excellent=count)
        if quota is not None:
            rows.append(CampaignQuota(campaign=campaign, province=province, quota=quota))
    group_quota = quota_for(rules, QuotaRule.Unit.CENTRAL_SOE_GROUP)
    if group_quota is not None:
        rows.extend(
            CampaignQuota(campaign=campaign, enterprise=group, quota=group_quota)
            for group in Enterprise.objects.filter(is_central_soe_group=True).only("pk")
        )
    CampaignQuota.objects.bulk_create(rows)
