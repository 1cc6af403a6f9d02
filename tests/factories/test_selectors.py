"""Scoping of enterprises and factories per role."""

import pytest

from factories.selectors import enterprise_list_for, factory_list_for
from regions.models import City
from tests import model_factories as mf

pytestmark = pytest.mark.django_db


@pytest.fixture
def landscape():
    """Factories in Suzhou, Nanjing (both Jiangsu) and Hangzhou (Zhejiang)."""
    suzhou = mf.FactoryFactory()
    nanjing = mf.FactoryFactory(enterprise__city=City.objects.get(code="320100"))
    hangzhou = mf.FactoryFactory(enterprise__city=City.objects.get(code="330100"))
    # A Zhejiang enterprise with a factory in Suzhou.
    cross = mf.FactoryFactory(
        enterprise__city=City.objects.get(code="330100"), city=City.objects.get(code="320500")
    )
    return {"suzhou": suzhou, "nanjing": nanjing, "hangzhou": hangzhou, "cross": cross}


def test_enterprise_user_sees_only_own(enterprise_user, landscape):
    mf.member_of(enterprise_user, landscape["nanjing"].enterprise)
    assert list(enterprise_list_for(enterprise_user)) == [landscape["nanjing"].enterprise]
    assert list(factory_list_for(enterprise_user)) == [landscape["nanjing"]]


def test_city_official_sees_own_city(suzhou_official, landscape):
    factories = set(factory_list_for(suzhou_official))
    assert factories == {landscape["suzhou"], landscape["cross"]}
    enterprises = set(enterprise_list_for(suzhou_official))
    assert enterprises == {landscape["suzhou"].enterprise, landscape["cross"].enterprise}


def test_provincial_official_sees_only_own_province(jiangsu_official, landscape):
    factories = set(factory_list_for(jiangsu_official))
    assert factories == {landscape["suzhou"], landscape["nanjing"], landscape["cross"]}
    enterprises = list(enterprise_list_for(jiangsu_official))
    assert landscape["hangzhou"].enterprise not in enterprises
    assert len(enterprises) == len(set(enterprises)) == 3


def test_national_scope_sees_everything(miit_reviewer, landscape):
    assert factory_list_for(miit_reviewer).count() == 4


def test_expert_sees_no_enterprise(landscape):
    from accounts.models import Role

    expert = mf.UserFactory(role=Role.EXPERT)
    assert not enterprise_list_for(expert).exists() and not factory_list_for(expert).exists()
