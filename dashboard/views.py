"""The home page: who you are, where your scope ends, and what you can do next.

It sits in config because it gathers every app's view of the signed-in user. Enterprise users
also see each of their factories with its status and its one next step (dashboard.home).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import ScopeLevel
from accounts.selectors import acting_user, next_steps_for, scope_for
from certification.models import Tier
from certification.pages import new_filings_count
from certification.selectors import basic_filings_visible
from certification.workflow.states import STATES
from dashboard import charts, selectors
from dashboard.figures import LEVELS, TIERS
from dashboard.home import FactoryCard, enterprise_home_for
from factories.selectors import enterprise_count_for, enterprise_list_for, factory_list_for


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
        "enterprise_count": enterprise_count_for(user),
        "factory_count": factory_list_for(user).count(),
        "next_steps": next_steps_for(user),
        "my_enterprises": enterprises[:10] if scope.level == ScopeLevel.ENTERPRISE else [],
        "factory_cards": [],
    }
    if basic_filings_visible(user):  # one COUNT query
        context["new_filings"] = new_filings_count(user)
    if scope.level == ScopeLevel.ENTERPRISE:
        context["factory_cards"] = [(card, _step_link(card)) for card in enterprise_home_for(user)]
    return render(request, "home.html", context)


def step_label(status: str) -> str:
    info = STATES.get(status)
    return str(info.staff_label) if info else status


def dashboard_charts(board: selectors.Dashboard) -> dict[str, str]:
    """The dashboard's SVG charts, labelled in the active language."""
    tier_names = [str(Tier(tier).label) for tier in TIERS]
    markers = [
        charts.Marker(target.level2_share_target, _("%(year)s target") % {"year": target.year})
        for target in board.targets
    ]
    excellent_markers = [
        charts.Marker(target.excellent_target, _("%(year)s target") % {"year": target.year})
        for target in board.targets
    ]
    result = {
        "targets": charts.bars_svg(
            [
                (_("All enterprises"), board.total.enterprises.percent),
                (_("Above designated size"), board.total.above_size.percent),
            ],
            title=_("Enterprises at maturity level 2 or above"),
            unit="%",
            max_value=100,
            markers=markers,
            empty_label=_("no enterprises"),
        ),
        "issued": charts.columns_svg(
            [(str(year), [counts[tier] for tier in TIERS]) for year, counts in board.issued],
            series=tier_names,
            title=_("Certificates issued per year"),
        ),
        "levels": charts.bars_svg(
            [(_("Not assessed"), board.levels[0])]
            + [(_("Level %(level)s") % {"level": level}, board.levels[level]) for level in LEVELS],
            title=_("Factories by maturity level (valid self-assessments)"),
        ),
    }
    if board.region.level == "national":
        result["excellent"] = charts.bars_svg(
            [(str(Tier.EXCELLENT.label), board.certificates["excellent"]["active"])],
            title=_("Excellent factories against the national targets"),
            markers=excellent_markers,
        )
    if any(step.in_step for step in board.steps):
        result["steps"] = charts.bars_svg(
            [
                (step_label(step.status), step.median_waiting_days)
                for step in board.steps
                if step.in_step
            ],
            title=_("Median days waiting at each step"),
            empty_label="",
        )
    if board.regions:
        result["regions"] = charts.bars_svg(
            [(name, row.enterprises.percent) for _code, name, row in board.regions],
            title=_("Enterprises at level 2 or above, by region"),
            unit="%",
            max_value=100,
            markers=markers,
            empty_label=_("no enterprises"),
        )
    return result


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Where a region stands against the programme's targets, for its officials."""
    user = acting_user(request)
    region = selectors.dashboard_region_for(
        user,
        province=request.GET.get("province") or None,
        city=request.GET.get("city") or None,
    )
    board = selectors.dashboard_for(region)
    context: dict[str, Any] = {
        "board": board,
        "charts": dashboard_charts(board),
        "steps": [(step, step_label(step.status)) for step in board.steps],
        "tiers": [(tier, Tier(tier).label) for tier in TIERS],
        "certificate_cards": [
            (tier, Tier(tier).label, counts["active"], counts["suspended"])
            for tier, counts in board.certificates.items()
        ],
        "issued_rows": [(year, [counts[tier] for tier in TIERS]) for year, counts in board.issued],
        "scope": scope_for(user),
    }
    return render(request, "dashboard/dashboard.html", context)
