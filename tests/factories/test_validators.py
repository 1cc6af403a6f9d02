"""The USCC validator (GB 32100-2015): valid codes, and each kind of error with its message."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from factories.validators import (
    normalize_uscc,
    uscc_check_character,
    uscc_registration_authority,
    validate_uscc,
)

pytestmark = pytest.mark.usefixtures("english")

# Real, published credit codes (from business licences), checked against the standard by hand.
REAL_CODES = [
    "91350100M000100Y43",  # the GB 32100 worked example (Fuzhou)
    "91110000600037341L",  # Beijing, province-level region part
    "91310000MA1FL4B24G",  # Shanghai
    "914403001922038216",  # Shenzhen, prefecture-level region part
    "91440300708461136T",  # Shenzhen
    # Development-zone registration authorities, outside GB/T 2260:
    "91320594780268314T",  # Suzhou Industrial Park (320594)
    "91110302562134916R",  # Beijing Economic-Technological Development Area (110302)
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    validate_uscc(code)


@pytest.mark.parametrize(
    "body",
    [
        "N2110105MA0000001",  # letter-first: agricultural registration authority
        "Y1320505MA0000002",  # letter-first: other registration authority
        "91110105MA00000A1",  # county-level region part (Beijing Chaoyang)
        "93429004MA0000003",  # province-administered county-level city (Xiantao)
    ],
)
def test_letter_first_and_county_codes_with_right_check_are_valid(body):
    validate_uscc(body + uscc_check_character(body))


def test_check_character_matches_hand_computation():
    body = "91350100M000100Y4"
    values = [9, 1, 3, 5, 0, 1, 0, 0, 21, 0, 0, 0, 1, 0, 0, 30, 4]
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(v * w for v, w in zip(values, weights, strict=True))
    assert uscc_check_character(body) == "0123456789ABCDEFGHJKLMNPQRTUWXY"[(31 - total % 31) % 31]
    assert uscc_check_character(body) == "3"


@pytest.mark.parametrize(
    ("code", "error_code", "fragment"),
    [
        ("91350100M000100Y4", "uscc_length", "18 characters long; this one has 17"),
        ("91350100M000100Y433", "uscc_length", "this one has 19"),
        ("", "uscc_length", "this one has 0"),
        ("91350100m000100Y43", "uscc_lower_case", "upper-case letters: 'm' at position 9"),
        ("91350100I000100Y43", "uscc_character", "may not contain 'I' (position 9)"),
        ("91350100O000100Y43", "uscc_character", "may not contain 'O'"),
        ("91350100S000100Y43", "uscc_character", "may not contain 'S'"),
        ("91350100Z000100Y43", "uscc_character", "may not contain 'Z'"),
        ("91350100V000100Y43", "uscc_character", "may not contain 'V'"),
        ("91350100M000100Y4-", "uscc_character", "may not contain '-' (position 18)"),
        ("91350100M000100Y44", "uscc_check", "check character (the 18th) does not match"),
    ],
)
def test_invalid_codes_say_what_is_wrong(code, error_code, fragment):
    with pytest.raises(ValidationError) as info:
        validate_uscc(code)
    assert info.value.code == error_code
    assert fragment in info.value.messages[0]


@pytest.mark.parametrize(
    ("region", "error_code"),
    [
        ("990000", "uscc_region_province"),  # no province 99
        ("710000", "uscc_region_province"),  # Taiwan is outside the portal's divisions
        ("119900", "uscc_region_prefecture"),  # Beijing has no prefecture 1199
        ("329900", "uscc_region_prefecture"),
    ],
)
def test_unknown_region_is_refused_with_its_level(region, error_code):
    body = f"91{region}MA0000001"
    code = body + uscc_check_character(body)
    with pytest.raises(ValidationError) as info:
        validate_uscc(code)
    assert info.value.code == error_code
    assert region in info.value.messages[0]


def test_wrong_check_character_message_does_not_give_the_right_one():
    with pytest.raises(ValidationError) as info:
        validate_uscc("91350100M000100Y44")  # the right character is 3
    message = info.value.messages[0]
    assert "typing error" in message
    assert "3" not in message.replace("3-8", "") and "expected" not in message


@pytest.mark.parametrize(
    "region",
    [
        "320594",  # Suzhou Industrial Park: a listed development zone
        "320599",  # Suzhou exists; 99 is no GB/T 2260 county, a registration authority may be
        "110199",  # Beijing
        "429099",  # Hubei's county-level cities directly under the province (4290xx)
        "110302",  # Beijing Economic-Technological Development Area: listed, prefecture 1103
    ],
)
def test_region_part_outside_gbt_2260_is_accepted(region):
    body = f"91{region}MA0000001"
    validate_uscc(body + uscc_check_character(body))


def test_wrong_check_character_is_still_refused_for_a_development_zone():
    body = "91320594MA0000001"
    right = uscc_check_character(body)
    wrong = next(c for c in "0123456789" if c != right)
    with pytest.raises(ValidationError) as info:
        validate_uscc(body + wrong)
    assert info.value.code == "uscc_check"


@pytest.mark.parametrize(
    ("code", "in_english", "in_chinese"),
    [
        ("91320594780268314T", "Suzhou Industrial Park", "苏州工业园区"),
        (
            "91110302562134916R",
            "Beijing Economic-Technological Development Area",
            "北京经济技术开发区",
        ),
        ("91320505MA0000001X", "虎丘区, Suzhou", "苏州市虎丘区"),  # a GB/T 2260 county
        ("91110105MA0000001X", "朝阳区, Beijing", "北京市朝阳区"),  # a municipality's district
        ("914403001922038216", "Shenzhen", "深圳市"),  # a prefecture-level city
        ("91110000600037341L", "Beijing", "北京市"),  # a province-level region part
        ("93429004MA0000003X", "Xiantao", "仙桃市"),  # a county-level city under the province
        ("91320599MA0000001X", "Suzhou, registration authority 320599", None),  # not listed
    ],
)
def test_registration_authority_is_named(code, in_english, in_chinese):
    assert uscc_registration_authority(code) == in_english
    assert uscc_registration_authority(code.lower()) == in_english
    if in_chinese:
        with translation.override("zh-hans"):
            assert uscc_registration_authority(code) == in_chinese


@pytest.mark.parametrize(
    "code", ["", "9132059478026831", "91990000MA0000001X", "91119900MA00000010"]
)
def test_no_registration_authority_for_a_short_code_or_an_unknown_region(code):
    assert uscc_registration_authority(code) is None


def test_normalize_trims_and_upper_cases():
    assert normalize_uscc("  91350100m000100y43 ") == "91350100M000100Y43"
