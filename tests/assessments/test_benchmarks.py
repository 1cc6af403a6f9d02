"""Peer benchmarking: the pure percentile points and interpolation against ``statistics`` and
exact shares, the counted distributions (SQL and the Python fallback) against an independent
computation on generated data, the anonymity threshold, scope, the page and the API in both
languages, a refresh that can run again, and a query count that does not grow with the peers."""

from __future__ import annotations

import json
import random
import statistics
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments import benchmarks, selectors, services
from assessments.models import Assessment, ModelVersion, PeerDistribution, PeerRun, SubDomain
from assessments.tasks import refresh_peer_distributions
from dashboard.charts import Box, box_chart_svg
from factories.models import Industry
from regions.models import City
from tests import model_factories as mf
from tests.certification.conftest import submitted_assessment
from tests.conftest import api_client_for

# --- The pure module --------------------------------------------------------------------------


def _exact_share(others: list[float], own: float) -> float:
    """The share of the other peers scoring below ``own``, ties counted as half, in percent."""
    below = len([value for value in others if value < own])
    return (below + others.count(own) / 2) * 100 / len(others)


@pytest.mark.parametrize("seed", range(20))
def test_points_match_statistics_quantiles(seed):
    rng = random.Random(seed)
    values = [round(rng.uniform(0, 5), 2) for _ in range(rng.randint(2, 300))]
    points = benchmarks.points(values)
    assert len(points) == 101
    assert points[0] == min(values) and points[100] == max(values)
    assert points[1:100] == pytest.approx(statistics.quantiles(values, n=100, method="inclusive"))
    assert points[50] == pytest.approx(statistics.median(values))


@pytest.mark.parametrize("seed", range(30))
def test_interpolated_percentile_is_within_one_point_of_the_exact_share(seed):
    rng = random.Random(seed)
    # Coarse scores make ties; fine ones make none.
    digits = rng.choice([1, 2, 4])
    others = [round(rng.uniform(0, 5), digits) for _ in range(rng.randint(9, 2000))]
    own = rng.choice([*others, round(rng.uniform(0, 5), digits)])
    # The stored distribution counted the factory itself.
    figures = benchmarks.figures_from_points(
        len(others) + 1, benchmarks.points([*others, own]), own, own_included=True
    )
    assert figures.count == len(others)
    assert figures.percentile is not None
    assert abs(figures.percentile - _exact_share(others, own)) <= 1.0 + 0.05  # rounded to 0.1


def test_percentile_counts_ties_as_half_and_the_ends():
    def at(values: list[float], own: float) -> float | None:
        points = benchmarks.points([*values, own])
        return benchmarks.figures_from_points(
            len(values) + 1, points, own, own_included=True
        ).percentile

    assert at([2.0] * 10, 2.0) == 50.0
    assert at([1.0, 2.0, 3.0, 4.0], 5.0) == 100.0
    assert at([1.0, 2.0, 3.0, 4.0], 0.5) == 0.0
    assert at([1.0, 2.0, 2.0, 3.0], 2.0) == 50.0
    # Outside the stored range: below every point, above every point.
    assert benchmarks.position(benchmarks.points([1.0, 2.0]), 0.0) == 0.0
    assert benchmarks.position(benchmarks.points([1.0, 2.0]), 9.0) == 100.0
    shown = benchmarks.compare("", 3.5, benchmarks.PeerFigures(4, 1, 2, 3, 3, 3, 100.0), 2)
    assert shown.percentile == 100.0 and shown.quartile == 4
    low = benchmarks.compare("", 0.5, benchmarks.PeerFigures(4, 1, 2, 3, 3, 3, 0.0), 2)
    assert low.percentile == 0.0 and low.quartile == 1


def _figures(count: int) -> benchmarks.PeerFigures:
    return benchmarks.figures_from_points(count, [1.0] * 101, 1.0, own_included=False)


def test_a_group_below_the_threshold_is_withheld_whole():
    figures = {
        benchmarks.CUT_INDUSTRY: {
            benchmarks.OVERALL: _figures(9),
            "a": _figures(12),  # more values than peers: still hidden
        },
        benchmarks.CUT_PROVINCE: {benchmarks.OVERALL: _figures(10)},
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


def test_the_factory_itself_is_not_its_own_peer():
    points = benchmarks.points([1.0, 2.0, 3.0])
    assert benchmarks.figures_from_points(3, points, 2.0, own_included=True).count == 2
    assert benchmarks.figures_from_points(3, points, 2.0, own_included=False).count == 3
    # A measure the factory has no score for: every stored value is a peer's.
    assert benchmarks.figures_from_points(3, points, None, own_included=True).count == 3
    assert benchmarks.figures_from_points(1, [2.0] * 101, 2.0, own_included=True).count == 0


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


def _stored(run) -> dict[tuple[int, str, str, str, str], tuple[int, list[float]]]:
    return {
        (row.version_id, row.cut, row.industry, row.province, row.measure): (
            row.count,
            row.percentiles,
        )
        for row in PeerDistribution.objects.filter(run=run)
    }


@pytest.mark.django_db
def test_counted_distributions_match_an_independent_computation(enterprise_user, own):
    latest = _latest(own)
    version = latest.version
    codes = _codes(latest)
    rng = random.Random(14)
    # Each factory's latest scores and where it is: (version, industry, province, measures).
    latest_scores: dict[int, tuple[int, str, str, dict[str, float]]] = {
        own.pk: (
            version.pk,
            "35",
            "32",
            {"": float(latest.overall_score), **latest.result["subdomain_overall"]},
        )
    }
    places = [("320500", "35"), ("320100", "35"), ("330100", "35"), ("320500", "26")]
    places.append(("330100", "26"))
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
        latest_scores[factory.pk] = (
            version.pk,
            industry,
            city[:2],
            {"": overall, **subdomains},
        )
    # A factory on another model version counts in that version's groups only.
    other_version = ModelVersion.objects.create(code="other", title_zh="其他", title_en="Other")
    other = _peer(version=other_version, overall=4.99, subdomains=dict.fromkeys(codes, 4.99))
    latest_scores[other.pk] = (other_version.pk, "35", "32", dict.fromkeys(["", *codes], 4.99))
    # The factory's own older assessment does not count.
    _peer(version=version, overall=0.01, subdomains={}, factory=own, days_ago=500)

    expected: dict[tuple[int, str, str, str, str], list[float]] = {}
    for version_id, industry, province, measures in latest_scores.values():
        for cut, key_industry, key_province in (
            ("industry_province", industry, province),
            ("industry", industry, ""),
            ("province", "", province),
        ):
            for measure, value in measures.items():
                key = (version_id, cut, key_industry, key_province, measure)
                expected.setdefault(key, []).append(value)

    assert connection.vendor == "postgresql"  # the set-based statement, not the fallback
    stored = _stored(services.peer_distributions_refresh())
    assert set(stored) == set(expected)
    for key, values in expected.items():
        count, points = stored[key]
        assert count == len(values), key
        assert points[0] == pytest.approx(min(values)) and points[100] == pytest.approx(max(values))
        if len(values) > 1:
            cuts = statistics.quantiles(values, n=100, method="inclusive")
            assert points[1:100] == pytest.approx(cuts), key
        else:
            assert points == pytest.approx([values[0]] * 101), key

    # The embedded database's count gives the same rows.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection, "vendor", "sqlite")
        fallback = _stored(services.peer_distributions_refresh())
    assert set(fallback) == set(stored)
    for key, (count, points) in stored.items():
        assert fallback[key][0] == count and fallback[key][1] == pytest.approx(points), key

    # The factory's percentile in each group: within one point of the exact share of the
    # other peers scoring below it (ties as half).
    bench = selectors.peer_benchmark_for(enterprise_user, own.pk)
    own_measures = latest_scores[own.pk][3]
    for cut in bench.cuts:
        others = [
            scores[3][""]
            for pk, scores in latest_scores.items()
            if pk != own.pk
            and scores[0] == version.pk
            and (cut.cut == "province" or scores[1] == "35")
            and (cut.cut == "industry" or scores[2] == "32")
        ]
        assert cut.peers == len(others), cut.cut
        if cut.shown:
            assert cut.overall.percentile is not None
            exact = _exact_share(others, own_measures[""])
            assert abs(cut.overall.percentile - exact) <= 1.05, cut.cut


@pytest.mark.django_db
def test_the_refresh_can_run_again_and_keeps_one_run(own):
    first = services.peer_distributions_refresh()
    rows = sorted((*key, count, points) for key, (count, points) in _stored(first).items())
    second = services.peer_distributions_refresh()
    assert second.pk != first.pk
    assert list(PeerRun.objects.values_list("pk", flat=True)) == [second.pk]
    assert PeerDistribution.objects.exclude(run=second).count() == 0
    assert rows == sorted((*key, count, points) for key, (count, points) in _stored(second).items())
    assert rows  # the factory's own assessment is counted
    # The beat task calls the same service.
    assert refresh_peer_distributions() != second.pk
    assert PeerRun.objects.count() == 1


@pytest.mark.django_db
def test_the_first_view_counts_and_later_views_read_the_count(enterprise_user, own):
    assert not PeerRun.objects.exists()
    bench = selectors.peer_benchmark_for(enterprise_user, own.pk)
    run = PeerRun.objects.get()
    assert bench.as_of == run.computed_at
    selectors.peer_benchmark_for(enterprise_user, own.pk)
    assert list(PeerRun.objects.values_list("pk", flat=True)) == [run.pk]
    # An assessment submitted after the count is not in it: the groups are not reduced by one.
    before = _latest(own)
    _peer(version=before.version, overall=1.0, subdomains={}, factory=own, days_ago=0)
    assert _latest(own).submitted_at > run.computed_at
    cuts = {cut.cut: cut for cut in selectors.peer_benchmark_for(enterprise_user, own.pk).cuts}
    assert cuts["industry"].peers == 1  # the factory's older assessment, counted before


@pytest.mark.django_db
def test_a_count_left_old_is_shown_and_counted_again_in_the_background(
    enterprise_user, own, settings, django_capture_on_commit_callbacks
):
    run = services.peer_distributions_refresh()
    # Within two periods nothing is queued.
    with django_capture_on_commit_callbacks() as queued:
        selectors.peer_benchmark_for(enterprise_user, own.pk)
    assert queued == []
    old = run.computed_at - timedelta(seconds=2 * settings.PEER_BENCHMARK_REFRESH_SECONDS + 1)
    PeerRun.objects.filter(pk=run.pk).update(computed_at=old)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        bench = selectors.peer_benchmark_for(enterprise_user, own.pk)
    assert bench.as_of == old  # the old count is shown ...
    assert len(queued) == 1
    assert PeerRun.objects.get().computed_at > old  # ... and a new one was made
    # Queued once per ten minutes, however many views find it old.
    PeerRun.objects.update(computed_at=old)
    with django_capture_on_commit_callbacks() as queued:
        selectors.peer_benchmark_for(enterprise_user, own.pk)
    assert queued == []


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
    services.peer_distributions_refresh()
    cuts = {cut.cut: cut for cut in selectors.peer_benchmark_for(enterprise_user, own.pk).cuts}
    assert cuts["industry"].peers == 10 and cuts["industry"].shown
    # The factory itself is counted in its groups but is not its own peer.
    assert PeerDistribution.objects.get(cut="industry", industry="35", measure="").count == 11
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
        "as_of",
        "cuts",
    }
    run = PeerRun.objects.get()
    assert body["as_of"] is not None
    assert datetime.fromisoformat(body["as_of"]) == run.computed_at


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
    assert "counted hourly" in en and "每小时统计一次" in zh
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
    services.peer_distributions_refresh()
    small = count()
    _peers(latest.version, codes, 30, seed=4, city="320100")
    _peers(latest.version, codes, 10, seed=5, city="330100")
    services.peer_distributions_refresh()
    large = count()
    assert small == large
    # Both sizes were read from their own count, with every peer in it.
    cuts = {cut.cut: cut for cut in selectors.peer_benchmark_for(enterprise_user, own.pk).cuts}
    assert cuts["industry"].peers == 50
