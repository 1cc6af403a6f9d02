"""Quota rules as rows (issue 12): the 2025 quotas read from the published data, a unit's quota
by its industrial rank or excellent count, the defaults of a new campaign (provinces, the XPCC,
central SOE groups), editions copied with their rules, and the migration from the JSON."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from certification import services
from certification.models import Certificate, QuotaRule, TierConditionsEdition
from certification.quotas import quota_for, quota_rules_from_data
from certification.services.reference import TIER_CONDITIONS_FILE
from regions.models import Province
from tests import model_factories as mf
from tests.certification.helpers import make_applications

DATA = json.loads(TIER_CONDITIONS_FILE.read_text())["quotas_2025"]


def rule(unit, basis, band_min, band_max, quota):
    return QuotaRule(unit=unit, basis=basis, band_min=band_min, band_max=band_max, quota=quota)


def test_the_2025_quotas_are_read_into_rows():
    rows = quota_rules_from_data(DATA)
    excellent = DATA["excellent_per_recommending_unit"]
    ranked = {
        (r["band_min"], r["band_max"]): r["quota"] for r in rows if r["basis"] == "industrial_rank"
    }
    assert ranked == {
        (1, 10): excellent["provinces ranked 1-10 by 2024 industrial value added"],
        (11, 20): excellent["provinces ranked 11-20"],
    }
    flat = {r["unit"]: r["quota"] for r in rows if r["basis"] == "flat"}
    assert flat == {
        "province": excellent["other provinces"],
        "corps": excellent["Xinjiang Production and Construction Corps"],
        "central_soe_group": excellent["each central state-owned enterprise group"],
    }
    leading = {r["band_min"]: r["quota"] for r in rows if r["tier"] == "leading"}
    assert leading == {
        band["min_excellent"]: band["quota"]
        for band in DATA["leading_per_province_by_excellent_count"]
    }
    with pytest.raises(ValueError, match="unknown recommending unit"):
        quota_rules_from_data({"excellent_per_recommending_unit": {"every city": 3}})
    with pytest.raises(ValueError, match="unknown sections"):
        quota_rules_from_data({"advanced_per_city": {}})


def test_a_units_quota_is_its_band_else_its_kinds_flat_rule():
    rules = [
        rule("province", "industrial_rank", 1, 10, 40),
        rule("province", "industrial_rank", 11, 20, 30),
        rule("province", "flat", None, None, 20),
        rule("corps", "flat", None, None, 5),
    ]
    assert [quota_for(rules, "province", rank=r) for r in (1, 10, 11, 20, 21, None)] == [
        40,
        40,
        30,
        30,
        20,
        20,
    ]
    assert quota_for(rules, "corps", rank=3) == 5
    assert quota_for(rules, "central_soe_group") is None
    leading = [
        rule("province", "excellent_count", 0, None, 1),
        rule("province", "excellent_count", 10, None, 2),
        rule("province", "excellent_count", 20, None, 3),
    ]
    assert [quota_for(leading, "province", excellent=n) for n in (0, 9, 10, 19, 20, 75)] == [
        1,
        1,
        2,
        2,
        3,
        3,
    ]


@pytest.mark.django_db
def test_a_new_campaign_gets_each_units_quota_from_the_rules(miit_reviewer):
    Province.objects.filter(code="32").update(industrial_rank=2)
    Province.objects.filter(code="42").update(industrial_rank=15)
    group = mf.EnterpriseFactory(is_central_soe_group=True)
    mf.EnterpriseFactory()  # not a group: no quota of its own
    excellent = services.campaign_open(actor=miit_reviewer, tier="excellent", year=2027)
    by_province = dict(excellent.quotas.filter(enterprise=None).values_list("province_id", "quota"))
    table = DATA["excellent_per_recommending_unit"]
    assert by_province["32"] == table["provinces ranked 1-10 by 2024 industrial value added"]
    assert by_province["42"] == table["provinces ranked 11-20"]
    assert by_province["11"] == table["other provinces"]  # no rank recorded
    assert by_province["66"] == table["Xinjiang Production and Construction Corps"]
    assert len(by_province) == Province.objects.count()
    groups = dict(excellent.quotas.filter(province=None).values_list("enterprise_id", "quota"))
    assert groups == {group.pk: table["each central state-owned enterprise group"]}


@pytest.mark.django_db
def test_leading_quotas_follow_each_provinces_active_excellent_certificates(miit_reviewer):
    bands = sorted(
        DATA["leading_per_province_by_excellent_count"], key=lambda b: b["min_excellent"]
    )
    middle = bands[1]["min_excellent"]
    for application in make_applications(middle, status="certified", tier="excellent"):
        Certificate.objects.create(
            number=f"T-{application.pk}",
            tier="excellent",
            factory=application.factory,
            application=application,
            province_id=application.factory.province_id,
            city_id=application.factory.city_id,
            authority=miit_reviewer.authority,
            issued_on="2026-06-30",
        )
    leading = services.campaign_open(actor=miit_reviewer, tier="leading", year=2027)
    quotas = dict(leading.quotas.values_list("province_id", "quota"))
    province = application.factory.province_id
    assert quotas[province] == bands[1]["quota"]
    others = {code: quota for code, quota in quotas.items() if code != province}
    assert set(others.values()) == {bands[0]["quota"]}


@pytest.mark.django_db
def test_a_copied_edition_has_the_same_rules():
    edition = TierConditionsEdition.objects.get(edition="2025")
    copy = services.tier_conditions_copy(edition=edition, new_edition="2026-draft")
    fields = ("tier", "unit", "basis", "band_min", "band_max", "quota")
    assert list(copy.quota_rules.values_list(*fields)) == list(
        edition.quota_rules.values_list(*fields)
    )
    assert copy.quota_rules.count() == len(quota_rules_from_data(DATA))


BEFORE = [("certification", "0010_publicity_and_objections")]
AFTER = [("certification", "0011_quota_rules")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_quota_json_into_rows_and_back(reference_data):
    try:
        old = migrate(BEFORE)
        Edition = old.get_model("certification", "TierConditionsEdition")
        Edition.objects.filter(edition="2025").update(quotas=DATA)
        new = migrate(AFTER)
        rules = new.get_model("certification", "QuotaRule").objects.filter(edition__edition="2025")
        assert sorted(
            rules.values_list("tier", "unit", "basis", "band_min", "band_max", "quota")
        ) == sorted(tuple(row.values()) for row in quota_rules_from_data(DATA))
        back = migrate(BEFORE)
        restored = back.get_model("certification", "TierConditionsEdition").objects.get(
            edition="2025"
        )
        assert sorted(map(repr, quota_rules_from_data(restored.quotas))) == sorted(
            map(repr, quota_rules_from_data(DATA))
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
