"""Peer benchmarking: the pure distribution against ``statistics``, the aggregate SQL against an
independent computation on generated data, the anonymity threshold, scope, the page and the API
in both languages, and a query count that does not grow with the peers."""

from __future__ import annotations

import json
import random
import statistics
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments import benchmarks, selectors
from assessments.models import Assessment, ModelVersion, SubDomain
from dashboard.charts import Box, box_chart_svg
from factories.models import Industry
from regions.models import City
from tests import model_factories as mf
from tests.certification.conftest import submitted_assessment
from tests.conftest import api_client_for

# --- The pure module --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_summarise_matches_statistics_quantiles(seed):
    rng = random.Random(seed)
    values = [round(rng.uniform(0, 5), 2) for _ in range(rng.randint(2, 60))]
    own = rng.choice([*values, round(rng.uniform(0, 5), 2)])
    figures = benchmarks.summarise(values, own)
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    assert figures.count == len(values)
    assert figures.minimum == min(values) and figures.maximum == max(values)
    assert figures.q1 == pytest.approx(q1)
    assert figures.median == pytest.approx(median)
    assert figures.median == pytest.approx(statistics.median(values))
    assert figures.q3 == pytest.approx(q3)
    assert figures.below == len([v for v in values if v < own])
    assert figures.equal == values.count(own)


def test_percentile_counts_ties_as_half_and_quartile_bands():
    figures = benchmarks.summarise([1.0, 2.0, 2.0, 3.0], 2.0)
    assert benchmarks.percentile(figures) == 50.0
    shown = benchmarks.compare("", 3.5, benchmarks.summarise([1.0, 2.0, 3.0, 3.0], 3.5), 2)
    assert shown.percentile == 100.0 and shown.quartile == 4
    low = benchmarks.compare("", 0.5, benchmarks.summarise([1.0, 2.0, 3.0, 3.0], 0.5), 2)
    assert low.percentile == 0.0 and low.quartile == 1


def test_a_group_below_the_threshold_is_withheld_whole():
    figures = {
        benchmarks.CUT_INDUSTRY: {
            benchmarks.OVERALL: benchmarks.summarise([1.0] * 9, 1.0),
            "a": benchmarks.summarise([1.0] * 12, 1.0),  # more values than peers: still hidden
        },
        benchmarks.CUT_PROVINCE: {benchmarks.OVERALL: benchmarks.summarise([1.0] * 10, 1.0)},
    }
    cuts = {
        cut.cut: cut
        for cut in benchmarks.benchmark(
            {"": 1.0, "a": 1.0}, figures, min_peers=10, subdomains=["a"]
        )
    }
    assert not cuts["industry"].shown and cuts["industry"].peers == 9
    assert cuts["industry"].overall.withheld and cuts["industry"].subdomains[0].withheld
    assert cuts["province"].shown and cuts["province"].overall.distribution is not None
    # A sub-domain nobody else scored is withheld even in a shown group.
    assert cuts["province"].subdomains[0].withheld
    assert cuts["industry_province"].peers == 0 and not cuts["industry_province"].shown


def test_box_chart_draws_boxes_and_withheld_rows_and_escapes_labels():
    svg = box_chart_svg(
        [
            Box("<总分>", 2.5, 1.0, 1.5, 2.0, 3.0, 4.0),
            Box("withheld row", 1.2),
        ],
        title="同行",
        own_label="本工厂",
        withheld_label="同行太少",
    )
    assert svg.count('class="box"') == 1
    assert svg.count('class="own"') == 2
    assert "同行太少" in svg and "&lt;总分&gt;" in svg and "<总分>" not in svg


# --- Data -------------------------------------------------------------------------------------


def _peer(
    *,
    version,
    overall: float,
    subdomains: dict[str, float],
    city: str = "320500",
    industry: str = "35",
    days_ago: int = 1,
    factory=None,
):
    """A peer factory (new unless given) with a submitted assessment carrying these scores."""
    if factory is None:
        enterprise = mf.EnterpriseFactory(
            city=City.objects.get(code=city), industry=Industry.objects.get(code=industry)
        )
        factory = mf.FactoryFactory(enterprise=enterprise, name=f"同行工厂{enterprise.pk}")
    user = mf.UserFactory()
    submitted = timezone.now() - timedelta(days=days_ago)
    Assessment.objects.create(
        factory=factory,
        version=version,
        industry_type="discrete",
        status=Assessment.Status.SUBMITTED,
        created_by=user,
        submitted_by=user,
        submitted_at=submitted,
        valid_until=(submitted + timedelta(days=365)).date(),
        scoring_method="test",
        maturity_level=int(overall),
        overall_score=Decimal(str(overall)),
        result={"subdomain_overall": subdomains},
        province_id=factory.province_id,
        city_id=factory.city_id,
    )
    return factory


@pytest.fixture
def own(enterprise_user):
    """A Suzhou factory (industry 35) of ``enterprise_user``'s enterprise, assessed at level 2."""
    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    submitted_assessment(enterprise_user, factory, 2)
    return factory


def _latest(factory) -> Assessment:
    return Assessment.objects.filter(factory=factory).order_by("-submitted_at").first()


def _codes(assessment: Assessment) -> list[str]:
    return list(assessment.result["subdomain_overall"])


def _scores(rng: random.Random, codes: list[str]) -> tuple[float, dict[str, float]]:
    return round(rng.uniform(0, 5), 2), {code: round(rng.uniform(0, 5), 4) for code in codes}


def _expected(values: list[float], own: float) -> benchmarks.PeerFigures:
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return benchmarks.PeerFigures(
        count=len(values),
        minimum=min(values),
        q1=q1,
        median=median,
        q3=q3,
        maximum=max(values),
        below=len([v for v in values if v < own]),
        equal=values.count(own),
    )


def _same(found: benchmarks.PeerFigures, expected: benchmarks.PeerFigures) -> None:
    assert found.count == expected.count
    for name in ("minimum", "q1", "median", "q3", "maximum"):
        assert getattr(found, name) == pytest.approx(getattr(expected, name)), name
    assert (found.below, found.equal) == (expected.below, expected.equal)


@pytest.mark.django_db
def test_peer_figures_match_an_independent_computation(enterprise_user, own):
    latest = _latest(own)
    version = latest.version
    codes = _codes(latest)
    rng = random.Random(14)
    # (city, industry) -> which cuts a peer there falls in.
    places = [
        ("320500", "35"),  # Suzhou, same industry: all three cuts
        ("320100", "35"),  # Nanjing, same industry: all three cuts
        ("330100", "35"),  # Hangzhou, same industry: industry only
        ("320500", "26"),  # Suzhou, another industry: province only
        ("330100", "26"),  # neither: not a peer
    ]
    expected_values: dict[str, dict[str, list[float]]] = {cut: {} for cut in benchmarks.CUTS}
    for index in range(40):
        city, industry = places[index % len(places)]
        overall, subdomains = _scores(rng, codes)
        factory = _peer(
            version=version, overall=overall, subdomains=subdomains, city=city, industry=industry
        )
        if index % 7 == 0:  # an older assessment does not count, the latest does
            old_overall, old_subdomains = _scores(rng, codes)
            _peer(
                version=version,
                overall=old_overall,
                subdomains=old_subdomains,
                factory=factory,
                days_ago=400,
            )
        same_industry, same_province = industry == "35", city.startswith("32")
        for cut, inside in (
            ("industry", same_industry),
            ("province", same_province),
            ("industry_province", same_industry and same_province),
        ):
            if inside:
                expected_values[cut].setdefault("", []).append(overall)
                for code, value in subdomains.items():
                    expected_values[cut].setdefault(code, []).append(value)
    # A factory whose latest assessment is on another model version is not a peer.
    other_version = ModelVersion.objects.create(code="other", title_zh="其他", title_en="Other")
    _peer(version=other_version, overall=4.99, subdomains=dict.fromkeys(codes, 4.99))
    # The factory's own older assessment is not a peer either.
    _peer(version=version, overall=0.01, subdomains={}, factory=own, days_ago=500)

    own_values = {"": float(latest.overall_score), **latest.result["subdomain_overall"]}
    found = selectors.peer_figures(
        factory_id=own.pk,
        industry="35",
        province="32",
        version_id=version.pk,
        own=own_values,
    )
    assert connection.vendor == "postgresql"  # the aggregate SQL, not the fallback
    for cut, by_measure in expected_values.items():
        assert set(found[cut]) == set(by_measure), cut
        for measure, values in by_measure.items():
            _same(found[cut][measure], _expected(values, own_values[measure]))
    # The embedded database's fallback gives the same figures.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection, "vendor", "sqlite")
        fallback = selectors.peer_figures(
            factory_id=own.pk, industry="35", province="32", version_id=version.pk, own=own_values
        )
    for cut, by_measure in found.items():
        for measure, figures in by_measure.items():
            _same(fallback[cut][measure], figures)


def _peers(version, codes, count, *, seed=1, **where):
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        overall, subdomains = _scores(rng, codes)
        made.append(_peer(version=version, overall=overall, subdomains=subdomains, **where))
    return made


@pytest.mark.django_db
def test_nine_peers_are_withheld_and_ten_are_shown(enterprise_user, own, settings):
    assert settings.PEER_BENCHMARK_MIN_PEERS == 10
    latest = _latest(own)
    # Nine peers of the same industry in Hangzhou; nine in Jiangsu of another industry.
    _peers(latest.version, _codes(latest), 9, city="330100")
    _peers(latest.version, _codes(latest), 9, industry="26")
    cuts = {cut.cut: cut for cut in selectors.peer_benchmark_for(enterprise_user, own.pk).cuts}
    assert cuts["industry"].peers == 9 and not cuts["industry"].shown
    assert cuts["industry"].overall.distribution is None
    assert cuts["province"].peers == 9 and not cuts["province"].shown

    _peers(latest.version, _codes(latest), 1, seed=2)  # Suzhou, industry 35: both cuts
    cuts = {cut.cut: cut for cut in selectors.peer_benchmark_for(enterprise_user, own.pk).cuts}
    assert cuts["industry"].peers == 10 and cuts["industry"].shown
    assert cuts["industry"].overall.distribution is not None
    assert cuts["province"].peers == 10 and cuts["province"].shown
    assert cuts["industry_province"].peers == 1 and not cuts["industry_province"].shown

    settings.PEER_BENCHMARK_MIN_PEERS = 11
    cuts = {cut.cut: cut for cut in selectors.peer_benchmark_for(enterprise_user, own.pk).cuts}
    assert not cuts["industry"].shown


def _browser(user, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_page_and_api_never_name_a_peer(enterprise_user, own):
    latest = _latest(own)
    peers = _peers(latest.version, _codes(latest), 12)
    page = _browser(enterprise_user).get(reverse("factory-peers", args=[own.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="box"') >= 1 + len(_codes(latest))  # a shown group's boxes
    response = api_client_for(enterprise_user).get(
        reverse("factory-peers-api", args=[own.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    text = json.dumps(response.json(), ensure_ascii=False)
    for peer in peers:
        for name in (peer.name, peer.enterprise.name, peer.enterprise.uscc):
            assert name not in html
            assert name not in text
    # The only ids in the answer are the factory's own and its assessment's.
    body = response.json()
    assert body["factory"] == own.pk and body["assessment"] == latest.pk
    assert set(body) == {
        "factory",
        "industry",
        "province",
        "assessment",
        "model_version",
        "min_peers",
        "cuts",
    }


@pytest.mark.django_db
def test_who_may_see_a_factorys_peers(enterprise_user, own, suzhou_official, jiangsu_official):
    url = reverse("factory-peers", args=[own.pk])
    api_url = reverse("factory-peers-api", args=[own.pk])
    stranger = mf.UserFactory(role=Role.ENTERPRISE_USER)
    mf.member_of(stranger, mf.EnterpriseFactory())
    wuxi = mf.official(Role.CITY_OFFICIAL, "320200-industry-it")
    zhejiang = mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it")
    expert = mf.UserFactory(role=Role.EXPERT)
    for user in (enterprise_user, suzhou_official, jiangsu_official):
        assert _browser(user).get(url).status_code == 200, user.role
        assert api_client_for(user).get(api_url).status_code == 200, user.role
    for user in (stranger, wuxi, zhejiang, expert):
        assert _browser(user).get(url).status_code == 404, user.role
        response = api_client_for(user).get(api_url)
        assert response.status_code == 404, user.role
        assert response.json()["code"] == "not_found"
    assert Client().get(url).status_code == 302  # to the sign-in page
    assert api_client_for(None).get(api_url).status_code in (401, 403)
    missing = api_client_for(enterprise_user).get(reverse("factory-peers-api", args=[10**9]))
    assert missing.status_code == 404 and set(missing.json()) >= {"code", "message"}


@pytest.mark.django_db
def test_both_languages_and_the_withheld_message(enterprise_user, own):
    latest = _latest(own)
    # Ten peers of the same industry in Hangzhou: that group is shown, the other two withheld.
    _peers(latest.version, _codes(latest), 10, city="330100")
    url = reverse("factory-peers", args=[own.pk])
    zh = _browser(enterprise_user).get(url).content.decode()
    en = _browser(enterprise_user, "en").get(url).content.decode()
    assert "同行对标" in zh and "为保护同行匿名" in zh
    assert "Peer benchmark" in en and "to protect their anonymity" in en
    # One box per score of the shown group only: nothing drawn for a withheld group.
    assert zh.count('class="box"') == en.count('class="box"') == 1 + len(_codes(latest))
    assert zh.count("peers-withheld") == 2
    first = SubDomain.objects.filter(version=latest.version).order_by("order").first()
    assert first is not None and first.name_en in en and first.name_zh in zh


@pytest.mark.django_db
def test_a_factory_without_an_assessment(enterprise_user):
    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    page = _browser(enterprise_user, "en").get(reverse("factory-peers", args=[factory.pk]))
    assert page.status_code == 200 and "peers-none" in page.content.decode()
    body = (
        api_client_for(enterprise_user).get(reverse("factory-peers-api", args=[factory.pk])).json()
    )
    assert body["assessment"] is None and body["cuts"] == []


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_peers(enterprise_user, own):
    latest = _latest(own)
    codes = _codes(latest)
    client = _browser(enterprise_user)
    api = api_client_for(enterprise_user)
    url = reverse("factory-peers", args=[own.pk])
    api_url = reverse("factory-peers-api", args=[own.pk])

    def count() -> tuple[int, int]:
        client.get(url)  # warm the per-process caches
        with CaptureQueriesContext(connection) as page:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as answer:
            assert api.get(api_url).status_code == 200
        return len(page), len(answer)

    _peers(latest.version, codes, 10, seed=3)
    small = count()
    _peers(latest.version, codes, 30, seed=4, city="320100")
    _peers(latest.version, codes, 10, seed=5, city="330100")
    large = count()
    assert small == large
