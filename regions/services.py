"""Writes for regions: loading the committed GB/T 2260 snapshot and the authorities."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from regions.models import Authority, City, Province
from regions.reference import divisions


def reference_rows_sync(model: type[models.Model], key: str, rows: list[dict[str, Any]]) -> int:
    """Make ``model`` hold ``rows`` (matched on ``key``), set-based. Returns rows written.

    Rows missing from the table are created, rows whose values differ are updated, nothing
    else is touched; running it twice writes nothing the second time.
    """
    existing = {getattr(obj, key): obj for obj in model._default_manager.all()}
    to_create, to_update, changed_fields = [], [], set()
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            to_create.append(model(**row))
            continue
        changed = [f for f, v in row.items() if f != key and getattr(obj, f) != v]
        if changed:
            for field in changed:
                setattr(obj, field, row[field])
            to_update.append(obj)
            changed_fields.update(changed)
    model._default_manager.bulk_create(to_create, batch_size=500)
    if to_update:
        model._default_manager.bulk_update(to_update, sorted(changed_fields), batch_size=500)
    return len(to_create) + len(to_update)


@transaction.atomic
def regions_load_reference() -> int:
    """Load provinces, cities and their industry and IT authorities. Idempotent."""
    data = divisions()
    written = reference_rows_sync(
        Province,
        "code",
        [
            {"code": p["code"], "name_zh": p["name_zh"], "name_en": p["name_en"], "kind": p["kind"]}
            for p in data["provinces"]
        ],
    )
    written += reference_rows_sync(
        City,
        "code",
        [
            {
                "code": c["code"],
                "name_zh": c["name_zh"],
                "name_en": c["name_en"],
                "province_id": c["province"],
            }
            for c in data["cities"]
        ],
    )
    authorities: list[dict[str, Any]] = [
        {
            "code": "miit",
            "name_zh": "工业和信息化部",
            "name_en": "Ministry of Industry and Information Technology",
            "level": Authority.Level.NATIONAL,
            "kind": Authority.Kind.INDUSTRY_IT,
            "province_id": None,
            "city_id": None,
        }
    ]
    for p in data["provinces"]:
        suffix = "工业和信息化局" if p["kind"] == Province.Kind.CORPS else "工业和信息化厅"
        authorities.append(
            {
                "code": f"{p['code']}-industry-it",
                "name_zh": f"{p['name_zh']}{suffix}",
                "name_en": f"{p['name_en']} Department of Industry and Information Technology",
                "level": Authority.Level.PROVINCE,
                "kind": Authority.Kind.INDUSTRY_IT,
                "province_id": p["code"],
                "city_id": None,
            }
        )
    for c in data["cities"]:
        authorities.append(
            {
                "code": f"{c['code']}-industry-it",
                "name_zh": f"{c['name_zh']}工业和信息化局",
                "name_en": f"{c['name_en']} Bureau of Industry and Information Technology",
                "level": Authority.Level.CITY,
                "kind": Authority.Kind.INDUSTRY_IT,
                "province_id": c["province"],
                "city_id": c["code"],
            }
        )
    written += reference_rows_sync(Authority, "code", authorities)
    return written
