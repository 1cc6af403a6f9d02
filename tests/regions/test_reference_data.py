"""Reference data: what is loaded, and that loading it again changes nothing."""

import pytest
from django.core.management import call_command

from assessments.models import ModelVersion, Requirement, SubDomain
from certification.models import Scenario, Stage, TierCondition
from factories.models import Industry
from regions.models import Authority, City, Province

pytestmark = pytest.mark.django_db

MODELS = [Province, City, Authority, Industry, ModelVersion, SubDomain, Requirement]
MODELS += [Stage, Scenario, TierCondition]


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list(flat=False).order_by("pk"))
        for model in MODELS
    }


def test_31_provinces_plus_xpcc_are_loaded():
    mainland = Province.objects.exclude(kind=Province.Kind.CORPS)
    assert mainland.count() == 31
    assert Province.objects.get(code="66").kind == Province.Kind.CORPS
    assert Province.objects.get(code="32").name_en == "Jiangsu"
    assert Province.objects.filter(code__in=["71", "81", "82"]).count() == 0


def test_prefecture_cities_and_authorities_are_loaded():
    assert 330 <= City.objects.count() <= 380
    suzhou = City.objects.get(code="320500")
    assert (suzhou.name_zh, suzhou.name_en, suzhou.province_id) == ("苏州市", "Suzhou", "32")
    assert Authority.objects.filter(level="national").count() == 1
    assert Authority.objects.filter(level="province").count() == 32
    assert Authority.objects.filter(level="city").count() == City.objects.count()


def test_industries_cover_divisions_13_to_43():
    assert list(Industry.objects.values_list("code", flat=True)) == [
        str(code) for code in range(13, 44)
    ]


def test_maturity_model_scenarios_and_tiers_are_loaded():
    version = ModelVersion.objects.get()
    assert version.status == ModelVersion.Status.PUBLISHED and version.illustrative
    assert version.subdomains.count() == 20
    assert version.levels.count() == 5
    assert Requirement.objects.filter(version=version).count() > 100
    assert Scenario.objects.count() == 40
    assert Stage.objects.count() == 5
    tiers = dict(TierCondition.objects.values_list("tier", "min_maturity_level"))
    assert tiers == {"basic": 2, "advanced": 2, "excellent": 3, "leading": 4}


def test_load_reference_data_twice_changes_nothing(capsys):
    before = snapshot()
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert snapshot() == before
    assert "0 written" in out and all(
        line.endswith(": 0 written") for line in out.strip().splitlines()
    )


def test_load_reference_data_repairs_a_changed_row():
    Province.objects.filter(code="32").update(name_en="Changed")
    call_command("load_reference_data", verbosity=0)
    assert Province.objects.get(code="32").name_en == "Jiangsu"
