"""The committed GB/T 2260 snapshot (regions/data/divisions.json) and the registration
authorities outside it (regions/data/registration_authorities.json), read once per process.

Pure: no ORM. The database tables are loaded from the same file by ``load_reference_data``;
validators use this module so that checking a code costs no query.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from core.data import read_json_file
from core.i18n import english_active

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_FILE = DATA_DIR / "divisions.json"
REGISTRATION_AUTHORITIES_FILE = DATA_DIR / "registration_authorities.json"


@lru_cache(maxsize=1)
def divisions() -> dict[str, Any]:
    return read_json_file(DIVISIONS_FILE)


@lru_cache(maxsize=1)
def known_codes() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(province 2-digit codes, city 6-digit codes, county 6-digit codes)."""
    data = divisions()
    provinces = frozenset(p["code"] for p in data["provinces"] if p["kind"] != "corps")
    cities = frozenset(c["code"] for c in data["cities"])
    counties = frozenset(c["code"] for c in data["counties"])
    return provinces, cities, counties


@lru_cache(maxsize=1)
def registration_authorities() -> dict[str, dict[str, str]]:
    """Registration authorities with codes of their own (development zones), by code."""
    rows = read_json_file(REGISTRATION_AUTHORITIES_FILE)["authorities"]
    return {row["code"]: row for row in rows}


@lru_cache(maxsize=1)
def _divisions_by_code() -> dict[str, dict[str, Any]]:
    """Every province (by its 2-digit code), city and county (by 6 digits)."""
    data = divisions()
    rows: dict[str, dict[str, Any]] = {p["code"]: p for p in data["provinces"]}
    rows.update({c["code"]: c for c in data["cities"]})
    rows.update({c["code"]: c for c in data["counties"]})
    return rows


@lru_cache(maxsize=1)
def _prefecture_prefixes() -> frozenset[str]:
    """The first four digits of every city code. Province-administered county-level cities
    (429004 Xiantao, 4690xx in Hainan) are their own "prefecture" here."""
    _provinces, cities, _counties = known_codes()
    return frozenset(code[:4] for code in cities)


def _prefecture_exists(code: str) -> bool:
    return code[:4] in _prefecture_prefixes()


def region_code_problem(code: str) -> str | None:
    """Why a 6-digit registration authority code is not a valid one, or None when it is.

    A code may name a province (``110000``), a prefecture (``320500``), a county (``110105``)
    or a registration authority of its own, such as a development zone's (``320594``, Suzhou
    Industrial Park), which GB/T 2260 does not list: its province and prefecture must exist,
    its county part may be any. A listed registration authority is always valid. Returns a
    short machine reason: ``province`` or ``prefecture``.
    """
    if code in registration_authorities():
        return None
    provinces, _cities, _counties = known_codes()
    if len(code) != 6 or not code.isdigit() or code[:2] not in provinces:
        return "province"
    if code[2:] == "0000" or _prefecture_exists(code):
        return None
    return "prefecture"


def registration_authority_name(code: str) -> str | None:
    """The registration authority a valid 6-digit code names, in the active language.

    A listed development zone by its name; a GB/T 2260 province, city or county by its name (a
    county with its city, or with its municipality); a county part GB/T 2260 does not list as
    "<city>, registration authority <code>". None for a code that is not valid.
    """
    if region_code_problem(code) is not None:
        return None
    english = english_active()
    listed = registration_authorities().get(code)
    if listed is not None:
        return listed["name_en" if english else "name_zh"]
    rows = _divisions_by_code()
    province = rows[code[:2]]
    if code[2:] == "0000":
        return str(province["name_en" if english else "name_zh"])
    if code in rows and "city" not in rows[code]:
        # A prefecture-level city, or a county-level one directly under the province.
        return str(rows[code]["name_en" if english else "name_zh"])
    county = rows.get(code)
    city = rows.get(county["city"] if county else code[:4] + "00")
    place = province if city is None or province["kind"] == "municipality" else city
    place_name = str(place["name_en" if english else "name_zh"])
    if county is None:
        return _("%(place)s, registration authority %(code)s") % {"place": place_name, "code": code}
    if english:  # counties have Chinese names only
        return f"{county['name_zh']}, {place_name}"
    return f"{place_name}{county['name_zh']}"
