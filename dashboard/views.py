"""The home page: who you are, where your scope ends, and what you can do next.

It sits in config because it gathers every app's view of the signed-in user. Enterprise users
also see each of their factories with its status and its one next step (dashboard.selectors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import ScopeLevel
from accounts.selectors import acting_user, next_steps_for, scope_for
from dashboard.selectors import FactoryCard, enterprise_home_for
from factories.selectors import enterprise_list_for, factory_list_for


@dataclass(frozen=True)
class StepLink:
    label: str
    url: str


def _step_link(card: FactoryCard) -> StepLink:
    """The wording and the page of a factory's next step."""
    step = card.step
    tiers = {line.application.pk: line.application.get_tier_display() for line in card.applications}
    tier = tiers.get(step.target, "")
    assessments = reverse("assessment-list") + f"?factory={card.factory.pk}"
    if step.kind.startswith("application_"):
        url = reverse("application-detail", kwargs={"pk": step.target})
        label = {
            "application_draft": _("Complete and submit the %(tier)s application"),
            "application_returned": _("Answer the return of the %(tier)s application"),
            "application_report": _("Report on the cultivation milestones (%(tier)s)"),
            "application_follow": _("Follow the %(tier)s application"),
        }[step.kind] % {"tier": tier}
        return StepLink(label, url)
    if step.kind == "assessment_continue":
        return StepLink(
            _("Continue the self-assessment"),
            reverse("assessment-detail", kwargs={"pk": step.target}),
        )
    if step.kind == "assessment_first":
        return StepLink(_("Do the first self-assessment"), assessments)
    if step.kind == "assessment_lapsed":
        return StepLink(_("The self-assessment has lapsed: submit a new one"), assessments)
    if step.kind == "assessment_renew":
        valid_until = card.last_assessment.valid_until if card.last_assessment else None
        return StepLink(
            _("Renew the self-assessment (valid until %(day)s)")
            % {"day": valid_until.isoformat() if valid_until else ""},
            assessments,
        )
    return StepLink(
        _("See the path to the next tier"), reverse("tier-path", kwargs={"pk": step.target})
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    scope = scope_for(user)
    enterprises = enterprise_list_for(user)
    context: dict[str, Any] = {
        "scope": scope,
        "authority": user.authority,
        "enterprise_count": enterprises.count(),
        "factory_count": factory_list_for(user).count(),
        "next_steps": next_steps_for(user),
        "my_enterprises": enterprises[:10] if scope.level == ScopeLevel.ENTERPRISE else [],
        "factory_cards": [],
    }
    if scope.level == ScopeLevel.ENTERPRISE:
        context["factory_cards"] = [(card, _step_link(card)) for card in enterprise_home_for(user)]
    return render(request, "home.html", context)
