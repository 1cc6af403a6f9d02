"""The scoring function (DESIGN 2.2): hand-computed cases and properties."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import scoring
from assessments.scoring import ModelSpec, RequirementSpec, SubdomainSpec, score

# A small model: sub-domains A and B with two requirements per level 1-3; C only from level 2.
SMALL = ModelSpec(
    subdomains=(SubdomainSpec("A"), SubdomainSpec("B"), SubdomainSpec("C")),
    requirements=tuple(
        RequirementSpec(f"{sub}.{level}.{n}", sub, level)
        for sub in ("A", "B", "C")
        for level in (1, 2, 3)
        for n in (1, 2)
        if not (sub == "C" and level == 1)
    ),
)
CODES = [r.code for r in SMALL.requirements]


def answers(default: float = 0.0, **by_prefix: float) -> dict[str, float]:
    """Answer every requirement with ``default``; keys like A_2 set all of A at level 2."""
    result = dict.fromkeys(CODES, default)
    for prefix, value in by_prefix.items():
        sub, _, level = prefix.partition("_")
        for code in CODES:
            if code.startswith(f"{sub}.{level}." if level else f"{sub}."):
                result[code] = value
    return result


def test_all_zeros():
    result = score(SMALL, answers(0))
    assert result.maturity_level == 0 and result.attained_levels == []
    assert result.level_scores == {1: 0.0, 2: 0.0, 3: 0.0, 4: None, 5: None}
    assert result.overall_score == 0.0


def test_all_ones_up_to_the_highest_level_with_requirements():
    result = score(SMALL, answers(1))
    # Levels 4 and 5 have no requirements in this model, so they cannot be attained.
    assert result.attained_levels == [1, 2, 3] and result.maturity_level == 3
    assert result.overall_score == 3.0


def test_all_ones_on_a_full_model_scores_five():
    full = ModelSpec(
        subdomains=(SubdomainSpec("A"),),
        requirements=tuple(RequirementSpec(f"A.{lv}", "A", lv) for lv in range(1, 6)),
    )
    result = score(full, dict.fromkeys((r.code for r in full.requirements), 1))
    assert result.maturity_level == 5 and result.overall_score == 5.0
    assert result.gap_to_next_level == []


def test_level_just_below_threshold_is_not_attained():
    # Level 1: A = (0.8 + 0.5) / 2 = 0.65, B = 0.8 -> level score (0.65 + 0.8) / 2 = 0.725.
    values = answers(0, A_1=0.8, B_1=0.8)
    values["A.1.2"] = 0.5
    result = score(SMALL, values)
    assert result.level_scores[1] == 0.725
    assert result.maturity_level == 0 and result.overall_score == 0.725


def test_level_exactly_at_threshold_is_attained():
    # Level 1: A = (0.8 + 0.8) / 2 = 0.8, B = 0.8 -> level score exactly 0.8.
    values = answers(0, A_1=0.8, B_1=0.8)
    result = score(SMALL, values)
    assert result.level_scores[1] == 0.8
    assert result.attained_levels == [1] and result.maturity_level == 1
    # Overall = 1 + level 2 score (all zero) = 1.0
    assert result.overall_score == 1.0


def test_mixed_values_reaching_exactly_point_eight():
    # Level 1: A = (0.5 + 1) / 2 = 0.75, B = (0.8 + 1) / 2 = 0.9 -> (0.75 + 0.9) / 2 = 0.825.
    values = answers(0)
    values.update({"A.1.1": 0.5, "A.1.2": 1, "B.1.1": 0.8, "B.1.2": 1})
    result = score(SMALL, values)
    assert result.level_scores[1] == 0.825 and result.maturity_level == 1


def test_gap_at_a_lower_level_caps_the_maturity_level():
    # Levels 2 and 3 fully met, level 1 not: maturity stays 0.
    values = answers(1, A_1=0, B_1=0.5)
    result = score(SMALL, values)
    assert result.level_scores[2] == 1.0 and result.level_scores[3] == 1.0
    assert result.level_scores[1] == 0.25
    assert result.attained_levels == [] and result.maturity_level == 0
    assert result.overall_score == 0.25
    # The gap points at level 1 only.
    assert {g.requirement[:3] for g in result.gap_to_next_level} <= {"A.1", "B.1"}


def test_weights_change_the_level_score():
    weighted = ModelSpec(
        subdomains=(SubdomainSpec("A", weight=3), SubdomainSpec("B", weight=1)),
        requirements=(RequirementSpec("A.1", "A", 1), RequirementSpec("B.1", "B", 1)),
    )
    # (3 * 1 + 1 * 0) / 4 = 0.75 -> not attained; equal weights would give 0.5 either way.
    result = score(weighted, {"A.1": 1, "B.1": 0})
    assert result.level_scores[1] == 0.75 and result.maturity_level == 0
    result = score(weighted, {"A.1": 1, "B.1": 0.5})
    # (3 + 0.5) / 4 = 0.875 -> attained
    assert result.level_scores[1] == 0.875 and result.maturity_level == 1


def test_non_applicable_subdomains_do_not_count():
    spec = ModelSpec(
        subdomains=(SubdomainSpec("A"), SubdomainSpec("B", applicable=False)),
        requirements=(RequirementSpec("A.1", "A", 1), RequirementSpec("B.1", "B", 1)),
    )
    result = score(spec, {"A.1": 1})  # B.1 unanswered and not applicable
    assert result.level_scores[1] == 1.0 and result.maturity_level == 1
    assert "B" not in result.subdomain_scores
    assert [r.code for r in spec.applicable_requirements()] == ["A.1"]


def test_subdomain_without_requirements_at_a_level_does_not_count_there():
    # C has no level-1 requirements: level 1 is the mean of A and B only.
    values = answers(0, A_1=1, B_1=1)
    result = score(SMALL, values)
    assert result.level_scores[1] == 1.0
    assert 1 not in result.subdomain_scores["C"]


def test_intermediates_are_kept():
    values = answers(0, A_1=1, B_1=0.8)
    result = score(SMALL, values).as_dict()
    assert result["subdomain_scores"]["A"] == {"1": 1.0, "2": 0.0, "3": 0.0}
    assert result["subdomain_scores"]["B"]["1"] == 0.8
    assert result["level_scores"]["1"] == 0.9
    assert result["method"] == scoring.METHOD
    assert result["subdomain_overall"]["A"] == 1.0
    # C has no level-1 requirements, so level 1 does not hold it back: 1 + its level-2 score.
    assert result["subdomain_overall"]["C"] == 1.0


def test_gap_names_the_fewest_raises_and_their_targets():
    # Level 1 at 0: A=(0,0), B=(0,0). Two raises to 1 give (0.5 + 0.5)/2 = 0.5; all four
    # to 0.8 give 0.8. Greedy: raise A.1.1, A.1.2, B.1.1 to 1 -> (1 + 0.5)/2 = 0.75, then
    # B.1.2 -> 1.0; then lower targets to 0.8 where level 1 still holds: all four at 0.8.
    result = score(SMALL, answers(0))
    gap = {g.requirement: g.target for g in result.gap_to_next_level}
    assert gap == {"A.1.1": 0.8, "A.1.2": 0.8, "B.1.1": 0.8, "B.1.2": 0.8}
    # Applying the gap attains the level.
    raised = answers(0)
    raised.update(gap)
    assert score(SMALL, raised).maturity_level == 1


def test_gap_prefers_requirements_with_more_weight():
    spec = ModelSpec(
        subdomains=(SubdomainSpec("A", weight=4), SubdomainSpec("B", weight=1)),
        requirements=(RequirementSpec("A.1", "A", 1), RequirementSpec("B.1", "B", 1)),
    )
    gap = score(spec, {"A.1": 0, "B.1": 1}).gap_to_next_level
    # (4 * 0.8 + 1 * 1) / 5 = 0.84: "largely met" on the heavy requirement is enough.
    assert [(g.requirement, g.target) for g in gap] == [("A.1", 0.8)]


@pytest.mark.parametrize("bad", [0.3, -1, 2, "x", None, True, "0.9"])
def test_answer_values_outside_the_four_are_refused(bad):
    with pytest.raises(ValueError):
        score(SMALL, {"A.1.1": bad})


ANSWER = st.sampled_from([0, 0.5, 0.8, 1])
ANSWER_SETS = st.fixed_dictionaries(dict.fromkeys(CODES, ANSWER))


@settings(max_examples=300, deadline=None)
@given(values=ANSWER_SETS, code=st.sampled_from(CODES), data=st.data())
def test_raising_an_answer_never_lowers_level_or_score(values, code, data):
    before = score(SMALL, values)
    higher = data.draw(st.sampled_from([v for v in (0, 0.5, 0.8, 1) if v >= values[code]]))
    after = score(SMALL, {**values, code: higher})
    assert after.maturity_level >= before.maturity_level
    assert after.overall_score >= before.overall_score - 1e-9


@settings(max_examples=300, deadline=None)
@given(values=ANSWER_SETS)
def test_scores_stay_within_bounds(values):
    result = score(SMALL, values)
    assert 0 <= result.maturity_level <= 5
    assert result.maturity_level <= result.overall_score <= result.maturity_level + 1
    assert 0 <= result.overall_score <= 5
    for level_score in result.level_scores.values():
        assert level_score is None or 0 <= level_score <= 1
    for levels in result.subdomain_scores.values():
        assert all(0 <= value <= 1 for value in levels.values())
    assert result.attained_levels == list(range(1, result.maturity_level + 1))


@settings(max_examples=200, deadline=None)
@given(values=ANSWER_SETS)
def test_applying_the_gap_attains_the_next_level(values):
    result = score(SMALL, values)
    if not result.gap_to_next_level:
        return
    raised = {**values, **{g.requirement: g.target for g in result.gap_to_next_level}}
    assert score(SMALL, raised).maturity_level > result.maturity_level


def test_full_illustrative_set_scores_quickly():
    """A sanity bound only (the benchmark in tests/bench prints the real figure)."""
    data = json.loads(
        (
            Path(__file__).resolve().parents[2]
            / "assessments/data/illustrative-requirements-2020.json"
        ).read_text(encoding="utf-8")
    )
    spec = scoring.spec_from_rows(
        [(code, 1, True) for code in data["weights"]],
        [(r["code"], r["subdomain"], r["level"]) for r in data["requirements"]],
    )
    values = {r["code"]: 0.8 for r in data["requirements"]}
    start = time.perf_counter()
    result = score(spec, values)
    assert time.perf_counter() - start < 0.5
    assert result.maturity_level == 5 and result.overall_score == 5.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.7975, 0.79), (0.8, 0.8), (2.7999, 2.79), (3.61, 3.61), (5.0, 5.0), (0.0, 0.0)],
)
def test_scores_are_shown_truncated_never_rounded_up(value, expected):
    assert scoring.shown(value) == expected
    assert scoring.shown(None) is None
