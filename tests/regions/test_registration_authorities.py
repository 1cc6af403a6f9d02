"""The committed list of registration authorities outside GB/T 2260 (development zones)."""

import re

import pytest

from factories.validators import uscc_check_character
from regions.reference import divisions, known_codes, registration_authorities


def test_suzhou_industrial_park_is_listed():
    park = registration_authorities()["320594"]
    assert (park["name_zh"], park["name_en"], park["city"]) == (
        "苏州工业园区",
        "Suzhou Industrial Park",
        "320500",
    )


@pytest.mark.parametrize("code", sorted(registration_authorities()))
def test_each_listed_authority_is_complete_and_shadows_no_division(code):
    row = registration_authorities()[code]
    provinces, cities, counties = known_codes()
    assert len(code) == 6 and code.isdigit()
    assert code not in cities and code not in counties, "GB/T 2260 names this code already"
    assert row["province"] == code[:2] and row["province"] in provinces
    city = next(c for c in divisions()["cities"] if c["code"] == row["city"])
    assert city["province"] == row["province"]
    assert row["name_zh"] and row["name_en"] and row["name_zh"] != row["name_en"]
    # The source cites a published credit code of the zone with a right check character.
    cited = re.findall(r"[0-9A-HJ-NP-RTUW-Y]{18}", row["source"])
    assert any(c[2:8] == code and c[17] == uscc_check_character(c[:17]) for c in cited)
