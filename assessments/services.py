"""Writes for the maturity model: creating versions from data."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessments.models import Domain, Element, Level, ModelVersion, Requirement, SubDomain

DATA_DIR = Path(__file__).resolve().parent / "data"
STRUCTURE_FILE = DATA_DIR / "maturity-model-2020.json"
ILLUSTRATIVE_FILE = DATA_DIR / "illustrative-requirements-2020.json"
ILLUSTRATIVE_VERSION_CODE = "GB/T 39116-2020 illustrative-2020"


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@transaction.atomic
def model_version_create(
    *,
    code: str,
    structure: dict[str, Any],
    requirement_set: dict[str, Any],
    publish: bool,
    illustrative: bool,
) -> ModelVersion:
    """Create a complete model version (structure + requirements) in one transaction.

    ``structure`` has the shape of data/maturity-model-2020.json; ``requirement_set`` has
    ``requirements`` (code, subdomain, level, text_zh, text_en), optional ``weights``
    {subdomain: number} and optional ``not_applicable`` {"discrete"|"process": [subdomain]}.
    The caller validates the data first (see assessments.importing).
    """
    version = ModelVersion.objects.create(
        code=code,
        standard_code=structure["code"],
        title_zh=structure["title_zh"],
        title_en=structure["title_en"],
        illustrative=illustrative,
        notice_zh=requirement_set.get("notice_zh", ""),
        notice_en=requirement_set.get("notice_en", ""),
        provenance=structure.get("provenance", ""),
        status=ModelVersion.Status.PUBLISHED if publish else ModelVersion.Status.DRAFT,
        published_at=timezone.now() if publish else None,
    )
    Level.objects.bulk_create(
        Level(
            version=version,
            number=row["level"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            meaning=row.get("meaning", ""),
        )
        for row in structure["levels"]
    )
    weights = requirement_set.get("weights", {})
    not_applicable = requirement_set.get("not_applicable", {})
    subdomains: dict[str, SubDomain] = {}
    subdomain_order = 0
    for element_order, element_row in enumerate(structure["elements"], start=1):
        element = Element.objects.create(
            version=version,
            code=element_row["code"],
            name_zh=element_row["name_zh"],
            name_en=element_row["name_en"],
            order=element_order,
        )
        for domain_order, domain_row in enumerate(element_row["domains"], start=1):
            domain = Domain.objects.create(
                element=element,
                code=domain_row["code"],
                name_zh=domain_row["name_zh"],
                name_en=domain_row["name_en"],
                order=domain_order,
            )
            for sub_row in domain_row["subdomains"]:
                subdomain_order += 1
                code_ = sub_row["code"]
                subdomains[code_] = SubDomain(
                    version=version,
                    domain=domain,
                    code=code_,
                    name_zh=sub_row["name_zh"],
                    name_en=sub_row["name_en"],
                    order=subdomain_order,
                    weight=Decimal(str(weights.get(code_, 1))),
                    applies_to_discrete=code_ not in not_applicable.get("discrete", []),
                    applies_to_process=code_ not in not_applicable.get("process", []),
                )
    SubDomain.objects.bulk_create(subdomains.values())
    Requirement.objects.bulk_create(
        (
            Requirement(
                version=version,
                subdomain=subdomains[row["subdomain"]],
                level=int(row["level"]),
                code=row["code"],
                order=order,
                text_zh=row["text_zh"],
                text_en=row.get("text_en", ""),
            )
            for order, row in enumerate(requirement_set["requirements"], start=1)
        ),
        batch_size=500,
    )
    return version


def maturity_model_load_reference() -> int:
    """Create the published illustrative version once. Idempotent: an existing version is
    never touched (versions are immutable). Returns 1 when it was created, else 0."""
    if ModelVersion.objects.filter(code=ILLUSTRATIVE_VERSION_CODE).exists():
        return 0
    model_version_create(
        code=ILLUSTRATIVE_VERSION_CODE,
        structure=_read_json(STRUCTURE_FILE),
        requirement_set=_read_json(ILLUSTRATIVE_FILE),
        publish=True,
        illustrative=True,
    )
    return 1
