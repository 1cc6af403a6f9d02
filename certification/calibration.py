"""Reviewer calibration (issue 14), as a pure function: how each expert's weighted scores stand
against the panels they sat on, so that a department sees an expert who scores far above or
below the others before it decides.

An expert's deviation on an application is their total (the weighted score, 0 to 100) minus
the mean of the other panel members' totals (the experts who scored that application at that
level). Panels with a single score say nothing and are left out. An expert is an outlier when
their deviations average ``OUTLIER_POINTS`` points or more either way, over at least
``MIN_SCORED`` panels: a rule a department can state and check. (A rule relative to the spread
of all deviations cannot flag anyone on three-member panels, where one expert's distance from
the others also moves the others.)
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

OUTLIER_POINTS = 10.0
MIN_SCORED = 3


@dataclass(frozen=True)
class Score:
    expert_id: int
    panel: tuple[int, str]  # (application id, level)
    total: Decimal


@dataclass(frozen=True)
class Calibration:
    expert_id: int
    panels: int
    mean_total: float
    mean_deviation: float
    spread: float  # the standard deviation of this expert's deviations (0 with one panel)
    outlier: bool


@dataclass(frozen=True)
class CalibrationSet:
    experts: list[Calibration]  # largest mean deviation (either way) first
    spread: float  # the standard deviation of all the deviations
    threshold: float  # |mean deviation| from which an expert is an outlier


def calibrate(scores: Iterable[Score]) -> CalibrationSet:
    panels: dict[tuple[int, str], list[Score]] = defaultdict(list)
    for score in scores:
        panels[score.panel].append(score)
    deviations: dict[int, list[float]] = defaultdict(list)
    totals: dict[int, list[float]] = defaultdict(list)
    everything: list[float] = []
    for members in panels.values():
        if len(members) < 2:
            continue
        total = sum(float(m.total) for m in members)
        for member in members:
            others = (total - float(member.total)) / (len(members) - 1)
            deviation = float(member.total) - others
            deviations[member.expert_id].append(deviation)
            totals[member.expert_id].append(float(member.total))
            everything.append(deviation)
    spread = statistics.pstdev(everything) if len(everything) > 1 else 0.0
    threshold = OUTLIER_POINTS
    experts = [
        Calibration(
            expert_id=expert_id,
            panels=len(own),
            mean_total=round(statistics.fmean(totals[expert_id]), 2),
            mean_deviation=round(statistics.fmean(own), 2),
            spread=round(statistics.pstdev(own), 2) if len(own) > 1 else 0.0,
            outlier=(
                len(own) >= MIN_SCORED and threshold > 0 and abs(statistics.fmean(own)) >= threshold
            ),
        )
        for expert_id, own in deviations.items()
    ]
    experts.sort(key=lambda c: (-abs(c.mean_deviation), c.expert_id))
    return CalibrationSet(experts=experts, spread=round(spread, 2), threshold=round(threshold, 2))
