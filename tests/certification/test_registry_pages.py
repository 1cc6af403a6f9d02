"""The public registry's pages (issue 11): the search at /registry/ and the verification page
that a certificate's QR code opens, for anonymous visitors and signed-in users, in Chinese and
English; bad parameters at their fields; a revocation shown on the very next request; one 404
for every miss; a bounded number of queries whatever the page size."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from certification import services
from certification.models import Certificate
from certification.verification import certificate_token, certificate_verify_path
from tests import model_factories as mf
from tests.certification.api.test_registry import certified

pytestmark = pytest.mark.django_db

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LANGUAGE_NEXT = re.compile(r'<input name="next" type="hidden" value="[^"]*">')


def visitor(language: str = "zh-hans") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def search(client: Client, **params: object):
    return client.get(f"/registry/?{urlencode(params)}")


def text(response) -> str:
    return response.content.decode()


FACTORY_HEADING = re.compile(r'<h3 class="[^"]*registry-factory"[^>]*>([^<]+)</h3>')


def names(response) -> list[str]:
    return sorted(FACTORY_HEADING.findall(text(response)))


def page_content(response) -> str:
    """The body but for what base.html puts in every page: the CSRF token's per-response mask
    and the page's own address (where the language switcher comes back to)."""
    body = text(response)
    (token,) = set(CSRF_TOKEN.findall(body))
    return LANGUAGE_NEXT.sub("", body.replace(token, ""))


def suzhou_city_official():
    return mf.official(Role.CITY_OFFICIAL, "320500-industry-it")


def test_an_anonymous_visitor_finds_a_factory_by_credit_code_in_one_query(enterprise_user, media):
    certificate = certified(enterprise_user, media)
    factory = certificate.factory
    client = visitor()
    search(client, uscc=factory.enterprise.uscc)  # the prepared query is compiled once
    with CaptureQueriesContext(connection) as queries:
        # As typed: lower case, with spaces around; the other fields empty, as the form sends.
        page = search(
            client, uscc=f" {factory.enterprise.uscc.lower()} ", name="", province="", tier=""
        )
    assert page.status_code == 200
    assert len(queries) == 1
    body = text(page)
    assert names(page) == [factory.name]
    assert factory.enterprise.name in body and factory.enterprise.uscc in body
    assert "江苏省 · 苏州市" in body
    assert certificate.number in body
    assert 'class="badge tier-badge tier-basic">基础级<' in body  # the highest active tier
    assert "status-active text-bg-success" in body and ">有效<" in body
    assert certificate.issued_on.strftime("%Y-%m-%d") in body
    # Certificate facts only: nothing of the application, its claims or the people.
    assert "建设内容" not in body and enterprise_user.username not in body
    nothing = search(client, uscc="91320000000000000X")
    assert nothing.status_code == 200 and "registry-empty" in text(nothing)


def test_search_by_a_chinese_name_and_the_filters(enterprise_user, media, suzhou_official):
    suzhou = certified(enterprise_user, media, name="苏州精密智造工厂")
    nanjing = certified(enterprise_user, media, city="320100", name="南京精密装配工厂")
    mf.FactoryFactory(name="精密但未认证的工厂")  # no certificate: never listed
    client = visitor()

    both = sorted([suzhou.factory.name, nanjing.factory.name])
    assert names(search(client, name="精密")) == both
    assert names(search(client, name="精密", city="320500")) == [suzhou.factory.name]
    assert names(search(client, name="精密", province="32", tier="basic")) == both
    assert names(search(client, name="精密", tier="advanced")) == []
    assert names(search(client, province="32", city="320100")) == [nanjing.factory.name]
    # By the enterprise's name too.
    assert names(search(client, name=nanjing.factory.enterprise.name)) == [nanjing.factory.name]
    services.certificate_suspend(actor=suzhou_official, certificate=suzhou, reason="逾期")
    suspended = search(client, name="精密", status="suspended")
    assert names(suspended) == [suzhou.factory.name]
    assert "registry-no-active-tier" in text(suspended)  # no active certificate left
    # The form keeps what was searched.
    assert 'value="精密"' in text(suspended)
    assert '<option value="suspended" selected>' in text(suspended)


def test_the_empty_form_searches_nothing(enterprise_user, media):
    certified(enterprise_user, media)
    page = visitor().get("/registry/")
    assert page.status_code == 200
    assert 'role="search"' in text(page) and "registry-entry" not in text(page)
    assert "registry-results" not in text(page)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"tier": "gold"}, "tier", "Select a valid choice"),
        ({"status": "lost"}, "status", "Select a valid choice"),
        ({"uscc": "123"}, "uscc", "A credit code has 18 characters."),
        ({"province": "99"}, "province", "Select a valid choice"),
        ({"city": "32"}, "city", "Select a valid choice"),
        ({"province": "11", "city": "320500"}, "city", "Select a valid choice"),  # not in it
        ({"name": "x" * 101}, "name", "at most 100 characters"),
    ],
)
def test_bad_parameters_are_shown_at_their_field(params, field, message):
    page = search(visitor("en"), **params)
    assert page.status_code == 200
    body = text(page)
    assert f'id="id_{field}"' in body
    # django-bootstrap5 marks the field and puts the message right after it.
    field_html = re.search(rf'<[^>]+id="id_{field}".*?</div>', body, re.S)
    assert field_html and "is-invalid" in field_html.group() and message in field_html.group()
    assert "registry-results" not in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"name": "工厂", "cursor": "not-a-cursor"}, "This cursor is not valid"),
        ({"name": "工厂", "page_size": "0"}, "Must be a whole number from 1 to 200."),
    ],
)
def test_a_bad_cursor_or_page_size_is_said_above_the_form(params, message):
    page = search(visitor("en"), **params)
    assert page.status_code == 200
    assert 'class="alert alert-danger registry-errors"' in text(page)
    assert message in text(page)


def test_pages_follow_the_next_link_in_the_same_number_of_queries_whatever_their_size(
    enterprise_user, media
):
    made = {certified(enterprise_user, media, name=f"翻页工厂{n}").factory.name for n in range(4)}
    client = visitor()

    seen: list[str] = []
    url: str | None = f"/registry/?{urlencode({'name': '翻页', 'page_size': 3})}"
    pages = 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        seen += names(page)
        pages += 1
        found = re.search(r'href="([^"]+)" rel="next"', text(page))
        url = found.group(1).replace("&amp;", "&") if found else None
        assert ("registry-first" in text(page)) == (pages == 2)
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen)) and pages == 2

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            page = search(client, name="工厂", page_size=page_size)
        assert page.status_code == 200
        assert len(names(page)) == page_size
        return len(captured)

    # A page of factories, then their certificates: two queries, one factory or four.
    assert queries(1) == queries(4) == 2


def test_the_verification_page_shows_the_status_now(enterprise_user, media):
    certificate = certified(enterprise_user, media)
    factory = certificate.factory
    page = visitor().get(certificate_verify_path(certificate.number))
    assert page.status_code == 200
    body = text(page)
    assert '<html lang="zh-hans">' in body
    assert certificate.number in body
    assert "alert alert-success" in body and ">有效<" in body
    assert factory.name in body and factory.enterprise.name in body
    assert factory.enterprise.uscc in body and "江苏省 · 苏州市" in body
    assert certificate.authority.name_zh in body
    assert certificate.issued_on.strftime("%Y-%m-%d") in body
    assert "建设内容" not in body and enterprise_user.username not in body


def test_a_wrong_token_and_an_unknown_number_give_the_same_404_page(enterprise_user, media):
    certificate = certified(enterprise_user, media)
    number = certificate.number
    token = certificate_token(number)
    client = visitor()
    misses = [
        client.get(f"/verify/{number}?t={'0' if token[0] != '0' else '1'}{token[1:]}"),
        client.get(f"/verify/{number}"),
        client.get(f"/verify/{number}?t="),
        client.get(f"/verify/NO-SUCH-1?t={certificate_token('NO-SUCH-1')}"),
    ]
    assert {miss.status_code for miss in misses} == {404}
    assert len({page_content(miss) for miss in misses}) == 1
    assert number not in page_content(misses[0])
    assert LANGUAGE_NEXT.search(text(misses[0]))  # what page_content leaves out is there
    headers = {
        (miss["Content-Type"], miss["Cache-Control"], miss.has_header("ETag")) for miss in misses
    }
    assert len(headers) == 1


def test_a_revocation_shows_on_the_very_next_request_despite_caching(enterprise_user, media):
    certificate = certified(enterprise_user, media)
    verify = certificate_verify_path(certificate.number)
    lookup = f"/registry/?uscc={certificate.factory.enterprise.uscc}"
    client = visitor("en")
    first_verify, first_lookup = client.get(verify), client.get(lookup)
    for first, url in ((first_verify, verify), (first_lookup, lookup)):
        assert first.status_code == 200
        assert first["Cache-Control"] == "private, no-cache"  # kept, but asked again each time
        assert first["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert ">Active<" in text(first_verify) and ">Active<" in text(first_lookup)

    services.certificate_revoke(
        actor=suzhou_city_official(), certificate=certificate, reason="虚假申报"
    )

    after_verify = client.get(verify, HTTP_IF_NONE_MATCH=first_verify["ETag"])
    after_lookup = client.get(lookup, HTTP_IF_NONE_MATCH=first_lookup["ETag"])
    assert after_verify.status_code == after_lookup.status_code == 200
    assert "alert alert-danger" in text(after_verify) and ">Revoked<" in text(after_verify)
    assert "no longer valid" in text(after_verify)
    assert "status-revoked text-bg-danger" in text(after_lookup) and ">Revoked<" in text(
        after_lookup
    )
    assert "虚假申报" not in text(after_verify)  # the reason is not a public fact


def test_both_languages_by_browser_or_by_the_language_cookie(enterprise_user, media):
    certificate = certified(enterprise_user, media)
    verify = certificate_verify_path(certificate.number)
    lookup = f"/registry/?uscc={certificate.factory.enterprise.uscc}"

    chinese = visitor("zh-hans")
    for url in (verify, lookup):
        body = text(chinese.get(url))
        assert '<html lang="zh-hans">' in body and "证书编号" in body and "苏州市" in body

    english = visitor("en")
    for url in (verify, lookup):
        body = text(english.get(url))
        assert '<html lang="en">' in body and "Certificate number" in body
        assert "Suzhou" in body and ">Active<" in body and ">Basic<" in body

    by_cookie = Client()  # no Accept-Language: Chinese by default, English once chosen
    assert '<html lang="zh-hans">' in text(by_cookie.get(lookup))
    by_cookie.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en">' in text(by_cookie.get(lookup))
    assert "Certificate number" in text(by_cookie.get(verify))


def test_signed_in_users_see_the_same_pages_kept_out_of_every_cache(
    enterprise_user, media, jiangsu_official
):
    certificate = certified(enterprise_user, media)
    client = visitor("en")
    client.force_login(jiangsu_official)
    for url in (
        certificate_verify_path(certificate.number),
        f"/registry/?uscc={certificate.factory.enterprise.uscc}",
        f"/registry/?{urlencode({'name': certificate.factory.name})}",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert certificate.number in text(page)
        assert jiangsu_official.username in text(page)  # the signed-in navigation
        assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]


def test_only_safe_methods():
    assert visitor().post("/registry/").status_code == 405
    assert visitor().post("/verify/X-1?t=x").status_code == 405


def test_certificates_of_other_statuses_are_labelled(enterprise_user, media):
    certificate = certified(enterprise_user, media)
    Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.SUPERSEDED)
    page = visitor("en").get(certificate_verify_path(certificate.number))
    assert "alert alert-secondary" in text(page) and ">Superseded<" in text(page)


def test_the_pages_run_under_the_strict_policy_without_inline_code(enterprise_user, media):
    certificate = certified(enterprise_user, media)
    client = visitor()
    for url in (
        "/registry/",
        f"/registry/?{urlencode({'name': certificate.factory.name, 'tier': 'gold'})}",
        f"/registry/?uscc={certificate.factory.enterprise.uscc}",
        certificate_verify_path(certificate.number),
        "/verify/NO-SUCH-1?t=x",
    ):
        page = client.get(url)
        policy = page["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        body = text(page)
        assert " style=" not in body and "<style" not in body
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", body)), url
