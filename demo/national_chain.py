"""The demo's national chain (excellent and leading), built through the real services and engine
acting as each role: MIIT's excellent campaign with Jiangsu's ranked list submitted to MIIT, the
national publicity list of what MIIT approved, a second batch with a list still being ranked, and
a leading factory in its cultivation period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from assessments.models import Assessment
from certification import services
from certification.models import Application, Campaign, Declaration, Expert, Publicity
from certification.services.reviews import expert_register
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from factories.models import Factory
from regions.models import Authority
from workdays.calendar import CalendarYearMissing

# The national ministries that concur at MIIT's review: (code, Chinese name, English name, kind).
NATIONAL_MINISTRIES = [
    (
        "national-development-reform",
        "国家发展和改革委员会",
        "National Development and Reform Commission",
        Authority.Kind.DEVELOPMENT_REFORM,
    ),
    ("national-finance", "财政部", "Ministry of Finance", Authority.Kind.FINANCE),
    (
        "national-state-assets",
        "国务院国有资产监督管理委员会",
        "State-owned Assets Supervision and Administration Commission",
        Authority.Kind.STATE_ASSETS,
    ),
    (
        "national-market-supervision",
        "国家市场监督管理总局",
        "State Administration for Market Regulation",
        Authority.Kind.MARKET_SUPERVISION,
    ),
    (
        "national-data-administration",
        "国家数据局",
        "National Data Administration",
        Authority.Kind.DATA_ADMINISTRATION,
    ),
]
# (username, role's authority code, display name) of the ministries' reviewers.
MINISTRY_USERS = [
    ("joint_ndrc", "national-development-reform", "国家发改委 许处长"),
    ("joint_mof", "national-finance", "财政部 何处长"),
    ("joint_sasac", "national-state-assets", "国务院国资委 吕处长"),
    ("joint_samr", "national-market-supervision", "市场监管总局 施处长"),
    ("joint_nda", "national-data-administration", "国家数据局 张处长"),
]
# National register: (username, display name, employer, specialities).
NATIONAL_EXPERTS = [
    ("expert_guo", "郭专家", "中国电子技术标准化研究院", "智能制造标准、成熟度评估"),
    ("expert_he", "何专家", "清华大学自动化系", "工业人工智能、数字孪生"),
    ("expert_lin", "林专家", "机械工业仪器仪表综合技术经济研究所", "工业控制系统、工业软件"),
]
# Factories of the demo applicant that take the national chain (each earns its advanced
# certificate first, through the advanced chain).
EXCELLENT_SUBMITTED = "苏州精工园区卓越工厂"  # Jiangsu's list, approved, in national publicity
EXCELLENT_RANKING = "苏州精工新区数字孪生工厂"  # batch 2: on Jiangsu's list being ranked
LEADING = "苏州精工甪直领航工厂"  # excellent certified in batch 1, leading in cultivation
FACTORIES = [
    (EXCELLENT_SUBMITTED, "苏州工业园区星湖街 328 号"),
    (EXCELLENT_RANKING, "苏州高新区科灵路 78 号"),
    (LEADING, "苏州市吴中区甪直镇晓市路 21 号"),
]
SCORES = [
    {"scenario_depth": "91", "ai_application": "86", "indicators": "88", "leading_role": "84"},
    {"scenario_depth": "88", "ai_application": "82", "indicators": "90", "leading_role": "80"},
    {"scenario_depth": "85", "ai_application": "80", "indicators": "86", "leading_role": "83"},
]
ALL_STAGES = {
    "factory_construction": "S01",
    "rnd_design": "S04",
    "production_management": "S09",
    "production_operations": "S21",
    "operational_management": "S31",
}
DEMO_PDF = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


def declare_all_and_submit(actor: User, application: Application) -> Application:
    """Every declaration affirmed with its evidence file, the application submitted and its
    checks run now (the task queued on commit then finds them done)."""
    services.application_declarations_set(
        actor=actor,
        application=application,
        declarations=dict.fromkeys(Declaration.values, True),
    )
    for kind in Declaration.values:
        services.application_file_add(
            actor=actor,
            application=application,
            declaration=kind,
            upload=SimpleUploadedFile(f"{kind}.pdf", DEMO_PDF),
        )
    application = services.application_submit(actor=actor, application=application)
    services.application_run_checks(
        application_id=application.pk, submission=application.submission
    )
    return application


def national_authorities() -> None:
    for code, name_zh, name_en, kind in NATIONAL_MINISTRIES:
        Authority.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "level": Authority.Level.NATIONAL,
                "kind": kind,
            },
        )


class NationalDemo:
    """Seeds the national chain; ``assess(factory, level)`` submits a fresh self-assessment."""

    def __init__(
        self,
        users: dict[str, User],
        assess: Callable[[User, Factory, int], Assessment],
        say: Callable[[str], None],
    ) -> None:
        self.users = users
        self.assess = assess
        self.say = say

    def act(
        self, application: Application, action: str, username: str, reason: str = "", **data: Any
    ) -> None:
        application_transition(
            application=application,
            action=action,
            actor=self.users[username],
            reason=reason,
            data=data,
        )

    def seed(self) -> None:
        if Application.objects.filter(tier__in=("excellent", "leading")).exists():
            return
        for username, _display, employer, specialities in NATIONAL_EXPERTS:
            expert_register(
                user=self.users[username],
                employer_name=employer,
                province_id=None,
                specialities=specialities,
            )
        today = timezone.localdate()
        miit = self.users["miit_reviewer"]
        batch1 = services.campaign_open(
            actor=miit,
            tier="excellent",
            year=today.year,
            opens_on=today - timedelta(days=60),
            closes_on=today + timedelta(days=20),
        )
        leading_campaign = services.campaign_open(
            actor=miit,
            tier="leading",
            year=today.year,
            opens_on=today - timedelta(days=30),
            closes_on=today + timedelta(days=30),
        )
        # Batch 1: the leading factory's excellent application and another, ranked by Jiangsu
        # and submitted to MIIT; the first certified after its publicity, the second approved
        # and on MIIT's national list in publicity now.
        first = self.apply(LEADING, "excellent", batch1)
        second = self.apply(EXCELLENT_SUBMITTED, "excellent", batch1)
        for application in (first, second):
            self.provincial_review(application)
            self.act(application, Action.RANK, "prov_jiangsu")
        ranked = first.recommendation.list  # type: ignore[attr-defined]
        services.recommendation_submit(actor=self.users["prov_jiangsu"], recommendation=ranked)
        for application in (first, second):
            self.miit_review(application)
            self.act(application, Action.APPROVE, "miit_reviewer", "同意认定。")
        if not self.publicize(batch1, first, ended=True):
            return
        self.act(first, Action.CERTIFY, "miit_reviewer")
        self.publicize(batch1, second, ended=False)
        # Batch 2, open now: one application passed the province and is on its list.
        batch2 = services.campaign_open(
            actor=miit,
            tier="excellent",
            year=today.year,
            batch=2,
            opens_on=today - timedelta(days=5),
            closes_on=today + timedelta(days=55),
        )
        # Batch 1's window is over: demo history.
        Campaign.objects.filter(pk=batch1.pk).update(closes_on=today - timedelta(days=25))
        third = self.apply(EXCELLENT_RANKING, "excellent", batch2)
        self.provincial_review(third)
        self.act(third, Action.RANK, "prov_jiangsu")
        # Leading: the factory with the excellent certificate, through MIIT to its site visit
        # (today) and into a twelve-month cultivation period, the first milestone reported.
        leading = self.apply(LEADING, "leading", leading_campaign)
        self.provincial_review(leading)
        self.act(leading, Action.RANK, "prov_jiangsu")
        services.recommendation_submit(
            actor=self.users["prov_jiangsu"],
            recommendation=leading.recommendation.list,  # type: ignore[attr-defined]
        )
        self.miit_review(leading)
        self.act(leading, Action.APPROVE, "miit_reviewer", "进入现场评审。")
        team = [
            Expert.objects.get(user=self.users[name]).pk for name in ("expert_guo", "expert_he")
        ]
        self.act(
            leading, Action.SCHEDULE_SITE_VISIT, "miit_reviewer", scheduled_on=today, team=team
        )
        self.act(
            leading,
            Action.REPORT_SITE_VISIT,
            "miit_reviewer",
            report="现场核查：数字孪生、AI质检与柔性排产已全面应用，数据真实。",
            findings=["全球对标数据需第三方核验", "行业标准输出仍在起草阶段"],
            cultivation_months=12,
            milestones=[
                {"title": "完成全球灯塔工厂对标", "due_on": str(today + timedelta(days=90))},
                {"title": "发布行业团体标准", "due_on": str(today + timedelta(days=240))},
                {"title": "带动上下游企业改造", "due_on": str(today + timedelta(days=330))},
            ],
        )
        self.act(
            leading,
            Action.REPORT_MILESTONE,
            "ent_suzhou",
            milestone=1,
            report="已委托第三方完成与两家灯塔工厂的指标对标，报告见附件。",
        )

    def apply(self, factory_name: str, tier: str, campaign: Campaign) -> Application:
        factory = Factory.objects.get(name=factory_name)
        actor = self.users["ent_suzhou"]
        assessment = self.assess(actor, factory, 4)
        application = services.application_create(
            actor=actor, factory=factory, tier=tier, campaign=campaign, assessment=assessment
        )
        ai = 2 if tier == "excellent" else 4
        services.application_claims_set(
            actor=actor,
            application=application,
            claims=[
                {
                    "scenario": scenario,
                    "description": "已建成并稳定运行，详见证明材料。",
                    "ai_applied": index < ai,
                }
                for index, scenario in enumerate(ALL_STAGES.values())
            ],
        )
        application = declare_all_and_submit(actor, application)
        application.refresh_from_db()
        return application

    def provincial_review(self, application: Application) -> None:
        experts = [
            Expert.objects.get(user=self.users[name]).pk
            for name in ("expert_chen", "expert_li", "expert_wang")
        ]
        self.act(application, Action.ASSIGN_EXPERTS, "prov_jiangsu", experts=experts)
        for name, scores in zip(("expert_chen", "expert_li", "expert_wang"), SCORES, strict=True):
            self.act(application, Action.ACCEPT_ASSIGNMENT, name)
            self.act(application, Action.SCORE, name, scores=scores, comment="达到国内领先水平。")
        self.act(application, Action.SEND_TO_JOINT, "prov_jiangsu")
        for username in (
            "joint_jiangsu",
            "joint_js_finance",
            "joint_js_assets",
            "joint_js_market",
            "joint_js_data",
        ):
            self.act(application, Action.CONCUR, username, "同意。")
        self.act(application, Action.PROVINCE_PASS, "prov_jiangsu", "省级评审通过，进入排序。")

    def miit_review(self, application: Application) -> None:
        experts = [
            Expert.objects.get(user=self.users[name]).pk for name, *_about in NATIONAL_EXPERTS
        ]
        self.act(application, Action.ASSIGN_EXPERTS, "miit_reviewer", experts=experts)
        for (name, *_about), scores in zip(NATIONAL_EXPERTS, SCORES, strict=True):
            self.act(application, Action.ACCEPT_ASSIGNMENT, name)
            self.act(application, Action.SCORE, name, scores=scores, comment="同意推荐。")
        self.act(application, Action.SEND_TO_JOINT, "miit_reviewer")
        for username, _code, _display in MINISTRY_USERS:
            self.act(application, Action.CONCUR, username, "同意。")

    def publicize(self, campaign: Campaign, application: Application, *, ended: bool) -> bool:
        """MIIT's national list for the application; ``ended``: a list whose period is over
        (demo history). False when the calendar cannot count the period (late December)."""
        try:
            publicity = services.publicity_publish(
                actor=self.users["miit_reviewer"],
                campaign=campaign,
                applications=[application],
                title=f"{campaign.year}年度卓越级智能工厂拟认定名单公示",
            )
        except CalendarYearMissing as missing:
            self.say(f"national publicity left out: {missing}")
            return False
        if ended:
            day = timezone.localdate() - timedelta(days=7)
            Publicity.objects.filter(pk=publicity.pk).update(
                starts_on=day - timedelta(days=6), ends_on=day
            )
        return True
