"""The path to the next tier."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.selectors import acting_user
from certification import pages, rules, selectors
from certification.models import (
    Application,
    Tier,
)
from certification.presenters import TierStepView, percent, rule_rows
from factories.selectors import enterprise_can_manage, factory_get_for

# --- the path to the next tier ----------------------------------------------------------------


@login_required
@require_GET
def tier_path(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    factory = factory_get_for(user, pk)
    today = timezone.localdate()
    path = selectors.factory_tier_path(factory, today)
    can_apply = bool(enterprise_can_manage(user, factory.enterprise))
    open_applications = {
        application.tier: application
        for application in selectors.application_list_for(user).filter(
            factory=factory, status__in=Application.OPEN_STATUSES
        )
    }
    steps = []
    for step in path.steps:
        campaign = (
            selectors.campaign_open_for(factory, step.tier, today)
            if step.eligible and can_apply
            else None
        )
        steps.append(
            TierStepView(
                tier=step.tier,
                name=step.name,
                min_maturity_level=step.min_maturity_level,
                required_stages=step.required_stages,
                ai_share=None if step.min_ai_share is None else percent(step.min_ai_share),
                checks=rule_rows(step.checks),
                eligible=step.eligible,
                campaign_id=campaign.pk if campaign else None,
                open_application=open_applications.get(step.tier),
                needs_assessment=any(
                    not check.passed
                    and check.rule in (rules.MATURITY_LEVEL, rules.ASSESSMENT_FRESH)
                    for check in step.checks
                ),
            )
        )
    certificates = pages.factory_active_certificates([factory])[factory.pk]
    context = {
        "factory": factory,
        "path": path,
        "current_tier_label": Tier(path.current_tier).label if path.current_tier else None,
        "certificates": certificates,
        "steps": steps,
        "can_apply": can_apply,
    }
    return render(request, "certification/tier_path.html", context)


@login_required
@require_GET
def tier_path_index(request: HttpRequest) -> HttpResponse:
    """Which factory's path? Straight to it when the user has one factory."""
    user = acting_user(request)
    factories = list(pages.factories_for_applying(user))
    if len(factories) == 1:
        return redirect("tier-path", pk=factories[0].pk)
    certificates = pages.factory_active_certificates(factories)
    rows = [(factory, certificates.get(factory.pk, [])) for factory in factories]
    return render(request, "certification/tier_path_index.html", {"rows": rows})
