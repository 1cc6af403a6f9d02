"""Campaigns: the list, and opening one for those who may."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.selectors import acting_user
from certification import selectors, services
from certification.forms import (
    CampaignOpenForm,
)
from certification.models import (
    Tier,
)
from certification.views.common import PAGE_SIZE
from core.errors import DomainError, PermissionDenied
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
