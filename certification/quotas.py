"""Quota rules (DESIGN 2.5): reading an edition's published quotas into rows, and the quota a
recommending unit gets from them. Pure: no database, so that the data migration that turned the
editions' quota JSON into rows uses the same reading."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

UNIT_PROVINCE, UNIT_CORPS, UNIT_SOE_GROUP = "province", "corps", "central_soe_group"
FLAT, INDUSTRIAL_RANK, EXCELLENT_COUNT = "flat", "industrial_rank", "excellent_count"

_RANKED = re.compile(r"^provinces ranked (\d+)-(\d+)\b")
_FLAT_KEYS = {
    "other provinces": UNIT_PROVINCE,
    "Xinjiang Production and Construction Corps": UNIT_CORPS,
    "each central state-owned enterprise group": UNIT_SOE_GROUP,
}


def quota_rules_from_data(quotas: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of a tier-conditions file's ``quotas_2025`` section (field values of
    ``QuotaRule`` but the edition). A key the reading does not know is an error, not a row
    left out."""
    rows: list[dict[str, Any]] = []
    for key, quota in (quotas.get("excellent_per_recommending_unit") or {}).items():
        ranked = _RANKED.match(key)
        if ranked:
            first, last = int(ranked.group(1)), int(ranked.group(2))
            rows.append(_row("excellent", UNIT_PROVINCE, INDUSTRIAL_RANK, first, last, quota))
        elif key in _FLAT_KEYS:
            rows.append(_row("excellent", _FLAT_KEYS[key], FLAT, None, None, quota))
        else:
            raise ValueError(f"quotas: unknown recommending unit {key!r}")
    for band in quotas.get("leading_per_province_by_excellent_count") or []:
        rows.append(
            _row(
                "leading",
                UNIT_PROVINCE,
                EXCELLENT_COUNT,
                band["min_excellent"],
                None,
                band["quota"],
            )
        )
    unknown = set(quotas) - {
        "excellent_per_recommending_unit",
        "leading_per_province_by_excellent_count",
    }
    if unknown:
        raise ValueError(f"quotas: unknown sections {sorted(unknown)}")
    return rows


def _row(
    tier: str, unit: str, basis: str, band_min: int | None, band_max: int | None, quota: Any
) -> dict[str, Any]:
    return {
        "tier": tier,
        "unit": unit,
        "basis": basis,
        "band_min": band_min,
        "band_max": band_max,
        "quota": int(quota),
    }


class Rule(Protocol):
    unit: str
    basis: str
    band_min: int | None
    band_max: int | None
    quota: int


def quota_for(
    rules: Iterable[Rule], unit: str, *, rank: int | None = None, excellent: int = 0
) -> int | None:
    """The quota of a unit of kind ``unit`` under ``rules`` (one edition and tier): the rank
    band that holds ``rank``, else the excellent-count rule with the highest least count not
    above ``excellent``, else the kind's flat rule; None when no rule applies."""
    mine = [rule for rule in rules if rule.unit == unit]
    for rule in mine:
        if (
            rule.basis == INDUSTRIAL_RANK
            and rank is not None
            and rule.band_min is not None
            and rule.band_max is not None
            and rule.band_min <= rank <= rule.band_max
        ):
            return rule.quota
    counted = [
        rule
        for rule in mine
        if rule.basis == EXCELLENT_COUNT
        and rule.band_min is not None
        and rule.band_min <= excellent
    ]
    if counted:
        return max(counted, key=lambda rule: rule.band_min or 0).quota
    return next((rule.quota for rule in mine if rule.basis == FLAT), None)
