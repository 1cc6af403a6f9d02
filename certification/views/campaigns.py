"""Campaigns: the list, and opening one for those who may; a campaign's page, with its window,
its changes, its quotas and its applications by state, where its authority's official edits the
window before it opens, closes it early or extends it (each with a reason)."""

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import ScopeLevel, User
from accounts.selectors import acting_user, scope_for
from certification import selectors, services
from certification.forms import (
    CampaignCloseForm,
    CampaignEditForm,
    CampaignExtendForm,
    CampaignOpenForm,
)
from certification.models import (
    Campaign,
    CampaignChange,
    CampaignQuota,
    Tier,
)
from certification.presenters import state_label, state_tone
from certification.services.campaigns import (
    WindowStatus,
    campaign_close_early,
    campaign_edit,
    campaign_extend,
    campaign_manage_check,
    campaign_window_status,
)
from certification.views.common import PAGE_SIZE
from certification.workflow.states import STATES
from core.errors import DomainError, NotFound, PermissionDenied
from core.html import form_add_domain_error

# --- campaigns -----------------------------------------------------------------------------------


def _campaign_tiers(user: User) -> list[tuple[str, Any]]:
    """The tiers this user may open campaigns for, as form choices (none: no form)."""
    return [(tier, Tier(tier).label) for tier in selectors.campaign_tiers_for(user)]


@login_required
@require_http_methods(["GET", "POST"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    tiers = _campaign_tiers(user)
    form = CampaignOpenForm(request.POST or None, tiers=tiers) if tiers else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                _("Campaigns are opened by the provincial departments and MIIT.")
            )
        if form.is_valid():
            values = dict(form.cleaned_data)
            confirmed = values.pop("confirm")
            try:
                campaign = services.campaign_open(actor=user, warn=not confirmed, **values)
            except DomainError as exc:
                if exc.code == "campaign_exists":
                    form.add_error("batch", str(exc.message))
                else:
                    form_add_domain_error(form, exc)
            else:
                messages.success(
                    request, _("The campaign is open: %(name)s.") % {"name": str(campaign)}
                )
                return redirect("campaign-list")
        status = 400
    page = Paginator(selectors.campaign_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    # For the certifying authority: how many applications of each campaign wait for publicity.
    awaiting = selectors.campaigns_awaiting_publicity(user)
    context = {
        "page": page,
        "rows": [(campaign, awaiting.get(campaign.pk, 0)) for campaign in page.object_list],
        "form": form,
        "today": timezone.localdate(),
    }
    return render(request, "certification/campaign_list.html", context, status=status)


# --- one campaign ----------------------------------------------------------------------------

ChangeForm = CampaignEditForm | CampaignCloseForm | CampaignExtendForm

# The changes each state of the window allows, in the order the page shows them.
CHANGE_FORMS: dict[WindowStatus, tuple[str, ...]] = {
    WindowStatus.UPCOMING: ("edit",),
    WindowStatus.OPEN: ("close", "extend"),
    WindowStatus.CLOSED: ("extend",),
}
FORM_CLASSES: dict[str, type[ChangeForm]] = {
    "edit": CampaignEditForm,
    "close": CampaignCloseForm,
    "extend": CampaignExtendForm,
}


@dataclass(frozen=True)
class StateCount:
    status: str
    label: str
    tone: str
    count: int
    url: str  # the application list filtered by tier and state; empty: no filter for the viewer


@dataclass(frozen=True)
class ChangeRow:
    change: CampaignChange
    who: str


@dataclass(frozen=True)
class QuotaRow:
    unit: str
    quota: int


def _state_counts(user: User, campaign: Campaign, *, for_applicant: bool) -> list[StateCount]:
    """The campaign's applications the user may see, counted by state in one query, in the
    order of the workflow's states. Officials get a link to their application list filtered by
    the campaign's tier and each state (the list has no campaign filter)."""
    rows = (
        selectors.application_list_for(user)
        .filter(campaign=campaign)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
    )
    counts = {row["status"]: row["count"] for row in rows}
    order = {code: index for index, code in enumerate(STATES)}
    base = reverse("application-list")
    return [
        StateCount(
            status=code,
            label=state_label(code, for_applicant=for_applicant),
            tone=state_tone(code),
            count=counts[code],
            url=""
            if for_applicant
            else f"{base}?{urlencode({'tier': campaign.tier, 'status': code})}",
        )
        for code in sorted(counts, key=lambda code: (order.get(code, len(order)), code))
    ]


def _change_rows(campaign: Campaign, *, for_applicant: bool) -> list[ChangeRow]:
    """The window's changes, oldest first; the applicant sees the authority, not the person."""
    rows = []
    for change in campaign.changes.select_related("actor"):
        actor = change.actor
        who = (
            campaign.authority.name
            if for_applicant
            else f"{actor.get_full_name() or actor.get_username()} ({campaign.authority.name})"
        )
        rows.append(ChangeRow(change, who))
    return rows


def _quota_rows(campaign: Campaign) -> list[QuotaRow]:
    quotas = (
        CampaignQuota.objects.filter(campaign=campaign)
        .select_related("province", "enterprise")
        .order_by("province_id", "enterprise__name", "pk")
    )
    return [
        QuotaRow(
            quota.province.name if quota.province else getattr(quota.enterprise, "name", ""),
            quota.quota,
        )
        for quota in quotas
    ]


def _change_forms(campaign: Campaign, window: WindowStatus) -> dict[str, ChangeForm]:
    """Unbound forms for the changes the window allows now."""
    initial = {
        "edit": {"opens_on": campaign.opens_on, "closes_on": campaign.closes_on},
        "close": {},
        "extend": {"closes_on": campaign.closes_on},
    }
    return {
        name: FORM_CLASSES[name](prefix=name, initial=initial[name])
        for name in CHANGE_FORMS[window]
    }


def _change_apply(user: User, campaign: Campaign, name: str, form: ChangeForm) -> Campaign:
    values = dict(form.cleaned_data)
    if name == "edit":
        confirmed = values.pop("confirm")
        return campaign_edit(actor=user, campaign=campaign, warn=not confirmed, **values)
    if name == "close":
        return campaign_close_early(actor=user, campaign=campaign, **values)
    return campaign_extend(actor=user, campaign=campaign, **values)


def _days(later: date, today: date) -> int:
    return (later - today).days


@login_required
@require_http_methods(["GET", "POST"])
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign: its window and deadlines, the changes with their reasons, its quotas and its
    applications by state (those the viewer may see). Its authority's official also gets the
    forms of the changes the window allows (each POST names one in ``action``)."""
    user = acting_user(request)
    campaign = selectors.campaign_list().filter(pk=pk).first()
    if campaign is None:
        raise NotFound(_("No such campaign."))
    today = timezone.localdate()
    manage = campaign_manage_check(user, campaign)
    window = campaign_window_status(campaign, today)
    forms: dict[str, ChangeForm] = _change_forms(campaign, window) if manage else {}
    status = 200
    if request.method == "POST":
        if not manage:
            raise PermissionDenied(manage.reason)
        name = request.POST.get("action", "")
        if name not in FORM_CLASSES:
            raise DomainError(_("Choose edit, close or extend."))
        form = FORM_CLASSES[name](request.POST, prefix=name)
        if form.is_valid():
            try:
                changed = _change_apply(user, campaign, name, form)
            except DomainError as exc:
                if exc.status == 403:
                    raise
                form_add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The window is now %(start)s to %(end)s.")
                    % {
                        "start": changed.opens_on.isoformat(),
                        "end": changed.closes_on.isoformat(),
                    },
                )
                return redirect("campaign-detail", pk=campaign.pk)
        forms[name] = form  # shown with its errors, even if the window has moved on since
        status = 400
    for_applicant = scope_for(user).level == ScopeLevel.ENTERPRISE
    context = {
        "campaign": campaign,
        "window": window.value,
        "today": today,
        "days_to_open": _days(campaign.opens_on, today),
        "days_left": _days(campaign.closes_on, today),
        "changes": _change_rows(campaign, for_applicant=for_applicant),
        "quotas": _quota_rows(campaign),
        "states": _state_counts(user, campaign, for_applicant=for_applicant),
        "forms": [(name, forms[name]) for name in FORM_CLASSES if name in forms],
        "for_applicant": for_applicant,
    }
    return render(request, "certification/campaign_detail.html", context, status=status)
