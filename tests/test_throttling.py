"""API throttles: keyed on an address the client cannot make up, counting refused (401)
requests, and a rate per signed-in user."""

import random

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import model_factories as mf

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Set throttle rates for one test (the cache is Redis, shared: each test uses its own
    addresses and users, so counts from other tests never meet)."""

    def set_rates(**values):
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**current, **values},
        }

    return set_rates


def address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def test_a_made_up_forwarded_for_does_not_reset_the_anonymous_rate(rates):
    rates(anon="2/minute")
    client = APIClient(REMOTE_ADDR=address())
    statuses = [
        client.get("/api/schema/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_behind_trusted_proxies_the_rate_is_per_forwarded_client(rates, settings):
    rates(anon="2/minute")
    settings.TRUSTED_PROXY_COUNT = 1
    proxy, client_address = address(), address()
    client = APIClient(REMOTE_ADDR=proxy)
    forwarded = [f"198.51.100.{n}, {client_address}" for n in range(3)]
    statuses = [
        client.get("/api/v1/me/", HTTP_X_FORWARDED_FOR=value).status_code for value in forwarded
    ]
    assert statuses == [401, 401, 429]
    # Another client behind the same proxy has its own count.
    other = client.get("/api/v1/me/", HTTP_X_FORWARDED_FOR=address())
    assert other.status_code == 401


def test_bad_tokens_are_throttled_as_anonymous(rates):
    rates(anon="3/minute")
    client = APIClient(REMOTE_ADDR=address())
    statuses = []
    for n in range(4):
        client.credentials(HTTP_AUTHORIZATION=f"Token guess-{n}")
        statuses.append(client.get("/api/v1/me/").status_code)
    assert statuses == [401, 401, 401, 429]
    response = client.get("/api/v1/me/")
    assert response.json()["code"] == "throttled"


def test_requests_without_credentials_count_too(rates):
    rates(anon="2/minute")
    client = APIClient(REMOTE_ADDR=address())
    assert [client.get("/api/v1/factories/").status_code for _ in range(3)] == [401, 401, 429]


def test_signed_in_use_has_a_rate_per_user(rates):
    from accounts.services import api_token_create

    rates(user="3/minute", anon="1/minute")
    user, other = mf.UserFactory(), mf.UserFactory()
    # Ids repeat across test databases that share the Redis: start from a clean count.
    cache.delete_many([f"throttle_user_{user.pk}", f"throttle_user_{other.pk}"])
    client = APIClient(REMOTE_ADDR=address())
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='t')[1]}")
    assert [client.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    neighbour = APIClient(REMOTE_ADDR=address())
    neighbour.force_authenticate(other)
    assert neighbour.get("/api/v1/me/").status_code == 200


def test_creating_tokens_has_its_own_rate(rates):
    rates(tokens="2/hour")
    user = mf.UserFactory()
    cache.delete_many([f"throttle_user_{user.pk}", f"throttle_tokens_{user.pk}"])
    client = APIClient(REMOTE_ADDR=address())
    client.force_login(user)
    statuses = [
        client.post("/api/v1/tokens/", {"name": f"t{n}"}, format="json").status_code
        for n in range(3)
    ]
    assert statuses == [201, 201, 429]
    assert client.get("/api/v1/tokens/").status_code == 200
