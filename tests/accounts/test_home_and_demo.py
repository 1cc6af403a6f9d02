"""The demo data and the home page every role lands on after signing in."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from assessments.models import Assessment, Evidence, PeerDistribution, PeerRun
from certification.models import (
    Application,
    Certificate,
    ExpertAssignment,
    ExpertConflict,
    Publicity,
    RecommendationList,
)
from demo.management.commands.seed_demo import (
    DEMO_ASSESSMENTS,
    DEMO_CERTIFICATE_ACTIONS,
    DEMO_CITY_ENTERPRISES,
    DEMO_CONFIRMED_FILING,
    DEMO_ENTERPRISES,
    DEMO_NOTES,
    DEMO_PASSWORD,
    DEMO_POOL_REMOVAL,
    DEMO_REASSESSMENT,
    DEMO_REVIEW_STEPS,
    DEMO_USERS,
)
from demo.national_chain import FACTORIES as NATIONAL_FACTORIES
from factories.models import CultivationPoolEntry, Enterprise, Factory
from tests.certification.review_setup import calendar_ahead

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str) -> None:
    """Through the sign-in form (Client.login() passes no request, which django-axes needs)."""
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.fixture
def demo(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    # Late in December the demo's publicity needs next year's calendar: a stand-in then.
    # The tasks queued on commit (the certificates' PDFs) run as they would after the command.
    with calendar_ahead(), django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_seed_demo_is_idempotent(demo):
    counts = (User.objects.count(), Enterprise.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (User.objects.count(), Enterprise.objects.count()) == counts
    demo_users = User.objects.filter(username__in=[username for username, *_ in DEMO_USERS])
    assert (demo_users.count(), counts[1]) == (len(DEMO_USERS), 3 + len(DEMO_CITY_ENTERPRISES))
    # The review chain's pool entries, one the city removed (kept, with its reason) and one
    # for next year.
    assert CultivationPoolEntry.objects.count() == 1 + len(DEMO_REVIEW_STEPS) + 2
    removed = CultivationPoolEntry.objects.get(removed_at__isnull=False)
    assert (removed.factory.name, removed.removal_reason) == DEMO_POOL_REMOVAL
    submitted = Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
    assert sorted(set(submitted.values_list("maturity_level", flat=True))) == [1, 2, 3, 4]
    assert Assessment.objects.filter(status=Assessment.Status.DRAFT).count() == 1
    # Each application of the national chain was made with a fresh assessment of its own.
    national = Application.objects.filter(tier__in=("excellent", "leading"))
    assert Assessment.objects.count() == (
        len(DEMO_ASSESSMENTS) + national.count() + len(DEMO_CITY_ENTERPRISES)
    )
    assert set(national.values_list("assessment__maturity_level", flat=True)) == {4}
    statuses = sorted(Application.objects.values_list("tier", "status"))
    assert statuses == sorted(
        [
            ("advanced", "city_review"),
            *(("advanced", step) for _factory, step in DEMO_REVIEW_STEPS),
            *(
                [("basic", "certified")]
                * (2 + len(DEMO_CERTIFICATE_ACTIONS) + len(DEMO_CITY_ENTERPRISES))
            ),
            ("basic", "returned"),
            ("excellent", "certified"),
            ("excellent", "in_publicity"),
            ("excellent", "ranking"),
            ("leading", "cultivation"),
        ]
    )
    returned = Application.objects.get(tier="basic", status="returned")
    assert list(returned.checks.filter(passed=False).values_list("rule", flat=True)) == [
        "maturity_level"
    ]
    assert Certificate.objects.filter(self_declared=True, status="active").count() == 4
    # The Suzhou bureau's day: two new filings (one contradicting the enterprise record), one
    # confirmed.
    suzhou = Client(HTTP_ACCEPT_LANGUAGE="en")
    suzhou.force_login(User.objects.get(username="city_suzhou"))
    page = suzhou.get("/filings/basic/").content.decode()
    assert 'class="new-filings-count">2<' in page
    assert page.count('data-code="size_declared_not_recorded"') == 1
    assert (
        Certificate.objects.get(factory__name=DEMO_CONFIRMED_FILING).filing_confirmed_at is not None
    )
    assert "pool-entry-removed" in suzhou.get("/pool/").content.decode()
    # A suspended and a revoked certificate, each with the city bureau's reason in its history;
    # every certificate has its PDF.
    for factory, action, reason in DEMO_CERTIFICATE_ACTIONS:
        certificate = Certificate.objects.get(factory__name=factory)
        assert certificate.status == {"suspend": "suspended", "revoke": "revoked"}[action]
        assert certificate.events.filter(reason=reason).exists()
    assert not Certificate.objects.filter(document__isnull=True).exists()
    # The city bureau's list of basic filings: the one filing left standing in Suzhou.
    filings = Publicity.objects.get(tier="basic")
    assert filings.campaign is None and filings.authority.code == "320500-industry-it"
    assert [e.application.factory.name for e in filings.entries.all()] == ["苏州精工虎丘智能工厂"]
    advanced = Certificate.objects.filter(tier="advanced", status="active")
    assert advanced.count() == 1 + len(NATIONAL_FACTORIES)
    assert {(c.self_declared, c.authority.code) for c in advanced} == {(False, "32-industry-it")}
    # The national chain: Jiangsu's ranked list submitted to MIIT in batch 1, the approved
    # application on MIIT's national list in publicity now, batch 2's list being ranked, and
    # the leading factory in cultivation with a milestone reported.
    submitted, ranking = RecommendationList.objects.filter(
        campaign__tier="excellent", province_id="32"
    ).order_by("campaign__batch")
    assert submitted.status == "submitted" and submitted.entries.count() == 2
    assert ranking.status == "draft" and ranking.entries.get().application.status == "ranking"
    national = Publicity.objects.filter(authority__code="miit").order_by("-ends_on").first()
    assert national is not None and national.ends_on >= timezone.localdate()
    assert national.entries.get().application.status == "in_publicity"
    excellent = Certificate.objects.get(tier="excellent")
    assert excellent.status == "active" and excellent.authority.code == "miit"
    leading = Application.objects.get(tier="leading")
    assert leading.factory == excellent.factory and leading.status == "cultivation"
    assert leading.site_visit.reported_at is not None
    milestones = leading.cultivation.milestones.all()
    assert [m.reported_at is not None for m in milestones] == [True, False, False]
    # The advanced application returned by the province resumes at the provincial decision.
    assert Application.objects.get(tier="advanced", status="returned").resume_state == (
        "provincial_decision"
    )
    # The expert who declared a relationship with the applicant is never assigned.
    assert not ExpertAssignment.objects.filter(expert__user__username="expert_zhou").exists()
    assert ExpertConflict.objects.filter(expert__user__username="expert_zhou").count() == 1


def test_every_demo_user_signs_in_and_sees_its_home(demo):
    """Every demo account, one after the other on the same demo data (seeding it per account
    would cost a minute of the suite for nothing more)."""
    for username, role, authority, _display in DEMO_USERS:
        _signs_in_and_sees_its_home(username, role, authority)


def _signs_in_and_sees_its_home(username: str, role, authority: str | None) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/", username
    page = response.content.decode()
    assert str(role.label) in page
    expected_scope = {
        "enterprise_user": "Your own enterprises",
        "city_official": "City: Suzhou",
        "provincial_official": "Province: Jiangsu",
        "joint_reviewer": "National: all provinces"
        if (authority or "").startswith("national-")
        else "Province: Jiangsu",
        "miit_reviewer": "National: all provinces",
        "platform_admin": "National: all provinces",
        "expert": "Only what is assigned to you",
    }[role]
    assert expected_scope in page, username
    assert "Change your password" in page


def test_home_counts_follow_scope(demo):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, "ent_hangzhou")
    context = client.get("/").context
    assert (context["enterprise_count"], context["factory_count"]) == (1, 1)
    sign_in(client, "prov_jiangsu")
    context = client.get("/").context
    jiangsu = [f for *_rest, factories in DEMO_ENTERPRISES for f in factories if f[2][:2] == "32"]
    # Two of DEMO_ENTERPRISES and the city bureau's day's, each with one Suzhou factory.
    city_day = len(DEMO_CITY_ENTERPRISES)
    assert (context["enterprise_count"], context["factory_count"]) == (
        2 + city_day,
        len(jiangsu) + city_day,
    )


def test_wrong_password_is_refused_with_a_message(demo):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"username": "admin", "password": "nope"}
    )
    assert (
        response.status_code == 200 and "correct username and password" in response.content.decode()
    )


def test_password_change(demo):
    client = Client()
    sign_in(client, "ent_suzhou")
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "A-much-longer-pass-2027",
            "new_password2": "A-much-longer-pass-2027",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="ent_suzhou").check_password("A-much-longer-pass-2027")


def test_the_chinese_catalog_is_complete():
    """Every message has a Chinese translation and none is a gettext guess (fuzzy)."""
    import re
    from pathlib import Path

    po = (Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES/django.po").read_text(
        encoding="utf-8"
    )
    entries = po.split("\n\n")[1:]  # the first block is the header
    assert len(entries) > 500
    assert not [e for e in entries if "#, fuzzy" in e]
    # Empty: a msgstr (or its first plural form) of "" with no continuation line after it.
    empty = [e for e in entries if re.search(r'^msgstr(?:\[0\])? ""\n(?!")', e + "\n", re.M)]
    assert not empty, empty[:3]


def test_the_compiled_catalog_matches_the_source():
    """django.mo is compiled from the current django.po (a stale .mo shows English)."""
    import gettext
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES"
    with (folder / "django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    po = (folder / "django.po").read_text(encoding="utf-8")
    single_line_ids = re.findall(
        r'^(?:msgctxt "(.+)"\n)?msgid "(.+)"\nmsgstr "(.+)"$', po, flags=re.M
    )
    assert len(single_line_ids) > 300

    def unescape(value: str) -> str:
        return value.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")

    for context, msgid, msgstr in single_line_ids:
        if context:
            found = compiled.pgettext(unescape(context), unescape(msgid))
        else:
            found = compiled.gettext(unescape(msgid))
        assert found == unescape(msgstr), msgid


def test_the_demo_shows_the_annual_reassessment_deadlines(demo):
    from accounts.models import Notification
    from certification.models import Deadline

    hangzhou = Deadline.objects.get(
        kind=Deadline.Kind.ASSESSMENT_LAPSE, factory__name="杭州智造西湖电子工厂"
    )
    assert hangzhou.step == 2  # the 30- and 7-day reminders' stages are done
    assert Notification.objects.filter(
        recipient__username="ent_hangzhou", key__startswith=f"deadline:{hangzhou.pk}:"
    ).exists()
    overdue = Deadline.objects.get(
        kind=Deadline.Kind.REVIEW_STEP, application__factory__name="苏州精工吴中装配工厂"
    )
    assert overdue.stage == "expert_review" and overdue.step == 1
    assert Notification.objects.filter(
        recipient__username="prov_jiangsu", key__startswith=f"deadline:{overdue.pk}:"
    ).exists()


def test_the_demo_has_panels_to_calibrate_the_experts_on(demo):
    from certification.selectors import expert_calibration_for

    result, experts = expert_calibration_for(User.objects.get(username="prov_jiangsu"))
    assert len(result.experts) >= 3 and set(experts) == {row.expert_id for row in result.experts}
    assert all(row.panels >= 1 for row in result.experts)


def test_the_demo_dashboards_have_figures_to_show(demo):
    from dashboard.selectors import dashboard_for, dashboard_region_for

    national = dashboard_for(dashboard_region_for(User.objects.get(username="miit_reviewer")))
    assert national.total.enterprises.total > 0 and national.total.enterprises.level2 > 0
    assert sum(counts["active"] for counts in national.certificates.values()) > 0
    assert any(step.in_step for step in national.steps)
    assert any(step.median_step_days is not None for step in national.steps)
    assert national.campaigns
    jiangsu = dashboard_for(dashboard_region_for(User.objects.get(username="prov_jiangsu")))
    assert any(row.enterprises.total for _code, _name, row in jiangsu.regions)


def test_the_demo_shows_the_enterprises_day(demo):
    """ent_suzhou: a last assessment with notes and evidence to start from, and a home page
    with each factory's next step and the overdue expert scoring of the Wuzhong application."""
    factory = Factory.objects.get(name=DEMO_REASSESSMENT[0])
    last = Assessment.objects.filter(factory=factory, status="submitted").order_by("-submitted_at")[
        0
    ]
    notes = set(last.answers.exclude(note="").values_list("note", flat=True))
    assert (
        notes == set(DEMO_NOTES) and Evidence.objects.filter(answer__assessment=last).count() == 1
    )

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, "ent_suzhou")
    page = client.get("/assessments/").content.decode()
    assert f'name="copy_from" value="{last.pk}"' in page
    response = client.post("/assessments/", {"factory": factory.pk, "copy_from": last.pk})
    assert response.status_code == 302
    draft = Assessment.objects.get(factory=factory, status="draft")
    assert set(draft.answers.exclude(note="").values_list("note", flat=True)) == notes
    assert Evidence.objects.filter(answer__assessment=draft).count() == 1

    page = client.get("/").content.decode()
    assert (
        page.count('class="card h-100 factory-card"')
        == Factory.objects.filter(enterprise__memberships__user__username="ent_suzhou").count()
    )
    wuzhong = Application.objects.get(factory__name="苏州精工吴中装配工厂", status="expert_review")
    line = page.split(f'data-application="{wuzhong.pk}"')[1].split("</li>")[0]
    assert "The experts" in line and "Due by" in line and "overdue" in line


def test_the_demo_shows_peer_benchmarks(demo):
    """The Huqiu factory has enough peers in its industry and province to show their
    distributions; the Hangzhou factory has none, so its comparison is withheld."""
    huqiu = Factory.objects.get(name=DEMO_REASSESSMENT[0])
    # seed_demo counted the peer distributions: no page view needed to count them.
    run = PeerRun.objects.get()
    assert PeerDistribution.objects.filter(run=run, industry=huqiu.industry_id).exists()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, "ent_suzhou")
    detail = client.get(f"/enterprises/{huqiu.enterprise_id}/").content.decode()
    assert f'href="/factories/{huqiu.pk}/peers/"' in detail
    page = client.get(f"/factories/{huqiu.pk}/peers/").content.decode()
    assert page.count('class="box"') > 10 and "peers-withheld" not in page
    assert "peers-as-of" in page and "counted hourly" in page
    assert list(PeerRun.objects.values_list("pk", flat=True)) == [run.pk]  # read, not recounted

    hangzhou = Factory.objects.get(name="杭州智造西湖电子工厂")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    sign_in(client, "ent_hangzhou")
    page = client.get(f"/factories/{hangzhou.pk}/peers/").content.decode()
    assert page.count("peers-withheld") == 3 and 'class="box"' not in page
