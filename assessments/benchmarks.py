"""Peer benchmarking: a factory's scores beside the anonymised distribution of its peers.

Pure: no ORM, no request. A periodic count (``assessments.services.peer_distributions_refresh``)
stores each peer group's distribution of each measure as its value at every percentile 0 to
100 (:func:`points` here on the embedded database, ``percentile_cont`` on PostgreSQL); the
selector (``assessments.selectors.peer_benchmark_for``) reads the factory's three groups, turns
each into figures with :func:`figures_from_points` and hands them to :func:`benchmark`.

- A *measure* is the overall score (key ``""``) or one sub-domain's own maturity score (its
  code), as stored in the assessment's result (``subdomain_overall``).
- Quartiles are interpolated linearly between the closest ranks (PostgreSQL's
  ``percentile_cont``; ``statistics.quantiles(method="inclusive")``).
- A factory's percentile is the share of peers scoring below it, counting ties as half:
  ``(below + equal / 2) / peers * 100``. It is read off the 101 stored points by linear
  interpolation (:func:`position`); when the group includes the factory itself, that is the
  exact share up to less than one percentage point.
- A group counts the factory itself when its latest assessment was counted; its number of
  *peers* is then one less.
- A distribution of fewer than ``min_peers`` peers is withheld: only its size is shown, so no
  one can read a handful of named competitors' scores off a box plot.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

OVERALL = ""  # the measure key of the overall score
EPSILON = 1e-9
WITHHOLD_ALL = sys.maxsize  # a threshold no group reaches

# The peer groups, in the order they are shown.
CUT_INDUSTRY = "industry"  # same GB/T 4754 division, nationwide
CUT_PROVINCE = "province"  # same province, every industry
CUT_INDUSTRY_PROVINCE = "industry_province"  # same division in the same province
CUTS = (CUT_INDUSTRY_PROVINCE, CUT_INDUSTRY, CUT_PROVINCE)


PERCENTILES = tuple(step / 100 for step in range(101))  # the stored points' fractions


@dataclass(frozen=True)
class PeerFigures:
    """One measure in one peer group: the number of peers (other than the factory), the five
    figures (None when there are no peers) and the factory's percentile among them."""

    count: int
    minimum: float | None = None
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    maximum: float | None = None
    percentile: float | None = None


@dataclass(frozen=True)
class Distribution:
    count: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float


@dataclass(frozen=True)
class Comparison:
    """One measure of the factory beside one peer group. ``distribution``, ``percentile`` and
    ``quartile`` are None when the group is withheld (fewer peers than the threshold)."""

    measure: str
    own: float | None
    peers: int
    distribution: Distribution | None
    percentile: float | None
    quartile: int | None  # 1 (bottom quarter) to 4 (top quarter)

    @property
    def withheld(self) -> bool:
        return self.distribution is None


@dataclass(frozen=True)
class CutBenchmark:
    cut: str
    peers: int
    shown: bool
    overall: Comparison
    subdomains: list[Comparison]


def quantile(ordered: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile of sorted values, interpolated linearly between the closest
    ranks (as ``percentile_cont``)."""
    if not ordered:
        raise ValueError("no values")
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def points(values: Sequence[float]) -> list[float]:
    """The value at each percentile 0, 1, … 100 of ``values`` (as ``percentile_cont``)."""
    ordered = sorted(values)
    return [quantile(ordered, fraction) for fraction in PERCENTILES]


def position(stored: Sequence[float], value: float) -> float:
    """Where ``value`` falls among the stored percentile points, in percent, interpolated
    linearly; where it equals a run of points (ties) the middle of the run."""
    last = len(stored) - 1
    if value < stored[0] - EPSILON:
        return 0.0
    if value > stored[last] + EPSILON:
        return 100.0
    # The lowest position whose point reaches the value, and the highest still at most it.
    upper = next(index for index, point in enumerate(stored) if point >= value - EPSILON)
    low = float(upper)
    if upper > 0 and stored[upper] > stored[upper - 1]:
        step = (value - stored[upper - 1]) / (stored[upper] - stored[upper - 1])
        low = upper - 1 + min(max(step, 0.0), 1.0)
    lower = max(index for index, point in enumerate(stored) if point <= value + EPSILON)
    high = float(lower)
    if lower < last and stored[lower + 1] > stored[lower]:
        step = (value - stored[lower]) / (stored[lower + 1] - stored[lower])
        high = lower + min(max(step, 0.0), 1.0)
    return (low + high) / 2 * 100 / last


def figures_from_points(
    count: int, stored: Sequence[float], own: float | None, *, own_included: bool
) -> PeerFigures:
    """The figures of one measure in one group from its stored count and points;
    ``own_included`` when the group counted the factory itself (then it has one peer less)."""
    peers = count - 1 if own_included and own is not None else count
    if peers <= 0 or len(stored) != len(PERCENTILES):
        return PeerFigures(count=max(peers, 0))
    return PeerFigures(
        count=peers,
        minimum=stored[0],
        q1=stored[25],
        median=stored[50],
        q3=stored[75],
        maximum=stored[100],
        percentile=None if own is None else round(position(stored, own), 1),
    )


def quartile_of(own: float, distribution: Distribution) -> int:
    """Which quarter of the peers the factory's value falls in: 1 (at or below the first
    quartile) to 4 (above the third)."""
    if own <= distribution.q1 + EPSILON:
        return 1
    if own <= distribution.median + EPSILON:
        return 2
    if own <= distribution.q3 + EPSILON:
        return 3
    return 4


def compare(measure: str, own: float | None, figures: PeerFigures, min_peers: int) -> Comparison:
    if figures.count < min_peers or figures.count == 0 or figures.minimum is None:
        return Comparison(measure, own, figures.count, None, None, None)
    distribution = Distribution(
        count=figures.count,
        minimum=figures.minimum,
        q1=figures.q1 if figures.q1 is not None else figures.minimum,
        median=figures.median if figures.median is not None else figures.minimum,
        q3=figures.q3 if figures.q3 is not None else figures.maximum or figures.minimum,
        maximum=figures.maximum if figures.maximum is not None else figures.minimum,
    )
    return Comparison(
        measure=measure,
        own=own,
        peers=figures.count,
        distribution=distribution,
        percentile=figures.percentile if own is not None else None,
        quartile=quartile_of(own, distribution) if own is not None else None,
    )


def benchmark(
    own: Mapping[str, float],
    figures: Mapping[str, Mapping[str, PeerFigures]],
    *,
    min_peers: int,
    subdomains: Sequence[str],
) -> list[CutBenchmark]:
    """The factory's measures (``own``: overall under ``OVERALL``, sub-domains by code) beside
    each peer group's ``figures`` (cut -> measure -> figures), sub-domains in ``subdomains``
    order. A group is shown when its number of peers (those with an overall score) reaches
    ``min_peers``; else every comparison in it is withheld."""
    cuts = []
    for cut in CUTS:
        by_measure = figures.get(cut, {})
        overall = by_measure.get(OVERALL, PeerFigures(count=0))
        peers = overall.count
        # A group too small is withheld whole, whatever any one measure's count.
        threshold = min_peers if peers >= min_peers else WITHHOLD_ALL
        cuts.append(
            CutBenchmark(
                cut=cut,
                peers=peers,
                shown=peers >= min_peers,
                overall=compare(OVERALL, own.get(OVERALL), overall, threshold),
                subdomains=[
                    compare(
                        code,
                        own.get(code),
                        by_measure.get(code, PeerFigures(count=0)),
                        threshold,
                    )
                    for code in subdomains
                ],
            )
        )
    return cuts
