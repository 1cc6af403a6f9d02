"""The public registry API (issue 11): anonymous lookups by credit code and searches, each
factory with its highest active tier and every certificate's status, cacheable answers that
never hide a revocation, and the verification of one certificate by its printed token."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from certification import services
from certification.api.registry import certificate_data
from certification.models import Certificate
from certification.verification import certificate_token
from tests import model_factories as mf
from tests.certification.conftest import ready_basic
from tests.test_throttling import address

pytestmark = pytest.mark.django_db

PUBLIC_KEYS = {
    "id",
    "name",
    "enterprise",
    "uscc",
    "province_code",
    "province",
    "city_code",
    "city",
    "highest_active_tier",
    "certificates",
}


def anonymous() -> APIClient:
    return APIClient(REMOTE_ADDR=address(), HTTP_ACCEPT_LANGUAGE="zh-hans")


def certified(user, media, *, city: str = "320500", name: str = "") -> Certificate:
    factory = mf.FactoryFactory(city_id=city, **({"name": name} if name else {}))
    mf.member_of(user, factory.enterprise)
    application = ready_basic(user, factory, media)
    services.application_submit(actor=user, application=application)
    services.application_run_checks(application_id=application.pk, submission=1)
    return Certificate.objects.select_related("factory__enterprise").get(application=application)


def test_an_anonymous_lookup_by_credit_code_takes_one_query_and_shows_only_public_facts(
    enterprise_user, media
):
    certificate = certified(enterprise_user, media)
    uscc = certificate.factory.enterprise.uscc
    client = anonymous()
    client.get(f"/api/v1/registry/?uscc={uscc}")  # warm: the prepared query is compiled once
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(f"/api/v1/registry/?uscc={uscc.lower()}")
    assert answer.status_code == 200
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as again:  # the same answer, from the database
        assert client.get(f"/api/v1/registry/?uscc={uscc}").json() == answer.json()
    assert len(again) == 1
    (entry,) = answer.json()["results"]
    assert set(entry) == PUBLIC_KEYS
    assert entry["uscc"] == uscc and entry["name"] == certificate.factory.name
    assert entry["city"] == "苏州市" and entry["highest_active_tier"] == "basic"
    assert entry["certificates"] == [
        {
            "number": certificate.number,
            "tier": "basic",
            "status": "active",
            "issued_on": certificate.issued_on.isoformat(),
            "status_changed_at": entry["certificates"][0]["status_changed_at"],
        }
    ]
    assert answer.json()["next"] is None
    unknown = client.get("/api/v1/registry/?uscc=91320000000000000X")
    assert unknown.status_code == 200 and unknown.json()["results"] == []


def test_a_revocation_shows_on_the_very_next_request_despite_caching(
    enterprise_user, media, suzhou_official
):
    certificate = certified(enterprise_user, media)
    url = f"/api/v1/registry/?uscc={certificate.factory.enterprise.uscc}"
    client = anonymous()
    first = client.get(url)
    assert first["Cache-Control"] == "public, no-cache"
    assert first["ETag"] and first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    services.certificate_revoke(actor=suzhou_official, certificate=certificate, reason="虚假")
    after = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    (entry,) = after.json()["results"]
    assert entry["certificates"][0]["status"] == "revoked"
    assert entry["highest_active_tier"] is None


def test_search_by_name_region_tier_and_status_in_a_bounded_number_of_queries(
    enterprise_user, media, suzhou_official
):
    suzhou = certified(enterprise_user, media, name="苏州精密智造工厂")
    nanjing = certified(enterprise_user, media, city="320100", name="南京精密装配工厂")
    mf.FactoryFactory(name="精密但未认证的工厂")  # no certificate: never listed
    client = anonymous()

    def names(query: str) -> list[str]:
        answer = client.get(f"/api/v1/registry/?{query}")
        assert answer.status_code == 200, answer.content
        return sorted(entry["name"] for entry in answer.json()["results"])

    assert names("name=精密") == sorted([suzhou.factory.name, nanjing.factory.name])
    assert names("name=精密&city=320500") == [suzhou.factory.name]
    assert names("name=精密&province=32&tier=basic") == sorted(
        [suzhou.factory.name, nanjing.factory.name]
    )
    assert names("name=精密&tier=advanced") == []
    services.certificate_suspend(actor=suzhou_official, certificate=suzhou, reason="逾期")
    assert names("name=精密&status=suspended") == [suzhou.factory.name]
    enterprise = nanjing.factory.enterprise.name
    assert names(f"name={enterprise}") == [nanjing.factory.name]

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            answer = client.get(f"/api/v1/registry/?name=工厂&page_size={page_size}")
        assert answer.status_code == 200
        return len(captured)

    for n in range(3):
        certified(enterprise_user, media, name=f"批量工厂{n}")
    assert queries(1) == queries(5) == 2


def test_the_search_pages_with_a_cursor(enterprise_user, media):
    made = {certified(enterprise_user, media, name=f"翻页工厂{n}").factory.name for n in range(3)}
    client = anonymous()
    # As a client sends it: percent-encoded UTF-8.
    seen, url, pages = [], f"/api/v1/registry/?{urlencode({'name': '翻页', 'page_size': 2})}", 0
    while url:
        body = client.get(url).json()
        seen += [entry["name"] for entry in body["results"]]
        url, pages = body["next"], pages + 1
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen)) and pages == 2


def test_bad_search_parameters_are_a_400_with_the_field():
    client = anonymous()
    for query, field in (("tier=gold", "tier"), ("city=32", "city"), ("uscc=123", "uscc")):
        answer = client.get(f"/api/v1/registry/?{query}&page_size=5")
        assert answer.status_code == 400, query
        body = answer.json()
        assert {"code", "message"} <= set(body) and field in body["fields"]


def test_verification_by_the_printed_token_and_one_answer_for_every_miss(enterprise_user, media):
    certificate = certified(enterprise_user, media)
    number = certificate.number
    client = anonymous()
    answer = client.get(f"/api/v1/registry/certificates/{number}/?t={certificate_token(number)}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["number"] == number and body["status"] == "active"
    assert body["uscc"] == certificate.factory.enterprise.uscc
    assert body["city"] == "苏州市" and body["authority"]
    misses = [
        client.get(f"/api/v1/registry/certificates/{number}/?t=0{certificate_token(number)[1:]}"),
        client.get(f"/api/v1/registry/certificates/{number}/"),
        client.get(f"/api/v1/registry/certificates/NO-SUCH-1/?t={certificate_token('NO-SUCH-1')}"),
    ]
    assert {m.status_code for m in misses} == {404}
    assert len({m.content for m in misses}) == 1


def test_the_registry_is_throttled_for_anonymous_clients(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "2/minute",
        },
    }
    client = anonymous()
    statuses = [client.get("/api/v1/registry/?name=x").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_quick_lookup_answers_byte_for_byte_as_the_full_view(enterprise_user, media):
    """A plain anonymous ``?uscc=`` lookup skips DRF's request cycle (certification.api.registry
    .registry_list): its body and headers are those of RegistryList, which answers the same
    lookup when the request is anything more (here an Accept header with a parameter)."""
    certificate = certified(enterprise_user, media)
    url = f"/api/v1/registry/?uscc={certificate.factory.enterprise.uscc}"
    client = anonymous()
    quick = client.get(url)
    full = client.get(url, HTTP_ACCEPT="application/json; charset=utf-8")
    assert quick.status_code == full.status_code == 200
    assert quick.content == full.content
    for header in ("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Vary", "Allow"):
        assert quick[header] == full[header], header
    assert quick.json()["results"][0]["certificates"][0]["number"] == certificate.number


def test_the_quick_lookup_keeps_the_throttle_and_leaves_credentials_to_the_full_view(
    settings, enterprise_user, media
):
    certificate = certified(enterprise_user, media)
    url = f"/api/v1/registry/?uscc={certificate.factory.enterprise.uscc}"
    # A bad token is refused as everywhere in the API, and a browser gets the HTML view.
    assert anonymous().get(url, HTTP_AUTHORIZATION="Token not-a-token").status_code == 401
    page = anonymous().get(url, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "2/minute",
        },
    }
    client = anonymous()
    answers = [client.get(url) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].json()["code"] == "throttled" and answers[2]["Retry-After"]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/Los_Angeles"])
def test_the_registry_writes_dates_as_drf_does(zone):
    """The registry writes a certificate's status change without DRF's field (it is the hot
    path); the text is the field's, in the active time zone, UTC as ``Z`` included."""
    changed = datetime(2026, 10, 1, 23, 30, 5, 123456, tzinfo=UTC)
    row = type("Row", (), {"number": "N", "tier": "basic", "status": "active"})()
    row.issued_on, row.status_changed_at = changed.date(), changed
    with timezone.override(zone):
        written = certificate_data(row, timezone.get_current_timezone())["status_changed_at"]
        expected = serializers.DateTimeField().to_representation(changed)
    assert written == expected
    assert written.endswith("Z") == (zone == "UTC")


def test_the_quick_lookup_reads_the_code_as_the_full_view_does(enterprise_user, media):
    """The quick path reads the raw query string: an encoded, padded, lower-case code finds
    the same factory, and a repeated or extra parameter is answered by the full view."""
    certificate = certified(enterprise_user, media)
    uscc = certificate.factory.enterprise.uscc
    client = anonymous()
    exact = client.get(f"/api/v1/registry/?uscc={uscc}")
    padded = client.get(f"/api/v1/registry/?uscc=+{uscc.lower()}%20")
    assert padded.status_code == 200 and padded.content == exact.content
    repeated = client.get(f"/api/v1/registry/?uscc={uscc}&uscc={uscc}")
    assert repeated.status_code == 200
    assert [r["uscc"] for r in repeated.json()["results"]] == [uscc]
    narrowed = client.get(f"/api/v1/registry/?uscc={uscc}&tier=advanced")
    assert narrowed.status_code == 200 and narrowed.json()["results"] == []
