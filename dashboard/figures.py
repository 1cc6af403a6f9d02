"""The dashboard's figures, put together from grouped counts. Pure: no ORM, no request.

The selectors read the database with a handful of aggregate queries, each grouped by region and
industry; the functions here fold those groups into the totals, the breakdowns and the progress
against the programme's targets, so that the arithmetic can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

TIERS = ("basic", "advanced", "excellent", "leading")
LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class CountGroup:
    """The counts of one group (a subregion or an industry, and a size): enterprises and
    factories at each level 0 (no valid self-assessment) to 5, current certificates by tier."""

    code: str
    above_size: bool
    enterprises: tuple[int, ...]
    factories: tuple[int, ...]
    certificates: Mapping[str, int]


@dataclass
class Share:
    """How many of ``total`` are at level 2 or above, and the share in percent."""

    total: int = 0
    level2: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.level2 / self.total, 1) if self.total else None


@dataclass
class BreakdownRow:
    """One subregion or industry: its enterprises and their level-2 share, its current
    certificates by tier."""

    code: str
    enterprises: Share = field(default_factory=Share)
    above_size: Share = field(default_factory=Share)
    assessed: int = 0
    certificates: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    factories: list[int] = field(default_factory=lambda: [0] * 6)

    @property
    def tier_counts(self) -> list[int]:
        """The current certificates of each tier, basic to leading."""
        return [self.certificates.get(tier, 0) for tier in TIERS]


@dataclass(frozen=True)
class TargetProgress:
    year: int
    level2_share_target: int
    level2_share: float | None
    excellent_target: int
    excellent: int

    @property
    def level2_met(self) -> bool:
        return self.level2_share is not None and self.level2_share >= self.level2_share_target

    @property
    def excellent_met(self) -> bool:
        return self.excellent >= self.excellent_target

    @property
    def excellent_percent(self) -> float:
        """The excellent count as a share of its target (may pass 100)."""
        if not self.excellent_target:
            return 100.0
        return round(100 * self.excellent / self.excellent_target, 1)


@dataclass(frozen=True)
class StepFigure:
    """Applications at one step now, how long they have waited so far (median days), and how
    long the step took the applications that left it in the last year (median days)."""

    status: str
    in_step: int
    median_waiting_days: float | None
    median_step_days: float | None
    completed: int


@dataclass(frozen=True)
class CampaignFigure:
    campaign_id: int
    label: str
    tier: str
    opens_on: date
    closes_on: date
    days_left: int
    applications: int
    submitted: int
    certified: int
    quota: int | None

    @property
    def is_open(self) -> bool:
        return self.days_left >= 0

    @property
    def quota_percent(self) -> float | None:
        if not self.quota:
            return None
        return round(100 * self.submitted / self.quota, 1)


def breakdown(groups: Iterable[CountGroup]) -> tuple[BreakdownRow, dict[str, BreakdownRow]]:
    """The total of ``groups`` and a row per code (both sizes of a code in one row)."""
    total = BreakdownRow(code="")
    by_code: dict[str, BreakdownRow] = {}
    for group in groups:
        enterprises, level2 = sum(group.enterprises), sum(group.enterprises[2:])
        for row in (total, by_code.setdefault(group.code, BreakdownRow(code=group.code))):
            row.enterprises.total += enterprises
            row.enterprises.level2 += level2
            if group.above_size:
                row.above_size.total += enterprises
                row.above_size.level2 += level2
            row.assessed += enterprises - group.enterprises[0]
            for level, count in enumerate(group.factories):
                row.factories[level] += count
            for tier, count in group.certificates.items():
                row.certificates[tier] = row.certificates.get(tier, 0) + count
    return total, by_code


def target_progress(
    targets: Sequence[Mapping[str, int]], *, level2_share: float | None, excellent: int
) -> list[TargetProgress]:
    """Where the region stands against each year's targets, in year order."""
    return [
        TargetProgress(
            year=target["year"],
            level2_share_target=target["level2_share"],
            level2_share=level2_share,
            excellent_target=target["excellent"],
            excellent=excellent,
        )
        for target in sorted(targets, key=lambda t: t["year"])
    ]


def issued_by_year(
    rows: Iterable[tuple[int, str, int]], *, first_year: int, last_year: int
) -> list[tuple[int, dict[str, int]]]:
    """Certificates issued per year and tier, with every year of the range present."""
    years: dict[int, dict[str, int]] = {
        year: dict.fromkeys(TIERS, 0) for year in range(first_year, last_year + 1)
    }
    for year, tier, count in rows:
        if year in years:
            years[year][tier] = years[year].get(tier, 0) + count
    return sorted(years.items())


def median(values: Sequence[float]) -> float | None:
    """The median of ``values`` (None when empty); the fallback where the database has no
    ``percentile_cont``."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
