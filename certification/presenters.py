"""View-models of the certification pages: labels for rules, actions and states, and the
rows and summaries the templates show. Built from selector results; no queries of their own
beyond what the selectors they call run."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import AnyUser
from certification import pages, rules, selectors
from certification.forms import (
    AssignExpertsForm,
    DecisionForm,
    MilestoneReportForm,
    ReasonForm,
    ScoreForm,
    SiteVisitForm,
    UnassignExpertsForm,
    VerifiedLevelsForm,
    VisitReportForm,
)
from certification.models import (
    Application,
    AuditEvent,
    Certificate,
    CultivationMilestone,
    ExpertAssignment,
    ScenarioClaim,
)
from certification.workflow.definitions import Action, Form
from certification.workflow.engine import ActionOption, available_actions_for
from certification.workflow.policies import review_level, tier_condition
from certification.workflow.states import STATES
from core.i18n import english_active

# --- labels ------------------------------------------------------------------------------------

RULE_TITLES = {
    rules.PREREQUISITE_TIER: gettext_lazy("Prerequisite tier"),
    rules.MATURITY_LEVEL: gettext_lazy("Maturity level"),
    rules.ASSESSMENT_FRESH: gettext_lazy("Fresh self-assessment"),
    rules.STAGE_COVERAGE: gettext_lazy("Stage coverage"),
    rules.AI_SHARE: gettext_lazy("AI share of the claimed scenarios"),
    rules.CAMPAIGN_OPEN: gettext_lazy("Open campaign"),
    rules.SINGLE_OPEN_APPLICATION: gettext_lazy("One open application per tier"),
    rules.DECLARATIONS: gettext_lazy("Basic requirements declared with evidence"),
}

CERTIFICATE_STATUS_LABELS: dict[str, Any] = {
    status.value: status.label for status in Certificate.Status
}


def state_label(code: str, *, for_applicant: bool = False) -> str:
    """A state's label for the viewer (the applicant sees "under review" for review steps)."""
    if code in STATES:
        info = STATES[code]
        return str(info.applicant_label if for_applicant else info.staff_label)
    return str(CERTIFICATE_STATUS_LABELS.get(code, code))


CERTIFICATE_TONES: dict[str, str] = {
    Certificate.Status.ACTIVE: "success",
    Certificate.Status.SUSPENDED: "warning",
    Certificate.Status.REVOKED: "danger",
    Certificate.Status.SUPERSEDED: "secondary",
}


def state_tone(code: str) -> str:
    """The badge colour of an application state or a certificate status."""
    if code in STATES:
        return str(STATES[code].tone)
    return CERTIFICATE_TONES.get(code, "secondary")


@dataclass(frozen=True)
class RuleRow:
    rule: str
    title: str
    passed: bool
    message: str


def rule_rows(results: Any) -> list[RuleRow]:
    """Rule results (stored CheckResults or fresh RuleResults) in the active language."""
    english = english_active()
    return [
        RuleRow(
            rule=result.rule,
            title=str(RULE_TITLES.get(result.rule, result.rule)),
            passed=result.passed,
            message=result.message_en if english else result.message_zh,
        )
        for result in results
    ]


@dataclass(frozen=True)
class TimelineRow:
    at: Any
    who: str
    action: str
    from_label: str
    to_label: str
    reason: str


def reason_text(event: AuditEvent) -> str:
    """The reason, or for failed checks the titles of the failed rules (from extra_data)."""
    failed = event.extra_data.get("failed_rules") or []
    if failed:
        titles = ", ".join(str(RULE_TITLES.get(code, code)) for code in failed)
        return f"{event.reason} ({titles})" if event.reason else titles
    return event.reason


def _who(event: AuditEvent, for_applicant: bool) -> str:
    if event.actor is None:
        return _("System")
    if for_applicant and event.acting_authority is not None:
        return event.acting_authority.name
    name = event.actor.get_full_name() or event.actor.get_username()
    if event.acting_authority is not None:
        return f"{name} ({event.acting_authority.name})"
    return name


def timeline_rows(
    application: Application, *, viewer: AnyUser, for_applicant: bool = False
) -> list[TimelineRow]:
    """The audit trail as the viewer may see it (selectors.application_timeline_for)."""
    return [
        TimelineRow(
            at=event.at,
            who=_who(event, for_applicant),
            action=str(event.get_event_type_display()),
            from_label=state_label(event.from_status, for_applicant=for_applicant)
            if event.from_status
            else "",
            to_label=state_label(event.to_status, for_applicant=for_applicant),
            reason=reason_text(event),
        )
        for event in selectors.application_timeline_for(
            viewer, application, is_member=for_applicant
        )
    ]


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


@dataclass
class ClaimRow:
    """One catalogue scenario in the form: as saved, or as posted when refused."""

    code: str
    name: str
    claimed: bool
    description: str
    ai_applied: bool
    saved: bool  # a claim is stored, so evidence can be attached
    files: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)


@dataclass
class LinkView:
    name: str
    rows: list[ClaimRow]


@dataclass
class StageView:
    code: str
    name: str
    links: list[LinkView]
    open: bool = True

    @property
    def claimed(self) -> int:
        return sum(1 for link in self.links for row in link.rows if row.saved)


@dataclass(frozen=True)
class StageCoverage:
    name: str
    required: bool
    covered: bool


@dataclass(frozen=True)
class ClaimSummary:
    count: int
    ai_count: int
    ai_share: str
    stages: list[StageCoverage]
    min_ai_share: str | None


def claim_summary(application: Application, claims: list[ScenarioClaim]) -> ClaimSummary:
    """AI share and stage coverage computed from the saved claims, beside what the tier needs."""
    rule = selectors.tier_rule(application.tier_edition, application.tier)
    covered = {claim.scenario.link.stage.code for claim in claims}
    share = rules.ai_share(
        rules.Claim(c.scenario.code, c.scenario.link.stage.code, c.ai_applied) for c in claims
    )
    return ClaimSummary(
        count=len(claims),
        ai_count=sum(1 for c in claims if c.ai_applied),
        ai_share=percent(share),
        stages=[
            StageCoverage(stage.name, stage.code in rule.required_stages, stage.code in covered)
            for stage in pages.stage_names_for(application)
        ],
        min_ai_share=None if rule.min_ai_share is None else percent(rule.min_ai_share),
    )


@dataclass(frozen=True)
class TierStepView:
    tier: str
    name: str
    min_maturity_level: int
    required_stages: list[str]
    ai_share: str | None
    checks: list[RuleRow]
    eligible: bool
    campaign_id: int | None
    open_application: Application | None
    needs_assessment: bool  # the level or the freshness fails: a new self-assessment helps


# --- review actions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertChoice:
    id: int
    name: str
    employer: str
    specialities: str
    conflicts: list[str]
    assigned: bool


@dataclass
class ActionPanel:
    """One action of the current step on the detail page, with its form."""

    option: ActionOption
    form: Any = None
    experts: list[ExpertChoice] = field(default_factory=list)

    @property
    def action(self) -> str:
        return self.option.action


def expert_choices(application: Application, *, level: str | None = None) -> list[ExpertChoice]:
    """The register for the application's review (or ``level``), with each expert's conflicts
    and whether the expert is assigned already."""
    level = level or review_level(application.status)
    experts = list(selectors.expert_register_for(application, level=level))
    conflicts = selectors.expert_conflicts_for(experts, application.factory.enterprise)
    assigned = set(application.assignments.filter(level=level).values_list("expert_id", flat=True))
    return [
        ExpertChoice(
            id=expert.pk,
            name=str(expert),
            employer=expert.employer_name,
            specialities=expert.specialities,
            conflicts=[finding.reason for finding in conflicts[expert.pk]],
            assigned=expert.pk in assigned,
        )
        for expert in experts
    ]


def action_form(application: Application, form_kind: str, data: Any = None) -> Any:
    if form_kind == Form.ASSIGN:
        choices = [
            (choice.id, choice.name)
            for choice in expert_choices(application)
            if not choice.conflicts and not choice.assigned
        ]
        return AssignExpertsForm(data, choices=choices)
    if form_kind == Form.UNASSIGN:
        removable = application.assignments.filter(
            level=review_level(application.status),
            status__in=[ExpertAssignment.Status.INVITED, ExpertAssignment.Status.ACCEPTED],
        ).select_related("expert__user")
        return UnassignExpertsForm(
            data,
            choices=[(a.expert_id, f"{a.expert} ({a.get_status_display()})") for a in removable],
        )
    if form_kind == Form.SITE_VISIT:
        choices = [
            (choice.id, choice.name)
            for choice in expert_choices(application, level=ExpertAssignment.Level.NATIONAL)
            if not choice.conflicts
        ]
        return SiteVisitForm(data, choices=choices)
    if form_kind == Form.VISIT_REPORT:
        return VisitReportForm(data)
    if form_kind == Form.MILESTONE:
        milestones = CultivationMilestone.objects.filter(cultivation__application=application)
        return MilestoneReportForm(
            data,
            choices=[
                (
                    m.order,
                    f"{m.order}. {m.title} ({m.due_on:%Y-%m-%d})" + (" ✓" if m.reported_at else ""),
                )
                for m in milestones
            ],
        )
    if form_kind == Form.DECISION:
        return DecisionForm(data)
    if form_kind == Form.VERIFIED_LEVELS:
        rows = selectors.score_reconciliation(application)
        return VerifiedLevelsForm(
            data,
            subdomains=[
                (row.subdomain, row.name, str(row.self_score), row.verified) for row in rows
            ],
        )
    if form_kind == Form.SCORE:
        return ScoreForm(
            data, rubric=tier_condition(application).review_rubric, english=english_active()
        )
    return ReasonForm(data)


def action_panels(
    application: Application, user: AnyUser, bound: dict[str, Any] | None = None
) -> list[ActionPanel]:
    """The review actions for the user on this application, each with its (possibly bound and
    refused) form. The applicant's submit and withdraw are shown by the page itself."""
    bound = bound or {}
    panels = []
    for option in available_actions_for(user, application):
        if option.action in (Action.SUBMIT, Action.WITHDRAW):
            continue
        panel = ActionPanel(option=option)
        if option.allowed:
            panel.form = bound.get(option.action) or action_form(application, option.form)
            if option.form == Form.ASSIGN:
                panel.experts = expert_choices(application)
        panels.append(panel)
    return panels
