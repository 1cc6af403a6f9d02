"""Recommendation lists: a recommending unit (a provincial department, or a central SOE group's
members) ranks its passed excellent and leading applications within its quota and submits the
list to MIIT; MIIT reads the lists submitted to it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from accounts.selectors import acting_user
from certification import selectors, services
from certification.models import Campaign, RecommendationList
from certification.services.national import (
    Unit,
    ranking_campaigns_for,
    ranking_view,
    submitted_rankings,
    units_of_user,
)
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from core.errors import DomainError, NotFound, PermissionDenied

OPERATIONS = ("rank", "unrank", "up", "down", "submit")


def _campaigns(user: Any) -> list[Campaign]:
    if user.role == Role.MIIT_REVIEWER:
        return list(
            selectors.campaign_list()
            .filter(tier__in=("excellent", "leading"))
            .order_by("-year", "-batch", "tier")[:50]
        )
    return list(ranking_campaigns_for(user)[:50])


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_page(request: HttpRequest) -> HttpResponse:
    """The unit's list for the chosen campaign (the latest by default), with its quota; for
    MIIT, the lists submitted to it."""
    user = acting_user(request)
    is_miit = user.role == Role.MIIT_REVIEWER
    units = units_of_user(user)
    if not units and not is_miit:
        raise PermissionDenied(
            _("Recommendation lists are drawn up by the provinces and central SOE groups.")
        )
    campaigns = _campaigns(user)
    chosen = request.POST.get("campaign") or request.GET.get("campaign") or ""
    campaign = next((c for c in campaigns if str(c.pk) == chosen), None)
    if campaign is None and chosen:
        raise NotFound(_("Campaign not found."))
    campaign = campaign or (campaigns[0] if campaigns else None)
    if request.method == "POST":
        if campaign is None or is_miit:
            raise PermissionDenied(_("Only the recommending unit can change its list."))
        _change(request, user, campaign, units)
        return redirect(f"{request.path}?campaign={campaign.pk}")
    views = []
    if campaign is not None:
        views = (
            submitted_rankings(campaign)
            if is_miit
            else [ranking_view(campaign, unit) for unit in units]
        )
    context = {
        "campaigns": campaigns,
        "campaign": campaign,
        "views": views,
        "is_miit": is_miit,
    }
    return render(request, "certification/recommendations.html", context)


def _change(request: HttpRequest, user: Any, campaign: Campaign, units: list[Unit]) -> None:
    """One change to the list: put on, take off, move up or down, or submit; refusals come back
    as messages with their reason."""
    operation = request.POST.get("op", "")
    raw = request.POST.get("application", "")
    application_id = int(raw) if raw.isascii() and raw.isdigit() else None
    try:
        if operation in ("rank", "unrank") and application_id is not None:
            application = selectors.application_get_for(user, application_id)
            action = Action.RANK if operation == "rank" else Action.UNRANK
            application_transition(application=application, action=action, actor=user)
            messages.success(
                request,
                _("Put on the list.") if operation == "rank" else _("Taken off the list."),
            )
        elif operation in ("up", "down", "submit"):
            ranked = _unit_list(campaign, units, request.POST.get("list", ""))
            if operation == "submit":
                if request.POST.get("confirm") != "on":
                    messages.error(request, _("Tick the box to confirm the submission."))
                    return
                services.recommendation_submit(actor=user, recommendation=ranked)
                messages.success(request, _("The list was submitted to MIIT."))
            else:
                order = list(
                    ranked.entries.order_by("rank").values_list("application_id", flat=True)
                )
                if application_id in order:
                    at = order.index(application_id)
                    to = at - 1 if operation == "up" else at + 1
                    if 0 <= to < len(order):
                        order[at], order[to] = order[to], order[at]
                        services.recommendation_reorder(
                            actor=user, recommendation=ranked, order=order
                        )
        else:
            messages.error(request, _("Unknown change."))
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))


def _unit_list(campaign: Campaign, units: list[Unit], raw: str) -> RecommendationList:
    pk = int(raw) if raw.isascii() and raw.isdigit() else 0
    ranked = RecommendationList.objects.filter(pk=pk, campaign=campaign).first()
    if (
        ranked is None
        or Unit(province_id=ranked.province_id, group_id=ranked.group_id) not in units
    ):
        raise PermissionDenied(_("Only the recommending unit can change its list."))
    return ranked
