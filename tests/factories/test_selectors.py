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


def test_rows_keep_the_region_they_were_made_in_when_the_factory_moves(enterprise_user):
    from assessments.selectors import assessment_list_for
    from factories import services
    from tests.certification.conftest import submitted_assessment

    enterprise = mf.EnterpriseFactory()
    mf.member_of(enterprise_user, enterprise)
    factory = mf.FactoryFactory(enterprise=enterprise)
    before = submitted_assessment(enterprise_user, factory, 2)
    assert (before.province_id, before.city_id) == ("32", "320500")
    wuxi = City.objects.get(code="320200")
    services.factory_update(
        actor=enterprise_user,
        factory=factory,
        name=factory.name,
        address=factory.address,
        city=wuxi,
        industry=factory.industry,
    )
    factory.refresh_from_db()
    assert (factory.province_id, factory.city_id, factory.away) == ("32", "320200", True)
    after = submitted_assessment(enterprise_user, factory, 3)
    suzhou = mf.official("city_official", "320500-industry-it")
    wuxi_bureau = mf.official("city_official", "320200-industry-it")
    # The Suzhou bureau keeps what it saw; Wuxi sees the factory from the move on.
    assert set(assessment_list_for(suzhou).values_list("pk", flat=True)) == {before.pk}
    assert set(assessment_list_for(wuxi_bureau).values_list("pk", flat=True)) == {after.pk}
    assert factory_list_for(wuxi_bureau).filter(pk=factory.pk).exists()
    assert not factory_list_for(suzhou).filter(pk=factory.pk).exists()
    # The enterprise is registered in Suzhou and has a factory in Wuxi: both bureaus see it.
    assert enterprise_list_for(suzhou).filter(pk=enterprise.pk).exists()
    assert enterprise_list_for(wuxi_bureau).filter(pk=enterprise.pk).exists()


def test_moving_the_enterprise_marks_which_factories_are_away(enterprise_user):
    from factories import services

    enterprise = mf.EnterpriseFactory()
    mf.member_of(enterprise_user, enterprise)
    home = mf.FactoryFactory(enterprise=enterprise)
    elsewhere = mf.FactoryFactory(enterprise=enterprise, city=City.objects.get(code="320200"))
    assert (home.away, elsewhere.away) == (False, True)
    services.enterprise_update(
        actor=enterprise_user,
        enterprise=enterprise,
        name=enterprise.name,
        city=City.objects.get(code="320200"),
        industry=enterprise.industry,
        above_designated_size=True,
        is_central_soe_group=False,
    )
    home.refresh_from_db()
    elsewhere.refresh_from_db()
    enterprise.refresh_from_db()
    assert (home.away, elsewhere.away, enterprise.province_id) == (True, False, "32")
    nanjing = mf.official("city_official", "320100-industry-it")
    assert not enterprise_list_for(nanjing).filter(pk=enterprise.pk).exists()


def test_the_credit_code_lookup_answers_as_the_scope_does(enterprise_user, landscape):
    """enterprise_by_uscc_for (a prepared query per kind of scope) finds exactly the enterprises
    enterprise_list_for shows, for members, city, provincial and national officials and experts,
    including an enterprise seen only through a factory away from its registered city."""
    from factories.selectors import enterprise_by_uscc_for

    away = mf.FactoryFactory(city=City.objects.get(code="320200"))  # in Wuxi, registered Suzhou
    mf.member_of(enterprise_user, landscape["suzhou"].enterprise)
    users = [
        enterprise_user,
        mf.official("city_official", "320500-industry-it"),
        mf.official("city_official", "320200-industry-it"),
        mf.official("provincial_official", "32-industry-it"),
        mf.official("provincial_official", "33-industry-it"),
        mf.official("miit_reviewer", "miit"),
        mf.UserFactory(role="expert"),
    ]
    enterprises = [factory.enterprise for factory in [*landscape.values(), away]]
    answers = set()
    for user in users:
        visible = set(enterprise_list_for(user).values_list("pk", flat=True))
        for enterprise in enterprises:
            found = enterprise_by_uscc_for(user, enterprise.uscc)
            assert (found is not None) == (enterprise.pk in visible), (user, enterprise)
            if found is not None:
                assert (found.pk, found.city.name, found.industry_id) == (
                    enterprise.pk,
                    enterprise.city.name,
                    enterprise.industry_id,
                )
            answers.add(found is not None)
        assert enterprise_by_uscc_for(user, "91320500MA1XXXXXXX") is None
    assert answers == {True, False}


def test_the_prepared_details_answer_as_the_scope_does(enterprise_user, landscape):
    """enterprise_get_for and factory_get_for with ``related`` (the API's details, prepared
    queries) find exactly what the scope's lists show; a key that is not a whole number in
    ASCII digits is not found."""
    from core.errors import NotFound
    from factories.selectors import enterprise_get_for, factory_get_for

    away = mf.FactoryFactory(city=City.objects.get(code="320200"))
    mf.member_of(enterprise_user, landscape["nanjing"].enterprise)
    users = [
        enterprise_user,
        mf.official("city_official", "320500-industry-it"),
        mf.official("city_official", "320200-industry-it"),
        mf.official("provincial_official", "33-industry-it"),
        mf.official("miit_reviewer", "miit"),
    ]
    factories = [*landscape.values(), away]
    related = ("city", "industry")
    outcomes = set()
    for user in users:
        enterprises = set(enterprise_list_for(user).values_list("pk", flat=True))
        visible = set(factory_list_for(user).values_list("pk", flat=True))
        for factory in factories:
            for get, pk, seen in (
                (factory_get_for, factory.pk, visible),
                (enterprise_get_for, factory.enterprise_id, enterprises),
            ):
                for key in (pk, str(pk)):
                    try:
                        found = get(user, key, related=related)
                    except NotFound:
                        found = None
                    assert (found is not None) == (pk in seen), (user, get.__name__, key)
                    if found is not None:
                        assert found.pk == pk and found.city.name and found.industry.name
                    outcomes.add(found is not None)
        for bad in ("abc", "٣", "１", "-1", "0", str(10**30)):
            with pytest.raises(NotFound):
                factory_get_for(user, bad, related=related)
    assert outcomes == {True, False}
