"""A role x endpoint access matrix over the demo data: no object leaks across jurisdictions.

The demo data (``seed_demo``) is seeded once for the module, with a few rows and users it lacks
(a second Suzhou enterprise with its own member, assessments and evidence; a Suzhou enterprise's
factory in Hangzhou; Nanjing, Hangzhou and Zhejiang officials; an official without an
authority). Then every user, and an anonymous client, asks for every GET endpoint that shows
one object, for every object of each kind (up to ``PER_KIND``), and walks every list endpoint.

The expected answer comes from the scoped selectors, the definition of scope (ADR 0002), never
from the views: a detail answers 200 (or the view's documented 302/403 for a visible object the
user may not act on) iff the selector the view starts from holds the object, else 404. A list
returns exactly the selector's rows. An answer of 200 where the selector says 404 is a *leak*;
any 5xx is counted apart; any other difference is *unexpected*. The figures are printed (run
with ``-s``) and the test fails listing every offending (user, url, status).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from rest_framework.test import APIClient

from accounts.models import Role, User
from assessments import selectors as assessment_selectors
from assessments.models import Assessment, Evidence
from assessments.services import (
    assessment_answers_save,
    assessment_start,
    assessment_submit,
    evidence_add,
)
from certification import selectors as cert_selectors
from certification import services
from certification.models import Application, ApplicationFile, Certificate
from certification.workflow.policies import Policy, policy_check
from demo.management.commands.seed_demo import DEMO_PDF
from factories import selectors as factory_selectors
from factories.models import Enterprise, Factory, Membership
from factories.services import enterprise_register, factory_create
from regions.models import City
from tests import model_factories as mf

pytestmark = pytest.mark.django_db

PER_KIND = 8
PAGE_SIZE = 3  # small pages, so that every list is walked over several pages
ANONYMOUS = "(anonymous)"
# The demo users of every role, and the users added below for other jurisdictions.
DEMO_ROLE_USERS = [
    "admin",
    "ent_suzhou",
    "ent_hangzhou",
    "city_suzhou",
    "prov_jiangsu",
    "joint_jiangsu",
    "expert_chen",
    "expert_wang",
    "expert_zhou",
    "miit_reviewer",
]
ADDED_USERS = ["ent_other_suzhou", "city_nanjing", "city_hangzhou", "prov_zhejiang", "orphan"]
LOGIN = "/accounts/login/"


# --- the data -----------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    enterprises: list[Enterprise]
    factories: list[Factory]
    assessments: list[Assessment]
    applications: list[Application]
    certificates: list[Certificate]
    evidence: list[Evidence]
    files: list[ApplicationFile]


def _sample(rows: list[Any], must: list[Any]) -> list[Any]:
    """Up to PER_KIND rows, always including ``must``."""
    chosen = list(dict.fromkeys([*must, *rows]))
    return sorted(chosen[: max(PER_KIND, len(must))], key=lambda row: row.pk)


def _add_rows(users: dict[str, User]) -> None:
    """What the demo lacks: another enterprise of Suzhou (an assessment of another enterprise in
    the same city, a draft, evidence files), a factory of a Suzhou enterprise in Hangzhou (an
    enterprise "away" from home), officials of other cities and of Zhejiang, and an official
    without an authority."""
    other = mf.UserFactory(username="ent_other_suzhou", role=Role.ENTERPRISE_USER)
    suzhou, hangzhou = City.objects.get(code="320500"), City.objects.get(code="330100")
    enterprise = enterprise_register(
        actor=other,
        uscc=mf.make_uscc("320505"),
        name="苏州另一家智能制造有限公司",
        city=suzhou,
        industry=Enterprise.objects.get(name="苏州精工智能装备有限公司").industry,
        above_designated_size=True,
        factory_name="苏州另一家园区工厂",
        factory_address="苏州市工业园区星湖街 1 号",
        factory_city=suzhou,
    )
    away = factory_create(
        actor=other,
        enterprise=enterprise,
        name="苏州另一家杭州分厂",
        address="杭州市滨江区江南大道 2 号",
        city=hangzhou,
        industry=enterprise.industry,
    )
    for factory in (Factory.objects.get(name="苏州另一家园区工厂"), away):
        submitted = assessment_start(actor=other, factory=factory)
        spec = assessment_selectors.model_spec_for(submitted.version, submitted.industry_type)
        codes = [r.code for r in spec.applicable_requirements()]
        assessment_answers_save(
            actor=other,
            assessment=submitted,
            answers=[{"requirement": code, "score": 1} for code in codes],
        )
        evidence_add(
            actor=other,
            assessment=submitted,
            requirement_code=codes[0],
            upload=SimpleUploadedFile("evidence.pdf", DEMO_PDF),
        )
        assessment_submit(actor=other, assessment=submitted)
    draft = assessment_start(actor=other, factory=away)
    evidence_add(
        actor=other,
        assessment=draft,
        requirement_code=codes[0],
        upload=SimpleUploadedFile("draft-evidence.pdf", DEMO_PDF),
    )
    # A draft application: the enterprise's own until submitted (officials do not see it).
    services.application_create(actor=other, factory=away, tier="basic", campaign=None)
    users["ent_other_suzhou"] = other
    users["city_nanjing"] = mf.official(
        Role.CITY_OFFICIAL, "320100-industry-it", username="city_nanjing"
    )
    users["city_hangzhou"] = mf.official(
        Role.CITY_OFFICIAL, "330100-industry-it", username="city_hangzhou"
    )
    users["prov_zhejiang"] = mf.official(
        Role.PROVINCIAL_OFFICIAL, "33-industry-it", username="prov_zhejiang"
    )
    users["orphan"] = mf.UserFactory(username="orphan", role=Role.CITY_OFFICIAL, authority=None)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """The demo data and the added rows, once for the module, rolled back after it."""
    media = tmp_path_factory.mktemp("scope-matrix-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=fast),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(DEBUG=True):  # seed_demo runs only with DEBUG on
                call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
            users = {u.username: u for u in User.objects.filter(username__in=DEMO_ROLE_USERS)}
            assert set(users) == set(DEMO_ROLE_USERS), "the demo's users changed"
            _add_rows(users)
            yield _world(users)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _world(users: dict[str, User]) -> World:
    assessments = list(Assessment.objects.order_by("pk"))
    applications = list(Application.objects.order_by("pk"))
    must_assessments = [
        *[a for a in assessments if a.status == Assessment.Status.DRAFT],
        *[a for a in assessments if a.factory.enterprise.name.startswith("苏州另一家")],
        *[a for a in assessments if a.province_id == "33"],
    ]
    must_applications = [
        # every state of the demo: one of each status, and both provinces
        *{a.status: a for a in applications}.values(),
        *[a for a in applications if a.province_id == "33"],
    ]
    one_file_each = {}
    for item in ApplicationFile.objects.order_by("pk"):
        one_file_each.setdefault(item.application_id, item)
    return World(
        users=users,
        enterprises=_sample(list(Enterprise.objects.order_by("pk")), []),
        factories=_sample(
            list(Factory.objects.order_by("pk")),
            [
                *{f.city_id: f for f in Factory.objects.order_by("-pk")}.values(),
                *Factory.objects.filter(away=True),
            ],
        ),
        assessments=_sample(assessments, must_assessments),
        applications=_sample(applications, must_applications),
        certificates=_sample(list(Certificate.objects.order_by("pk")), []),
        evidence=_sample(list(Evidence.objects.order_by("pk")), []),
        files=_sample(list(one_file_each.values()), []),
    )


# --- the tally ----------------------------------------------------------------------------------


@dataclass
class Tally:
    requests: int = 0
    leaks: list[tuple[str, str, int]] = field(default_factory=list)
    server_errors: list[tuple[str, str, int]] = field(default_factory=list)
    unexpected: list[tuple[str, str, int, str]] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    def check(self, who: str, url: str, status: int, expected: int | set[int]) -> None:
        expected_set = {expected} if isinstance(expected, int) else expected
        self.statuses[status] += 1
        if 500 <= status < 600:
            self.server_errors.append((who, url, status))
        elif status == 200 and 200 not in expected_set:
            self.leaks.append((who, url, status))
        elif status not in expected_set:
            self.unexpected.append((who, url, status, f"expected {sorted(expected_set)}"))

    def report(self, title: str) -> str:
        lines = [
            f"{title}: requests={self.requests} leaks={len(self.leaks)} "
            f"5xx={len(self.server_errors)} unexpected={len(self.unexpected)} "
            f"statuses={dict(sorted(self.statuses.items()))}"
        ]
        lines += [f"  LEAK {row}" for row in self.leaks[:50]]
        lines += [f"  5XX {row}" for row in self.server_errors[:50]]
        lines += [f"  UNEXPECTED {row}" for row in self.unexpected[:50]]
        return "\n".join(lines)


@pytest.fixture(scope="module")
def totals() -> Iterator[list[tuple[str, Tally, float]]]:
    rows: list[tuple[str, Tally, float]] = []
    yield rows
    print("\n=== scope matrix figures ===")
    for title, tally, seconds in rows:
        print(f"{tally.report(title).splitlines()[0]} ({seconds:.1f} s)")
    print(
        f"TOTAL requests={sum(t.requests for _, t, _ in rows)} "
        f"leaks={sum(len(t.leaks) for _, t, _ in rows)} "
        f"5xx={sum(len(t.server_errors) for _, t, _ in rows)} "
        f"unexpected={sum(len(t.unexpected) for _, t, _ in rows)}"
    )


@pytest.fixture(autouse=True)
def _unthrottled(settings) -> None:
    """The matrix sends thousands of requests, the anonymous ones from one address; the
    throttles (counted in the shared Redis) are not under test here."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "anon": "100000/minute", "user": "100000/minute"},
    }


def _assert_clean(tally: Tally, title: str) -> None:
    assert not tally.leaks and not tally.server_errors and not tally.unexpected, tally.report(title)


# --- the clients and the expected sets -----------------------------------------------------------


@dataclass
class Viewer:
    name: str
    user: User | None
    api: APIClient
    html: Client
    enterprises: set[int]
    factories: set[int]
    assessments: set[int]
    applications: set[int]  # application_list_for(user): the details and the list
    invited: set[int]  # application_list_for(user, invitations=True): links may name them
    certificates: set[int]
    worklist: set[int]
    members_of: set[int]  # enterprises the user may manage


def _ids(qs: Any) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def _viewers(world: World) -> list[Viewer]:
    viewers = []
    for name, user in [*world.users.items(), (ANONYMOUS, None)]:
        api = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
        html = Client(raise_request_exception=False)
        if user is not None:
            api.force_authenticate(user)
            html.force_login(user)
        viewers.append(
            Viewer(
                name=name,
                user=user,
                api=api,
                html=html,
                enterprises=_ids(factory_selectors.enterprise_list_for(user)),
                factories=_ids(factory_selectors.factory_list_for(user)),
                assessments=_ids(assessment_selectors.assessment_list_for(user)),
                applications=_ids(cert_selectors.application_list_for(user)),
                invited=_ids(cert_selectors.application_list_for(user, invitations=True)),
                certificates=_ids(cert_selectors.certificate_list_for(user)),
                worklist=_ids(cert_selectors.worklist_for(user)) if user else set(),
                members_of=(
                    set(Membership.objects.filter(user=user).values_list("enterprise", flat=True))
                    if user
                    else set()
                ),
            )
        )
    return viewers


def test_the_world_spans_jurisdictions_and_states(world):
    """The matrix is only as good as its data: two provinces, three cities, every state."""
    assert {e.province_id for e in world.enterprises} >= {"32", "33"}
    assert {f.city_id for f in world.factories} >= {"320500", "320100", "330100"}
    assert any(f.away for f in world.factories)
    statuses = {a.status for a in world.assessments}
    assert statuses == {Assessment.Status.DRAFT, Assessment.Status.SUBMITTED}
    suzhou_owners = {
        a.factory.enterprise_id for a in world.assessments if a.factory.city_id == "320500"
    }
    assert len(suzhou_owners) >= 2  # assessments of two enterprises of one city
    app_statuses = {a.status for a in world.applications}
    assert {"draft", "certified", "expert_review", "joint_review", "returned"} <= app_statuses
    assert {a.province_id for a in world.applications} >= {"32", "33"}
    assert world.certificates and world.evidence and world.files


def test_the_selectors_keep_to_jurisdictions(world):
    """An oracle independent of the selectors, so that a broken selector (which the views
    would follow, and the matrix below with them) fails here: each user's sets, checked
    against the rows' own region, the user's memberships or assignments."""
    from certification.models import ExpertAssignment

    wrong = []
    for v in _viewers(world):
        user = v.user
        every = {
            "factories": (Factory, v.factories),
            "assessments": (Assessment, v.assessments),
            "applications": (Application, v.applications),
            "certificates": (Certificate, v.certificates),
        }
        for kind, (model, ids) in every.items():
            rows = model.objects.filter(pk__in=ids)
            if (
                user is None
                or user.role in (Role.EXPERT,)
                or (user.role != Role.ENTERPRISE_USER and user.scope_level == "assignments")
            ):
                if kind == "applications" and user is not None and user.role == Role.EXPERT:
                    mine = ExpertAssignment.objects.filter(expert__user=user)
                    bad = rows.exclude(pk__in=mine.values("application"))
                else:
                    bad = rows
            elif user.role == Role.ENTERPRISE_USER:
                field = "enterprise" if model is Factory else "factory__enterprise"
                bad = rows.exclude(**{f"{field}__in": v.members_of})
            elif user.scope_level == "city":
                bad = rows.exclude(city_id=user.authority.city_id)
            elif user.scope_level == "province":
                bad = rows.exclude(province_id=user.authority.province_id)
            else:  # national: everything (submitted, for officials' assessments)
                bad = model.objects.none()
                if kind == "factories" and len(ids) != Factory.objects.count():
                    wrong.append((v.name, kind, "not every factory"))
            wrong += [(v.name, kind, pk) for pk in bad.values_list("pk", flat=True)]
    assert not wrong, wrong


# --- details ------------------------------------------------------------------------------------


def _get(client: Client, url: str) -> int:
    response = client.get(url)
    status = response.status_code
    if status == 302 and response["Location"].startswith(LOGIN):
        status = 3020  # to the sign-in page: told apart from the views' own redirects
    if getattr(response, "streaming", False):
        # Read to the end: the test client then closes it without closing the database
        # connection (response.close() would, and the module's data lives in a transaction).
        b"".join(response.streaming_content)
    return status


def _html(visible: bool, ok: int = 200) -> int:
    return ok if visible else 404


def test_every_detail_answers_as_its_selector_says(world, totals):
    started = time.monotonic()
    tally = Tally()
    viewers = _viewers(world)

    def probe(v: Viewer, client: Client, url: str, expected: int | set[int]) -> None:
        if v.user is None:  # the API refuses (401); pages send to the sign-in page
            expected = 401 if url.startswith("/api/") else 3020
        tally.requests += 1
        tally.check(v.name, url, _get(client, url), expected)

    for v in viewers:
        member: Callable[[int], bool] = v.members_of.__contains__
        for e in world.enterprises:
            seen = e.pk in v.enterprises
            probe(v, v.api, f"/api/v1/enterprises/{e.pk}/", _html(seen))
            probe(v, v.html, f"/enterprises/{e.pk}/", _html(seen))
            manage = 200 if member(e.pk) else 302
            probe(v, v.html, f"/enterprises/{e.pk}/edit/", _html(seen, manage))
            probe(v, v.html, f"/enterprises/{e.pk}/factories/new/", _html(seen, manage))
        for f in world.factories:
            seen = f.pk in v.factories
            probe(v, v.api, f"/api/v1/factories/{f.pk}/", _html(seen))
            probe(v, v.api, f"/api/v1/factories/{f.pk}/eligibility/?tier=advanced", _html(seen))
            probe(v, v.html, f"/factories/{f.pk}/path/", _html(seen))
            probe(v, v.html, f"/factories/{f.pk}/peers/", _html(seen))
            probe(v, v.api, f"/api/v1/factories/{f.pk}/peers/", _html(seen))
            manage = 200 if member(f.enterprise_id) else 302
            probe(v, v.html, f"/factories/{f.pk}/edit/", _html(seen, manage))
            # The factory's assessments: a list, whose rows must be the scope's too.
            url = f"/api/v1/factories/{f.pk}/assessments/"
            if not seen or v.user is None:
                probe(v, v.api, url, 404)
            else:
                expected = {a for a in v.assessments if _factory_of_assessment(a) == f.pk}
                _walk(tally, v, url, expected)
        for a in world.assessments:
            seen = a.pk in v.assessments
            probe(v, v.api, f"/api/v1/assessments/{a.pk}/", _html(seen))
            probe(v, v.api, f"/api/v1/assessments/{a.pk}/report/", _html(seen))
            editable = a.status == Assessment.Status.DRAFT and member(a.factory.enterprise_id)
            # The editor's entry sends on (to a sub-domain, or to the report once submitted).
            probe(v, v.html, f"/assessments/{a.pk}/", _html(seen, 302))
            part = f"/assessments/{a.pk}/parts/organizational_strategy/"
            probe(v, v.html, part, _html(seen, 200 if editable else 302))
            probe(v, v.html, f"/assessments/{a.pk}/confirm/", _html(seen, 200 if editable else 302))
            probe(v, v.html, f"/assessments/{a.pk}/report/", _html(seen))
            probe(v, v.html, f"/assessments/{a.pk}/report/print/", _html(seen))
        for ev in world.evidence:
            seen = ev.answer.assessment_id in v.assessments
            probe(v, v.html, f"/assessments/evidence/{ev.pk}/", _html(seen))
        for app in world.applications:
            seen = app.pk in v.applications
            probe(v, v.api, f"/api/v1/applications/{app.pk}/", _html(seen))
            department = bool(policy_check(Policy.PROVINCIAL_DEPARTMENT, v.user, app))
            probe(
                v,
                v.api,
                f"/api/v1/applications/{app.pk}/experts/",
                _html(seen, 200 if department else 403),
            )
            probe(v, v.html, f"/applications/{app.pk}/", _html(seen))
            checking = app.status == Application.Status.SUBMITTED
            probe(
                v, v.html, f"/applications/{app.pk}/status/", _html(seen, 200 if checking else 302)
            )
            editable = app.is_editable and member(app.factory.enterprise_id)
            probe(
                v,
                v.html,
                f"/applications/{app.pk}/step/basics/",
                _html(seen, 200 if editable else 302),
            )
        for item in world.files:
            seen = item.application_id in v.applications
            probe(v, v.html, f"/applications/files/{item.pk}/", _html(seen))
        for c in world.certificates:
            probe(v, v.api, f"/api/v1/certificates/{c.pk}/", _html(c.pk in v.certificates))

    seconds = time.monotonic() - started
    totals.append(("details", tally, seconds))
    print("\n" + tally.report(f"details ({len(viewers)} viewers, {seconds:.1f} s)"))
    _assert_clean(tally, "details")


_ASSESSMENT_FACTORY: dict[int, int] = {}


def _factory_of_assessment(pk: int) -> int:
    if not _ASSESSMENT_FACTORY:
        _ASSESSMENT_FACTORY.update(Assessment.objects.values_list("pk", "factory_id"))
    return _ASSESSMENT_FACTORY[pk]


# --- lists --------------------------------------------------------------------------------------


def _walk(tally: Tally, v: Viewer, url: str, expected: set[int]) -> None:
    """Every page of an API list: the ids must be the selector's, each once."""
    seen: list[int] = []
    sep = "&" if "?" in url else "?"
    next_url: str | None = f"{url}{sep}page_size={PAGE_SIZE}"
    pages = 0
    while next_url and pages < 200:
        pages += 1
        response = v.api.get(next_url)
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        if response.status_code != 200:
            if response.status_code >= 500:
                tally.server_errors.append((v.name, next_url, response.status_code))
            else:
                tally.unexpected.append((v.name, next_url, response.status_code, "expected 200"))
            return
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        next_url = body["next"]
    extra, missing = set(seen) - expected, expected - set(seen)
    if extra:
        tally.leaks.append((v.name, f"{url} rows {sorted(extra)}", 200))
    if missing or len(seen) != len(set(seen)):
        doubled = sorted(k for k, n in Counter(seen).items() if n > 1)
        note = f"missing {sorted(missing)} doubled {doubled}"
        tally.unexpected.append((v.name, url, 200, note))


# The pages' links to objects of each kind: (kind, pattern)
LINKS = {
    "enterprises": re.compile(r'href="/enterprises/(\d+)/'),
    "factories": re.compile(r'href="/factories/(\d+)/'),
    "assessments": re.compile(r'href="/assessments/(\d+)/'),
    "applications": re.compile(r'href="/applications/(\d+)/'),
}


def test_every_list_holds_exactly_the_selectors_rows(world, totals):
    started = time.monotonic()
    tally = Tally()
    viewers = _viewers(world)
    for v in viewers:
        lists = {
            "/api/v1/enterprises/": v.enterprises,
            "/api/v1/factories/": v.factories,
            "/api/v1/assessments/": v.assessments,
            "/api/v1/applications/": v.applications,
            "/api/v1/applications/?waiting_for=me": v.worklist,
            "/api/v1/certificates/": v.certificates,
        }
        for url, expected in lists.items():
            if v.user is None:
                tally.requests += 1
                tally.check(v.name, url, _get(v.api, url), 401)
            else:
                _walk(tally, v, url, expected)
        # The pages' lists: every object they link to must be one the user may see (invited
        # experts may see that they are invited). Pages without a list for a role answer
        # 200 or send elsewhere; none may fail.
        allowed = {
            "enterprises": v.enterprises,
            "factories": v.factories,
            "assessments": v.assessments,
            "applications": v.invited | v.applications,
        }
        for url in ("/enterprises/", "/assessments/", "/applications/", "/worklist/", "/"):
            response = v.html.get(url)
            tally.requests += 1
            status = response.status_code
            tally.statuses[status] += 1
            if v.user is None:
                if url != "/" and not (status == 302 and response["Location"].startswith(LOGIN)):
                    tally.unexpected.append((v.name, url, status, "expected the sign-in page"))
                continue
            if status >= 500:
                tally.server_errors.append((v.name, url, status))
                continue
            if status not in (200, 302, 403):
                tally.unexpected.append((v.name, url, status, "expected 200, 302 or 403"))
            if status != 200:
                continue
            text = response.content.decode()
            for kind, pattern in LINKS.items():
                linked = {int(pk) for pk in pattern.findall(text)}
                if linked - allowed[kind]:
                    tally.leaks.append(
                        (v.name, f"{url} links {kind} {sorted(linked - allowed[kind])}", 200)
                    )

    seconds = time.monotonic() - started
    totals.append(("lists", tally, seconds))
    print("\n" + tally.report(f"lists ({len(viewers)} viewers, {seconds:.1f} s)"))
    _assert_clean(tally, "lists")


def test_the_matrix_can_see_a_leak(world):
    """The check itself: a 200 where the selector says 404 counts as a leak, a 500 as a 5xx."""
    tally = Tally()
    tally.check("someone", "/x/", 200, 404)
    tally.check("someone", "/y/", 500, 200)
    tally.check("someone", "/z/", 403, 404)
    assert len(tally.leaks) == len(tally.server_errors) == len(tally.unexpected) == 1
