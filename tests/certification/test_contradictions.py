"""The contradictions between a basic filing's declarations and the records: a pure function,
tested without a database."""

from __future__ import annotations

import pytest
from django.utils import translation

from certification.contradictions import FilingFacts, filing_contradictions


def facts(**overrides) -> FilingFacts:
    values = {
        "declared_above_size": True,
        "enterprise_above_size": True,
        "filed_city": "320500",
        "factory_city": "320500",
        "factory_city_name": "苏州市",
    }
    values.update(overrides)
    return FilingFacts(**values)


@pytest.mark.parametrize(
    ("overrides", "codes"),
    [
        ({}, []),
        ({"enterprise_above_size": False}, ["size_declared_not_recorded"]),
        ({"declared_above_size": False}, ["size_recorded_not_declared"]),
        ({"declared_above_size": None}, []),  # not answered: nothing to compare
        ({"declared_above_size": False, "enterprise_above_size": False}, []),
        ({"factory_city": "320100", "factory_city_name": "南京市"}, ["factory_moved"]),
        (
            {"enterprise_above_size": False, "factory_city": "320100"},
            ["size_declared_not_recorded", "factory_moved"],
        ),
    ],
)
def test_each_fact_held_on_both_sides_is_compared(overrides, codes):
    assert [c.code for c in filing_contradictions(facts(**overrides))] == codes


def test_the_flags_read_in_both_languages():
    moved = facts(enterprise_above_size=False, factory_city="320100", factory_city_name="南京市")
    with translation.override("en"):
        english = [c.message for c in filing_contradictions(moved)]
    with translation.override("zh-hans"):
        chinese = [c.message for c in filing_contradictions(moved)]
    assert "not above designated size" in english[0] and "南京市" in english[1]
    assert "规模以上" in chinese[0] and "南京市" in chinese[1]
