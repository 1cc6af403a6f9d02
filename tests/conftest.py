"""Shared fixtures. The suite runs against real PostgreSQL and Redis (see Makefile)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import Role
from tests import model_factories as mf


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data is loaded once into the test database, as in production."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def reference_data(db):
    """For transactional tests, whose database is flushed between tests: load it again."""
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def api_client_for(user, language: str = "en") -> APIClient:
    """An API client authenticated as ``user``; messages in English unless asked otherwise."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


@pytest.fixture
def english():
    """Messages in English for assertions on their wording (the default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def enterprise_user(db):
    return mf.UserFactory(role=Role.ENTERPRISE_USER)


@pytest.fixture
def suzhou_official(db):
    return mf.official(Role.CITY_OFFICIAL, "320500-industry-it")


@pytest.fixture
def jiangsu_official(db):
    return mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")


@pytest.fixture
def miit_reviewer(db):
    return mf.official(Role.MIIT_REVIEWER, "miit")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
