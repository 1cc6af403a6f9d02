"""Maturity scoring (GB/T 39117-2020 method as documented in DESIGN 2.2). Pure: no ORM, no I/O.

- Each requirement is answered 0 (not met), 0.5 (partly), 0.8 (largely) or 1 (fully met).
- Sub-domain score at level L = mean of its requirement scores at L.
- Level score at L = weighted mean of the applicable sub-domains' scores at L; a sub-domain
  with no requirements at L does not count at L.
- Level L is attained when its score >= 0.8 and every lower level is attained.
- Maturity level = highest attained level (0 when level 1 is not attained).
- Overall score = maturity level + level score of the next level (5.00 at level 5).

Scores are floats compared with a tolerance of 1e-9, so a score of exactly 0.8 (which binary
floating point may hold as 0.79999...) attains its level; genuine score differences are many
orders of magnitude larger than the tolerance. The method is
versioned: a corrected method is a new function with a new ``METHOD`` name, and assessments
record which method scored them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, overload

METHOD = "gbt39117-2020-portal-v1"
LEVELS = (1, 2, 3, 4, 5)
ANSWER_VALUES = (0.0, 0.5, 0.8, 1.0)
THRESHOLD = 0.8
EPSILON = 1e-9


@dataclass(frozen=True)
class RequirementSpec:
    code: str
    subdomain: str
    level: int


@dataclass(frozen=True)
class SubdomainSpec:
    code: str
    weight: Decimal | float | int = 1
    applicable: bool = True


@dataclass(frozen=True)
class ModelSpec:
    """What the scorer needs of a model version, for one industry type."""

    subdomains: tuple[SubdomainSpec, ...]
    requirements: tuple[RequirementSpec, ...]

    def applicable_requirements(self) -> list[RequirementSpec]:
        applicable = {s.code for s in self.subdomains if s.applicable}
        return [r for r in self.requirements if r.subdomain in applicable]


@dataclass(frozen=True)
class GapItem:
    """Raising this requirement to ``target`` is part of the cheapest way to the next level."""

    requirement: str
    subdomain: str
    current: float
    target: float


@dataclass(frozen=True)
class ScoreResult:
    method: str
    maturity_level: int
    overall_score: float
    level_scores: dict[int, float | None]
    attained_levels: list[int]
    # subdomain -> level -> score (only levels at which the sub-domain has requirements)
    subdomain_scores: dict[str, dict[int, float]]
    # subdomain -> the same maturity formula applied to that sub-domain alone (0..5)
    subdomain_overall: dict[str, float]
    gap_to_next_level: list[GapItem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form, as stored on the assessment and returned by the API."""
        return {
            "method": self.method,
            "maturity_level": self.maturity_level,
            "overall_score": self.overall_score,
            "level_scores": {str(k): v for k, v in self.level_scores.items()},
            "attained_levels": list(self.attained_levels),
            "subdomain_scores": {
                code: {str(level): value for level, value in levels.items()}
                for code, levels in self.subdomain_scores.items()
            },
            "subdomain_overall": dict(self.subdomain_overall),
            "gap_to_next_level": [
                {
                    "requirement": g.requirement,
                    "subdomain": g.subdomain,
                    "current": g.current,
                    "target": g.target,
                }
                for g in self.gap_to_next_level
            ],
        }


def answer_value(value: Any) -> float:
    """The value of an answer; raises ValueError for anything but the four values."""
    if isinstance(value, bool):
        raise ValueError(f"not an answer value: {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not an answer value: {value!r}") from exc
    if number not in ANSWER_VALUES:
        raise ValueError(f"not an answer value: {value!r}")
    return number


def attains(level_score: float | None) -> bool:
    return level_score is not None and level_score >= THRESHOLD - EPSILON


@overload
def shown(value: float) -> float: ...


@overload
def shown(value: None) -> None: ...


def shown(value: float | None) -> float | None:
    """A score as shown to people: truncated to two decimals, never rounded up, so that a
    level score of 0.7975 (not attained) reads 0.79, not 0.80."""
    if value is None:
        return None
    return math.floor(value * 100 + EPSILON) / 100


def _round(value: float) -> float:
    return round(value, 4)


def _attainment(level_scores: Mapping[int, float | None]) -> tuple[list[int], int, float]:
    """Attained levels, maturity level and overall score from per-level scores."""
    attained: list[int] = []
    for level in LEVELS:
        if not attains(level_scores.get(level)):
            break
        attained.append(level)
    maturity = attained[-1] if attained else 0
    if maturity == LEVELS[-1]:
        return attained, maturity, float(maturity)
    return attained, maturity, maturity + (level_scores.get(maturity + 1) or 0.0)


def score(model: ModelSpec, answers: Mapping[str, Any]) -> ScoreResult:
    """Score answers {requirement code: value}; unanswered requirements count as 0."""
    values = {code: answer_value(value) for code, value in answers.items()}
    weights = {s.code: float(s.weight) for s in model.subdomains if s.applicable}

    by_cell: dict[tuple[str, int], list[RequirementSpec]] = defaultdict(list)
    for requirement in model.applicable_requirements():
        by_cell[(requirement.subdomain, requirement.level)].append(requirement)

    cell_scores: dict[tuple[str, int], float] = {
        cell: sum(values.get(r.code, 0.0) for r in reqs) / len(reqs)
        for cell, reqs in by_cell.items()
    }

    level_scores: dict[int, float | None] = {}
    for level in LEVELS:
        cells = [
            (code, cell_scores[(code, level)]) for code in weights if (code, level) in cell_scores
        ]
        total_weight = sum(weights[code] for code, _ in cells)
        level_scores[level] = (
            sum(weights[code] * value for code, value in cells) / total_weight
            if total_weight
            else None
        )

    attained, maturity, overall = _attainment(level_scores)

    subdomain_scores: dict[str, dict[int, float]] = {}
    subdomain_overall: dict[str, float] = {}
    for code in weights:
        own = {
            level: cell_scores[(code, level)] for level in LEVELS if (code, level) in cell_scores
        }
        subdomain_scores[code] = {level: _round(value) for level, value in own.items()}
        # A level with no requirements for this sub-domain does not hold it back.
        padded: dict[int, float | None] = {level: own.get(level, 1.0) for level in LEVELS}
        subdomain_overall[code] = _round(_attainment(padded)[2])

    return ScoreResult(
        method=METHOD,
        maturity_level=maturity,
        overall_score=_round(overall),
        level_scores={lvl: None if s is None else _round(s) for lvl, s in level_scores.items()},
        attained_levels=attained,
        subdomain_scores=subdomain_scores,
        subdomain_overall=subdomain_overall,
        gap_to_next_level=gap_to_level(model, values, maturity + 1, weights, by_cell),
    )


def gap_to_level(
    model: ModelSpec,
    values: Mapping[str, float],
    level: int,
    weights: Mapping[str, float],
    by_cell: Mapping[tuple[str, int], list[RequirementSpec]],
) -> list[GapItem]:
    """The fewest requirement raises at ``level`` that bring its score to the threshold.

    Greedy by gain: raise the requirement whose move to "fully met" adds the most to the level
    score, until the level score reaches 0.8; then lower each chosen target to "largely met"
    (0.8) where the level still holds. Lower levels are attained by definition of the next
    level, so only ``level`` needs raising. Empty when ``level`` is beyond 5 or has no
    requirements.
    """
    if level not in LEVELS:
        return []
    cells = {code: by_cell[(code, level)] for code in weights if (code, level) in by_cell}
    total_weight = sum(weights[code] for code in cells)
    if not total_weight:
        return []

    def contribution(code: str, value: float) -> float:
        return weights[code] * value / (len(cells[code]) * total_weight)

    current = {r.code: values.get(r.code, 0.0) for reqs in cells.values() for r in reqs}
    level_score = sum(
        contribution(r.subdomain, current[r.code]) for reqs in cells.values() for r in reqs
    )
    if attains(level_score):
        return []
    candidates = sorted(
        (r for reqs in cells.values() for r in reqs if current[r.code] < 1),
        key=lambda r: (-contribution(r.subdomain, 1 - current[r.code]), r.code),
    )
    targets: dict[str, float] = {}
    for requirement in candidates:
        if attains(level_score):
            break
        targets[requirement.code] = 1.0
        level_score += contribution(requirement.subdomain, 1 - current[requirement.code])
    # Ask for "largely met" instead of "fully met" wherever that is enough.
    by_code = {r.code: r for r in candidates}
    for code in reversed(list(targets)):
        requirement = by_code[code]
        if current[code] >= ANSWER_VALUES[2]:
            continue
        saving = contribution(requirement.subdomain, 1.0 - ANSWER_VALUES[2])
        if attains(level_score - saving):
            targets[code] = ANSWER_VALUES[2]
            level_score -= saving
    return [
        GapItem(
            requirement=code,
            subdomain=by_code[code].subdomain,
            current=current[code],
            target=target,
        )
        for code, target in targets.items()
    ]


def spec_from_rows(
    subdomains: Iterable[tuple[str, Any, bool]], requirements: Iterable[tuple[str, str, int]]
) -> ModelSpec:
    """A ModelSpec from rows: (code, weight, applicable) and (code, subdomain, level)."""
    return ModelSpec(
        subdomains=tuple(SubdomainSpec(c, w, a) for c, w, a in subdomains),
        requirements=tuple(RequirementSpec(c, s, int(lv)) for c, s, lv in requirements),
    )
