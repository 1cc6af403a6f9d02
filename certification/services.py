"""Writes for certification reference data (scenario catalogue and tier conditions editions)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from certification.models import (
    Link,
    Scenario,
    ScenarioCatalogue,
    Stage,
    TierCondition,
    TierConditionsEdition,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
SCENARIOS_FILE = DATA_DIR / "scenarios-2025.json"
TIER_CONDITIONS_FILE = DATA_DIR / "tier-conditions-2025.json"


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@transaction.atomic
def scenario_catalogue_create(*, data: dict[str, Any]) -> ScenarioCatalogue:
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
    rules = data.get("assessment_rules", {})
    edition = TierConditionsEdition.objects.create(
        edition=data["edition"],
        title_zh=data["title_zh"],
        provenance=data.get("provenance", ""),
        scenario_catalogue=catalogue,
        assessment_valid_months=rules.get("self_assessment_required_every_months", 12),
        publicity_working_days=data.get("publicity", {}).get("default_working_days", 5),
        quotas=data.get("quotas_2025", {}),
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
        )
    return edition


def certification_load_reference() -> int:
    """Create the 2025 scenario catalogue and tier conditions editions once. Idempotent:
    existing editions are never edited in place. Returns the number of editions created."""
    created = 0
    scenarios = _read_json(SCENARIOS_FILE)
    catalogue = ScenarioCatalogue.objects.filter(edition=scenarios["edition"]).first()
    if catalogue is None:
        catalogue = scenario_catalogue_create(data=scenarios)
        created += 1
    conditions = _read_json(TIER_CONDITIONS_FILE)
    if not TierConditionsEdition.objects.filter(edition=conditions["edition"]).exists():
        tier_conditions_create(data=conditions, catalogue=catalogue)
        created += 1
    return created
