"""factory_boy factories for the portal's models (reference data comes from the real loader)."""

from __future__ import annotations

import itertools

import factory

from accounts.models import Role, User
from factories.models import Enterprise, Factory, Industry, Membership
from factories.services import enterprise_presence_refresh
from factories.validators import uscc_check_character
from regions.models import Authority, City

_serial = itertools.count(1)


def make_uscc(region: str = "320505") -> str:
    """A valid credit code in ``region`` with a fresh organisation part."""
    body = f"91{region}MA{next(_serial):07d}"
    return body + uscc_check_character(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.ENTERPRISE_USER
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def official(role: str, authority_code: str, **kwargs) -> User:
    return UserFactory(role=role, authority=Authority.objects.get(code=authority_code), **kwargs)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.LazyFunction(make_uscc)
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    city = factory.LazyFunction(lambda: City.objects.get(code="320500"))
    province = factory.SelfAttribute("city.province")
    industry = factory.LazyFunction(lambda: Industry.objects.get(code="35"))
    above_designated_size = True

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:  # where officials see it, as the services would record it
            enterprise_presence_refresh([instance.pk])


class FactoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Factory

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"测试工厂{n}")
    address = "测试路 1 号"
    city = factory.SelfAttribute("enterprise.city")
    province = factory.SelfAttribute("city.province")
    away = factory.LazyAttribute(lambda o: o.city.pk != o.enterprise.city_id)
    industry = factory.SelfAttribute("enterprise.industry")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            enterprise_presence_refresh([instance.enterprise_id])


def member_of(user: User, enterprise: Enterprise) -> Membership:
    return Membership.objects.create(user=user, enterprise=enterprise)
