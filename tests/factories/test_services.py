"""Enterprise and factory services: rules, atomicity, cultivation pool, notifications."""

import pytest

from accounts.models import Notification, Role
from core.errors import Conflict, DomainError, PermissionDenied
from factories import services
from factories.models import CultivationPoolEntry, Enterprise, Factory, Industry, Membership
from regions.models import City
from tests import model_factories as mf

pytestmark = pytest.mark.django_db


def register(actor, **overrides):
    values = {
        "uscc": mf.make_uscc(),
        "name": "苏州测试智能制造有限公司",
        "city": City.objects.get(code="320500"),
        "industry": Industry.objects.get(code="36"),
        "above_designated_size": True,
        "factory_name": "一号工厂",
        "factory_address": "苏州市工业园区 1 号",
        "factory_city": City.objects.get(code="320500"),
    }
    values.update(overrides)
    return services.enterprise_register(actor=actor, **values)


def test_register_creates_enterprise_first_factory_and_admin_membership(enterprise_user):
    enterprise = register(enterprise_user, uscc=" " + mf.make_uscc().lower() + " ")
    assert enterprise.uscc == enterprise.uscc.upper() and len(enterprise.uscc) == 18
    factory = enterprise.factories.get()
    assert (factory.name, factory.industry_id) == ("一号工厂", "36")
    membership = Membership.objects.get(enterprise=enterprise)
    assert (membership.user, membership.role) == (enterprise_user, Membership.Role.ADMIN)


def test_register_notifies_the_city_bureau_once(
    enterprise_user, suzhou_official, jiangsu_official, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enterprise = register(enterprise_user)
    assert len(callbacks) == 1  # queued after commit, run eagerly in the test settings
    notes = Notification.objects.filter(key=f"enterprise-registered:{enterprise.pk}")
    assert list(notes.values_list("recipient", flat=True)) == [suzhou_official.pk]
    assert enterprise.name in notes.get().subject
    # Running the task again sends nothing more.
    assert services.enterprise_registered_notify(enterprise_id=enterprise.pk) == 0
    assert notes.count() == 1


def test_duplicate_uscc_is_refused_and_nothing_is_written(enterprise_user):
    uscc = mf.make_uscc()
    register(enterprise_user, uscc=uscc)
    counts = (Enterprise.objects.count(), Factory.objects.count(), Membership.objects.count())
    with pytest.raises(Conflict) as info:
        register(enterprise_user, uscc=uscc, factory_name="另一个工厂")
    assert info.value.code == "duplicate_uscc" and "uscc" in info.value.fields
    assert counts == (
        Enterprise.objects.count(),
        Factory.objects.count(),
        Membership.objects.count(),
    )


def test_invalid_first_factory_rolls_back_the_enterprise(enterprise_user):
    with pytest.raises(DomainError) as info:
        register(enterprise_user, factory_name="   ")
    assert "factory_name" in info.value.fields
    assert not Enterprise.objects.exists() and not Membership.objects.exists()


def test_invalid_uscc_is_reported_at_the_field(enterprise_user, english):
    with pytest.raises(DomainError) as info:
        register(enterprise_user, uscc="91350100M000100Y44")
    assert "check character" in info.value.fields["uscc"][0]
    assert not Enterprise.objects.exists()


def test_only_enterprise_users_register(suzhou_official):
    with pytest.raises(PermissionDenied):
        register(suzhou_official)


def test_non_member_cannot_add_or_change_factories(enterprise_user):
    factory = mf.FactoryFactory()
    with pytest.raises(PermissionDenied):
        services.factory_create(
            actor=enterprise_user,
            enterprise=factory.enterprise,
            name="x",
            address="y",
            city=factory.city,
            industry=factory.industry,
        )
    with pytest.raises(PermissionDenied):
        services.factory_update(
            actor=enterprise_user,
            factory=factory,
            name="renamed",
            address="y",
            city=factory.city,
            industry=factory.industry,
        )
    factory.refresh_from_db()
    assert factory.name != "renamed"


def test_member_updates_factory_but_not_to_a_duplicate_name(enterprise_user):
    first = mf.FactoryFactory()
    second = mf.FactoryFactory(enterprise=first.enterprise)
    mf.member_of(enterprise_user, first.enterprise)
    kwargs = {"address": "新地址", "city": first.city, "industry": first.industry}
    services.factory_update(actor=enterprise_user, factory=second, name="二号工厂", **kwargs)
    second.refresh_from_db()
    assert second.name == "二号工厂" and second.address == "新地址"
    with pytest.raises(Conflict):
        services.factory_update(actor=enterprise_user, factory=second, name=first.name, **kwargs)


def test_cultivation_pool_only_for_the_city_of_the_official(suzhou_official):
    suzhou_factory = mf.FactoryFactory()
    nanjing_factory = mf.FactoryFactory(city=City.objects.get(code="320100"))
    entry = services.pool_entry_add(
        actor=suzhou_official, factory=suzhou_factory, year=2026, reason="重点培育"
    )
    assert entry.authority.city_id == "320500" and entry.added_by == suzhou_official
    with pytest.raises(Conflict):
        services.pool_entry_add(
            actor=suzhou_official, factory=suzhou_factory, year=2026, reason="again"
        )
    with pytest.raises(PermissionDenied):
        services.pool_entry_add(
            actor=suzhou_official, factory=nanjing_factory, year=2026, reason="not mine"
        )
    with pytest.raises(DomainError):
        services.pool_entry_add(
            actor=suzhou_official, factory=suzhou_factory, year=2027, reason="  "
        )
    assert CultivationPoolEntry.objects.count() == 1


def test_cultivation_pool_refuses_other_roles(jiangsu_official):
    factory = mf.FactoryFactory()
    with pytest.raises(PermissionDenied):
        services.pool_entry_add(actor=jiangsu_official, factory=factory, year=2026, reason="x")
    assert jiangsu_official.role == Role.PROVINCIAL_OFFICIAL
