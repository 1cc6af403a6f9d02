"""Peer benchmarking: a factory's scores beside the anonymised distribution of its peers.

Pure: no ORM, no request. The selector (``assessments.selectors.peer_benchmark_for``) reads
each peer group's figures with aggregate SQL (or, on the embedded database, reads the values
and summarises them with :func:`summarise` here) and hands them to :func:`benchmark`.

- A *measure* is the overall score (key ``""``) or one sub-domain's own maturity score (its
  code), as stored in the assessment's result (``subdomain_overall``).
- Quartiles are interpolated linearly between the closest ranks (PostgreSQL's
  ``percentile_cont``; ``statistics.quantiles(method="inclusive")``).
- A factory's percentile is the share of peers scoring below it, counting ties as half:
  ``(below + equal / 2) / count * 100``.
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


@dataclass(frozen=True)
class PeerFigures:
    """What the database says about one measure in one peer group: the count, the five
    figures (None when there are no peers) and how many peers score below and equal to the
    factory's own value."""

    count: int
    minimum: float | None = None
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    maximum: float | None = None
    below: int = 0
    equal: int = 0


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


def summarise(values: Sequence[float], own: float | None) -> PeerFigures:
    """The figures of one measure from the peers' values (the embedded database's fallback,
    and the reference the SQL is tested against)."""
    if not values:
        return PeerFigures(count=0)
    ordered = sorted(values)
    below = equal = 0
    if own is not None:
        below = sum(1 for value in ordered if value < own - EPSILON)
        equal = sum(1 for value in ordered if abs(value - own) <= EPSILON)
    return PeerFigures(
        count=len(ordered),
        minimum=ordered[0],
        q1=quantile(ordered, 0.25),
        median=quantile(ordered, 0.5),
        q3=quantile(ordered, 0.75),
        maximum=ordered[-1],
        below=below,
        equal=equal,
    )


def percentile(figures: PeerFigures) -> float | None:
    """The share of peers scoring below the factory, ties counted as half, in percent."""
    if not figures.count:
        return None
    return round((figures.below + figures.equal / 2) * 100 / figures.count, 1)


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
        percentile=percentile(figures) if own is not None else None,
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
