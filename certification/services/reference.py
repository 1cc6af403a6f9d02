"""Reference data editions: the scenario catalogue and the tier conditions, loaded from the
committed files, copied into a new edition and published."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import (
    Link,
    QuotaRule,
    Scenario,
    ScenarioCatalogue,
    Stage,
    Tier,
    TierCondition,
    TierConditionsEdition,
)
from certification.quotas import quota_rules_from_data
from core import refcache
from core.data import read_json_file
from core.errors import Conflict, DomainError
from core.uniqueness import save_unless_exists

logger = logging.getLogger(__name__)


DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SCENARIOS_FILE = DATA_DIR / "scenarios-2025.json"
TIER_CONDITIONS_FILE = DATA_DIR / "tier-conditions-2025.json"


@transaction.atomic
def scenario_catalogue_create(*, data: dict[str, Any]) -> ScenarioCatalogue:
    refcache.reference_data_changed()
    catalogue = ScenarioCatalogue.objects.create(
        edition=data["edition"],
        title_zh=data["title_zh"],
        title_en=data.get("title_en", ""),
        provenance=data.get("provenance", ""),
    )
    stages = {
        row["code"]: Stage.objects.create(
            catalogue=catalogue,
            code=row["code"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            order=row["order"],
        )
        for row in data["stages"]
    }
    links = {
        row["code"]: Link.objects.create(
            catalogue=catalogue,
            code=row["code"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            order=row["order"],
            stage=stages[row["stage"]],
        )
        for row in data["links"]
    }
    Scenario.objects.bulk_create(
        Scenario(
            catalogue=catalogue,
            code=row["code"],
            link=links[row["link"]],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
        )
        for row in data["scenarios"]
    )
    return catalogue


@transaction.atomic
def tier_conditions_create(
    *, data: dict[str, Any], catalogue: ScenarioCatalogue
) -> TierConditionsEdition:
    refcache.reference_data_changed()
    rules = data.get("assessment_rules", {})
    edition = TierConditionsEdition.objects.create(
        edition=data["edition"],
        title_zh=data["title_zh"],
        provenance=data.get("provenance", ""),
        scenario_catalogue=catalogue,
        status=TierConditionsEdition.Status.PUBLISHED,
        published_at=timezone.now(),
        assessment_valid_months=rules.get("self_assessment_required_every_months", 12),
        publicity_working_days=data.get("publicity", {}).get("default_working_days", 5),
    )
    QuotaRule.objects.bulk_create(
        QuotaRule(edition=edition, **row)
        for row in quota_rules_from_data(data.get("quotas_2025") or {})
    )
    stage_codes = set(catalogue.stages.values_list("code", flat=True))
    for row in data["tiers"]:
        unknown = set(row["required_stages"]) - stage_codes
        if unknown:
            raise ValueError(f"tier {row['code']}: unknown stages {sorted(unknown)}")
        prerequisite = row.get("prerequisite") or {}
        share = row.get("min_ai_scenario_share")
        TierCondition.objects.create(
            edition=edition,
            tier=row["code"],
            order=row["order"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            prerequisite_tier=prerequisite.get("tier") or "",
            pool_alternative=bool(prerequisite.get("or_in_city_cultivation_pool")),
            min_maturity_level=row["min_maturity_level"],
            required_stages=row["required_stages"],
            min_ai_share=None if share is None else Decimal(str(share)),
            indicator_benchmark=row.get("indicator_benchmark", ""),
            certified_by=row.get("certified_by", ""),
            default_window_month=(row.get("default_window") or {}).get("month"),
            cultivation_months_max=row.get("cultivation_period_months_max"),
            **_process_facts(row["code"], row.get("process") or {}),
        )
    return edition


def _process_facts(tier: str, process: dict[str, Any]) -> dict[str, Any]:
    """How a tier is run, from its ``process`` block; a workflow the portal lacks is refused."""
    from certification.workflow.definitions import WORKFLOWS

    workflow = process.get("workflow", "")
    if workflow not in WORKFLOWS:
        raise ValueError(f"tier {tier}: unknown workflow {workflow!r}")
    return {
        "needs_campaign": bool(process.get("needs_campaign", True)),
        "workflow": workflow,
        "certifying_level": process.get("certifying_level", "national"),
        "certificate_prefix": process.get("certificate_prefix", ""),
        "publicity_required": bool(process.get("publicity_required", True)),
        "min_experts": int(process.get("min_experts", 0)),
        "review_rubric": list(process.get("review_rubric", [])),
        "joint_department_kinds": list(process.get("joint_department_kinds", [])),
    }


def certification_load_reference() -> int:
    """Create the 2025 scenario catalogue and tier conditions editions once. Idempotent:
    existing editions are never edited in place. Returns the number of editions created."""
    created = 0
    scenarios = read_json_file(SCENARIOS_FILE)
    catalogue = ScenarioCatalogue.objects.filter(edition=scenarios["edition"]).first()
    if catalogue is None:
        catalogue = scenario_catalogue_create(data=scenarios)
        created += 1
    conditions = read_json_file(TIER_CONDITIONS_FILE)
    if not TierConditionsEdition.objects.filter(edition=conditions["edition"]).exists():
        tier_conditions_create(data=conditions, catalogue=catalogue)
        created += 1
    return created


# --- reference data editions ---------------------------------------------------------------


def edition_in_use(edition: TierConditionsEdition) -> bool:
    return edition.campaigns.exists() or edition.applications.exists()


def catalogue_in_use(catalogue: ScenarioCatalogue) -> bool:
    return any(edition_in_use(edition) for edition in catalogue.tier_editions.all())


@transaction.atomic
def tier_conditions_copy(
    *, edition: TierConditionsEdition, new_edition: str
) -> TierConditionsEdition:
    """Start a revision: a new edition with the same conditions, editable until it is used."""
    refcache.reference_data_changed()
    conditions = list(edition.conditions.all())
    copy = TierConditionsEdition(
        edition=new_edition,
        title_zh=edition.title_zh,
        provenance=_("Copied from edition %(code)s.") % {"code": edition.edition},
        status=TierConditionsEdition.Status.DRAFT,
        scenario_catalogue=edition.scenario_catalogue,
        assessment_valid_months=edition.assessment_valid_months,
        publicity_working_days=edition.publicity_working_days,
        lapse_reminder_days=list(edition.lapse_reminder_days),
        suspension_grace_days=edition.suspension_grace_days,
        review_step_working_days=dict(edition.review_step_working_days),
        national_targets=[dict(target) for target in edition.national_targets],
    )
    clash = TierConditionsEdition.objects.filter(edition=new_edition)
    existing = save_unless_exists(copy, clash=clash)
    if existing is not None:
        raise Conflict(
            _("Edition %(code)s exists.") % {"code": new_edition},
            code="edition_exists",
            existing_id=existing.pk,
        )
    for condition in conditions:
        condition.pk = None
        condition.edition = copy
    TierCondition.objects.bulk_create(conditions)
    quota_rules = list(edition.quota_rules.all())
    for rule in quota_rules:
        rule.pk = None
        rule.edition = copy
    QuotaRule.objects.bulk_create(quota_rules)
    return copy


@transaction.atomic
def tier_conditions_publish(*, edition: TierConditionsEdition) -> TierConditionsEdition:
    """Publish a draft edition: new campaigns and applications use it from now on."""
    refcache.reference_data_changed()
    edition = TierConditionsEdition.objects.select_for_update().get(pk=edition.pk)
    if edition.status == TierConditionsEdition.Status.PUBLISHED:
        return edition
    missing = set(Tier.values) - set(edition.conditions.values_list("tier", flat=True))
    if missing:
        raise DomainError(
            _("The edition has no conditions for: %(tiers)s.")
            % {"tiers": ", ".join(sorted(missing))},
            code="edition_incomplete",
        )
    edition.status = TierConditionsEdition.Status.PUBLISHED
    edition.published_at = timezone.now()
    edition.save(update_fields=["status", "published_at"])
    return edition
