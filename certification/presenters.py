"""View-models of the certification pages: labels for rules, actions and states, and the
rows and summaries the templates show. Built from selector results; no queries of their own
beyond what the selectors they call run."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification import pages, rules, selectors
from certification.models import (
    Application,
    AuditEvent,
    Certificate,
    ScenarioClaim,
)
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

ACTION_LABELS = {
    "create": gettext_lazy("Application created"),
    "submit": gettext_lazy("Submitted"),
    "checks_pass": gettext_lazy("Automated checks passed"),
    "checks_fail": gettext_lazy("Automated checks failed: returned"),
    "self_declare": gettext_lazy("Self-declared (basic tier)"),
    "withdraw": gettext_lazy("Withdrawn"),
    "reject_filing": gettext_lazy("Filing rejected by the city"),
    "issue": gettext_lazy("Certificate issued"),
    "revoke": gettext_lazy("Certificate revoked"),
    "supersede": gettext_lazy("Certificate superseded by a newer one"),
    "suspend": gettext_lazy("Certificate suspended"),
    "reinstate": gettext_lazy("Certificate reinstated"),
}

STATUS_LABELS: dict[str, Any] = {
    status.value: status.label for status in [*Application.Status, *Certificate.Status]
}


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
    if event.action == "checks_fail" and event.reason:
        return ", ".join(
            str(RULE_TITLES.get(code.strip(), code.strip())) for code in event.reason.split(",")
        )
    return event.reason


def timeline_rows(application: Application) -> list[TimelineRow]:
    return [
        TimelineRow(
            at=event.at,
            who=(event.actor.get_full_name() or event.actor.get_username())
            if event.actor
            else _("System"),
            action=str(ACTION_LABELS.get(event.action, event.action)),
            from_label=str(STATUS_LABELS.get(event.from_status, event.from_status)),
            to_label=str(STATUS_LABELS.get(event.to_status, event.to_status)),
            reason=reason_text(event),
        )
        for event in selectors.application_timeline(application)
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
