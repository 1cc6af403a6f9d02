"""Campaigns: an authority opens an application window for a tier and year, with quotas, and
changes it with a reason: edits it before it opens, closes it early, extends it."""

from __future__ import annotations

import calendar
import enum
import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import AnyUser, Decision
from certification import selectors
from certification.error_codes import ErrorCode
from certification.models import (
    Campaign,
    CampaignChange,
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
    warnings = _window_warnings(authority, tier, year, batch, opens_on, closes_on)
    ours = Campaign.objects.filter(authority=authority, tier=tier)
    if batch > 1 and not ours.filter(year=year, batch=batch - 1).exists():
        warnings.append(
            _("There is no batch %(previous)s of %(year)s: batch numbers go in order.")
            % {"previous": batch - 1, "year": year}
        )
    return warnings


def _window_warnings(
    authority: Authority | int, tier: str, year: int, batch: int, opens_on: date, closes_on: date
) -> list[str]:
    """The warnings about the dates alone: a window already closed, an overlap with another
    window of the authority for the tier (batch ``batch`` of ``year`` itself excepted)."""
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


# --- changing a window -----------------------------------------------------------------------


class WindowStatus(enum.StrEnum):
    UPCOMING = "upcoming"  # today is before the opening day
    OPEN = "open"  # from the opening day to the closing day, both included
    CLOSED = "closed"


def campaign_window_status(campaign: Campaign, today: date) -> WindowStatus:
    if today < campaign.opens_on:
        return WindowStatus.UPCOMING
    if today > campaign.closes_on:
        return WindowStatus.CLOSED
    return WindowStatus.OPEN


def campaign_manage_check(user: AnyUser, campaign: Campaign) -> Decision:
    """Whether the user changes this campaign's window: an official of the authority that
    opened it, acting in the role that opens campaigns of its tier (as ``campaign_open``)."""
    if (
        isinstance(user, User)
        and user.authority_id == campaign.authority_id
        and campaign.tier in selectors.campaign_tiers_for(user)
    ):
        return Decision(True)
    return Decision(False, _("Only the authority that opened this campaign changes its window."))


def _campaign_lock(actor: User, campaign: Campaign) -> Campaign:
    """The campaign's row, locked, once the actor may change it (PermissionDenied if not)."""
    decision = campaign_manage_check(actor, campaign)
    if not decision:
        raise PermissionDenied(decision.reason)
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _refuse(errors: dict[str, list[str]]) -> None:
    """One refusal with every field's messages, so a form shows them all at once."""
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)


def _reason_errors(reason: str, errors: dict[str, list[str]]) -> str:
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [
            _("Give the reason for the change: it is recorded and shown with the campaign.")
        ]
    return reason


def _campaign_change(
    campaign: Campaign,
    *,
    kind: str,
    actor: User,
    reason: str,
    opens_on: date,
    closes_on: date,
) -> Campaign:
    """Move the (locked) campaign's window and record the change with its reason."""
    change = CampaignChange(
        campaign=campaign,
        kind=kind,
        old_opens_on=campaign.opens_on,
        old_closes_on=campaign.closes_on,
        new_opens_on=opens_on,
        new_closes_on=closes_on,
        reason=reason,
        actor=actor,
    )
    campaign.opens_on, campaign.closes_on = opens_on, closes_on
    campaign.save(update_fields=["opens_on", "closes_on"])
    change.save()
    logger.info(
        "campaign %s: %s to %s-%s by user %s", campaign.pk, kind, opens_on, closes_on, actor.pk
    )
    return campaign


@transaction.atomic
def campaign_edit(
    *,
    actor: User,
    campaign: Campaign,
    opens_on: date,
    closes_on: date,
    reason: str,
    warn: bool = False,
) -> Campaign:
    """Move a window that has not opened yet (its official only, with a reason). Once it has
    opened it is closed early or extended instead (code ``campaign_started``).

    ``warn``: as for ``campaign_open``, a person confirms new dates that have passed already or
    overlap another of the authority's windows for the tier (``confirmation_needed``); the
    batch number is not checked again, it does not change."""
    campaign = _campaign_lock(actor, campaign)
    today = timezone.localdate()
    if campaign_window_status(campaign, today) != WindowStatus.UPCOMING:
        raise Conflict(
            _(
                "The window opened on %(day)s: it can no longer be edited. Close it early or "
                "extend it instead."
            )
            % {"day": campaign.opens_on.isoformat()},
            code=ErrorCode.CAMPAIGN_STARTED,
        )
    errors: dict[str, list[str]] = {}
    reason = _reason_errors(reason, errors)
    if opens_on > closes_on:
        errors["closes_on"] = [_("The window must open before it closes.")]
    _refuse(errors)
    if (opens_on, closes_on) == (campaign.opens_on, campaign.closes_on):
        raise DomainError(_("These are the window's dates already: nothing changes."))
    if warn:
        warnings = _window_warnings(
            campaign.authority_id,
            campaign.tier,
            campaign.year,
            campaign.batch,
            opens_on,
            closes_on,
        )
        if warnings:
            raise Conflict(
                _("Check the window and confirm to change it anyway."),
                code=ErrorCode.CONFIRMATION_NEEDED,
                fields={"confirm": warnings},
            )
    return _campaign_change(
        campaign,
        kind=CampaignChange.Kind.EDIT,
        actor=actor,
        reason=reason,
        opens_on=opens_on,
        closes_on=closes_on,
    )


@transaction.atomic
def campaign_close_early(
    *, actor: User, campaign: Campaign, reason: str, closes_on: date | None = None
) -> Campaign:
    """Close an open window before its closing day (its official only, with a reason): today
    by default, or a later day before the current closing day. A window is never closed in
    the past: factories applied in it on the days it was published as open."""
    campaign = _campaign_lock(actor, campaign)
    today = timezone.localdate()
    window = campaign_window_status(campaign, today)
    if window != WindowStatus.OPEN:
        raise Conflict(
            _("The window opens on %(day)s: only an open window closes early.")
            % {"day": campaign.opens_on.isoformat()}
            if window == WindowStatus.UPCOMING
            else _("The window closed on %(day)s already.")
            % {"day": campaign.closes_on.isoformat()},
            code=ErrorCode.CAMPAIGN_NOT_OPEN,
        )
    closes_on = closes_on or today
    errors: dict[str, list[str]] = {}
    reason = _reason_errors(reason, errors)
    if closes_on < today:
        errors["closes_on"] = [_("A window cannot close in the past: today at the earliest.")]
    elif closes_on >= campaign.closes_on:
        errors["closes_on"] = [
            _("Closing early means closing before %(day)s, the current closing day.")
            % {"day": campaign.closes_on.isoformat()}
        ]
    _refuse(errors)
    return _campaign_change(
        campaign,
        kind=CampaignChange.Kind.CLOSE_EARLY,
        actor=actor,
        reason=reason,
        opens_on=campaign.opens_on,
        closes_on=closes_on,
    )


@transaction.atomic
def campaign_extend(*, actor: User, campaign: Campaign, closes_on: date, reason: str) -> Campaign:
    """Move the closing day later (its official only, with a reason), before the window
    closes or after: extending a closed window opens it again until the new day, which must
    not have passed already."""
    campaign = _campaign_lock(actor, campaign)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    reason = _reason_errors(reason, errors)
    if closes_on <= campaign.closes_on:
        errors["closes_on"] = [
            _("An extension closes after %(day)s, the current closing day.")
            % {"day": campaign.closes_on.isoformat()}
        ]
    elif closes_on < today:
        errors["closes_on"] = [
            _("%(day)s has passed already: the window would stay closed.")
            % {"day": closes_on.isoformat()}
        ]
    _refuse(errors)
    return _campaign_change(
        campaign,
        kind=CampaignChange.Kind.EXTEND,
        actor=actor,
        reason=reason,
        opens_on=campaign.opens_on,
        closes_on=closes_on,
    )
