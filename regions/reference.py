"""The committed GB/T 2260 snapshot (regions/data/divisions.json), read once per process.

Pure: no ORM. The database tables are loaded from the same file by ``load_reference_data``;
validators use this module so that checking a code costs no query.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from core.data import read_json_file

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_FILE = DATA_DIR / "divisions.json"


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


def region_code_problem(code: str) -> str | None:
    """Why a 6-digit division code is not a known one, or None when it is known.

    A code may name a province (``110000``), a prefecture (``320500``) or a county
    (``110105``); its province and prefecture must exist, and a county code must be listed.
    Returns a short machine reason: ``province``, ``prefecture`` or ``county``.
    """
    provinces, cities, counties = known_codes()
    if len(code) != 6 or not code.isdigit() or code[:2] not in provinces:
        return "province"
    if code[2:] == "0000":
        return None
    if code in cities:
        return None
    if code in counties:
        return None
    prefecture = code[:4] + "00"
    # Province-administered county-level cities are their own "prefecture" here.
    if prefecture not in cities and not any(c.startswith(code[:4]) for c in cities):
        return "prefecture"
    return "county"
