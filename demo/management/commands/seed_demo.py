"""Demo accounts for every role and demo enterprises. Idempotent; for `make run`, not production."""

from __future__ import annotations

import zlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import JoinRequest, Role, User
from accounts.services import join_request_create, user_create
from assessments.models import Assessment
from assessments.selectors import model_spec_for
from assessments.services import (
    add_months,
    assessment_answers_save,
    assessment_start,
    assessment_submit,
    evidence_add,
    peer_distributions_refresh,
)
from certification import services
from certification.models import (
    Application,
    Certificate,
    Deadline,
    Expert,
    ExpertConflict,
    Publicity,
)
from certification.services.deadlines import lapse_deadlines_refresh
from certification.services.reviews import expert_conflict_declare, expert_register
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from demo.national_chain import (
    FACTORIES as NATIONAL_FACTORIES,
)
from demo.national_chain import (
    MINISTRY_USERS,
    NATIONAL_EXPERTS,
    NationalDemo,
    declare_all_and_submit,
    national_authorities,
)
from exports.models import ExportJob
from exports.services import export_job_create, export_job_run
from factories.models import CultivationPoolEntry, Enterprise, Factory, Industry
from factories.services import (
    enterprise_register,
    factory_create,
    pool_entry_add,
    pool_entry_remove,
)
from factories.validators import uscc_check_character
from regions.models import Authority, City
from workdays.calendar import CalendarYearMissing

DEMO_PASSWORD = "demo-pass-2026"
DEMO_PDF = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"  # noqa: S105 - demo only, refused unless DEBUG is on


def demo_uscc(body: str) -> str:
    return body + uscc_check_character(body)


# (username, role, authority code, display name)
DEMO_USERS = [
    ("admin", Role.PLATFORM_ADMIN, None, "平台管理员"),
    ("ent_suzhou", Role.ENTERPRISE_USER, None, "苏州精工 张经理"),
    ("ent_hangzhou", Role.ENTERPRISE_USER, None, "杭州智造 李经理"),
    ("city_suzhou", Role.CITY_OFFICIAL, "320500-industry-it", "苏州市工信局 王科长"),
    ("prov_jiangsu", Role.PROVINCIAL_OFFICIAL, "32-industry-it", "江苏省工信厅 赵处长"),
    ("joint_jiangsu", Role.JOINT_REVIEWER, "32-development-reform", "江苏省发改委 钱处长"),
    ("joint_js_finance", Role.JOINT_REVIEWER, "32-finance", "江苏省财政厅 周处长"),
    ("joint_js_assets", Role.JOINT_REVIEWER, "32-state-assets", "江苏省国资委 吴处长"),
    ("joint_js_market", Role.JOINT_REVIEWER, "32-market-supervision", "江苏省市场监管局 郑处长"),
    ("joint_js_data", Role.JOINT_REVIEWER, "32-data-administration", "江苏省数据局 冯处长"),
    ("expert_chen", Role.EXPERT, None, "陈专家"),
    ("expert_li", Role.EXPERT, None, "李专家"),
    ("expert_wang", Role.EXPERT, None, "王专家"),
    ("expert_zhou", Role.EXPERT, None, "周专家"),
    ("miit_reviewer", Role.MIIT_REVIEWER, "miit", "工信部 孙司长"),
    *((name, Role.JOINT_REVIEWER, code, display) for name, code, display in MINISTRY_USERS),
    *((name, Role.EXPERT, None, display) for name, display, *_about in NATIONAL_EXPERTS),
]

# (owner, body of the credit code, name, city, industry, factories: (name, address, city))
DEMO_ENTERPRISES = [
    (
        "ent_suzhou",
        "91320505MA1XK8Q2P",
        "苏州精工智能装备有限公司",
        "320500",
        "35",
        [
            ("苏州精工虎丘智能工厂", "苏州市虎丘区科技城锦峰路 8 号", "320500"),
            ("苏州精工昆山精密部件工厂", "昆山市开发区前进东路 99 号", "320500"),
            ("苏州精工吴中装配工厂", "苏州市吴中区越溪街道吴中大道 1 号", "320500"),
            ("苏州精工相城电机工厂", "苏州市相城区黄埭镇春兴路 18 号", "320500"),
            ("苏州精工吴江铸造工厂", "苏州市吴江区松陵镇中山北路 7 号", "320500"),
            ("苏州精工常熟电子工厂", "常熟市虞山街道黄河路 36 号", "320500"),
            ("苏州精工太仓装备工厂", "太仓市城厢镇太平北路 52 号", "320500"),
            ("苏州精工张家港包装工厂", "张家港市杨舍镇港城大道 20 号", "320500"),
            ("苏州精工高新钣金工厂", "苏州市高新区浒墅关镇青花路 5 号", "320500"),
            *((name, address, "320500") for name, address in NATIONAL_FACTORIES),
        ],
    ),
    (
        "ent_suzhou",
        "91320105MA1YB3C7D",
        "南京精工数控系统有限公司",
        "320100",
        "34",
        [("南京精工数控工厂", "南京市建邺区江东中路 188 号", "320100")],
    ),
    (
        "ent_hangzhou",
        "91330106MA2CD4E5F",
        "杭州智造电子科技有限公司",
        "330100",
        "39",
        [("杭州智造西湖电子工厂", "杭州市西湖区三墩镇振华路 66 号", "330100")],
    ),
]


# (factory, maturity level to reach, days ago submitted; None = leave as a draft half done)
DEMO_ASSESSMENTS = [
    ("苏州精工虎丘智能工厂", 2, 400),
    ("苏州精工虎丘智能工厂", 3, 30),
    ("苏州精工昆山精密部件工厂", 2, 60),
    ("南京精工数控工厂", 1, 90),
    ("杭州智造西湖电子工厂", 4, 10),
    ("南京精工数控工厂", None, None),
    ("苏州精工张家港包装工厂", 2, 120),
    ("苏州精工高新钣金工厂", 2, 120),
    *(
        (name, 3, 45)
        for name in (
            "苏州精工吴中装配工厂",
            "苏州精工相城电机工厂",
            "苏州精工吴江铸造工厂",
            "苏州精工常熟电子工厂",
            "苏州精工太仓装备工厂",
            *(name for name, _address in NATIONAL_FACTORIES),
        )
    ),
]

# The factory whose last assessment carries notes and an evidence file: "start from my last
# assessment" copies them into the new draft (the Huqiu factory's 30-day-old one).
DEMO_REASSESSMENT = ("苏州精工虎丘智能工厂", 30)
DEMO_NOTES = [
    "智能制造发展规划（2024—2026）已经董事会审议通过，见附件。",
    "设立智能制造推进办公室，由分管副总经理牵头。",
    "年度培训计划覆盖数字化岗位，培训记录在人力资源系统。",
]

# Basic certificates the city bureau then suspends or revokes: (factory, action, reason).
DEMO_CERTIFICATE_ACTIONS = [
    ("苏州精工张家港包装工厂", "suspend", "安全生产事故调查期间暂停认定，待调查结论后处理。"),
    ("苏州精工高新钣金工厂", "revoke", "经核查，申报的自评估材料与现场情况严重不符。"),
]

# Advanced applications through the pool, each left at one step of the review chain.
DEMO_REVIEW_STEPS = [
    ("苏州精工吴中装配工厂", "expert_review"),
    ("苏州精工相城电机工厂", "joint_review"),
    ("苏州精工吴江铸造工厂", "returned"),
    ("苏州精工常熟电子工厂", "in_publicity"),
    ("苏州精工太仓装备工厂", "certified"),
    # Their advanced certificates open the national chain (demo.national_chain).
    *((name, "certified") for name, _address in NATIONAL_FACTORIES),
]
# The city bureau's day (issue 14): two more Suzhou enterprises file basic factories. The small
# one's record says it is not above designated size while its filing declares it is (a
# contradiction the filings list flags); the city confirms the other's filing, and put that
# factory into the pool this year, then took it out again (with the reason).
# (owner, USCC body, name, above designated size, factory, address)
DEMO_CITY_ENTERPRISES = [
    (
        "ent_suzhou",
        "91320506MA1XR7W6T",
        "苏州小微智造科技有限公司",
        False,
        "苏州小微吴中智能工厂",
        "苏州市吴中区木渎镇金枫路 3 号",
    ),
    (
        "ent_suzhou",
        "91320507MA1YP5T4R",
        "苏州恒通机械有限公司",
        True,
        "苏州恒通相城机械工厂",
        "苏州市相城区渭塘镇渭中路 12 号",
    ),
]
DEMO_CONTRADICTED_FILING = "苏州小微吴中智能工厂"
DEMO_CONFIRMED_FILING = "苏州恒通相城机械工厂"
DEMO_POOL_REMOVAL = ("苏州恒通相城机械工厂", "企业调整技改计划，本年度暂不纳入重点培育。")

JOINT_DEPARTMENTS = [
    (
        "32-development-reform",
        "江苏省发展和改革委员会",
        "Jiangsu Development and Reform Commission",
        Authority.Kind.DEVELOPMENT_REFORM,
    ),
    ("32-finance", "江苏省财政厅", "Jiangsu Department of Finance", Authority.Kind.FINANCE),
    (
        "32-state-assets",
        "江苏省人民政府国有资产监督管理委员会",
        "Jiangsu State-owned Assets Supervision and Administration Commission",
        Authority.Kind.STATE_ASSETS,
    ),
    (
        "32-market-supervision",
        "江苏省市场监督管理局",
        "Jiangsu Administration for Market Regulation",
        Authority.Kind.MARKET_SUPERVISION,
    ),
    (
        "32-data-administration",
        "江苏省数据局",
        "Jiangsu Data Bureau",
        Authority.Kind.DATA_ADMINISTRATION,
    ),
]
# (username, employer, specialities); the last one works for the demo applicant: a conflict.
DEMO_EXPERTS = [
    ("expert_chen", "东南大学机械工程学院", "智能制造系统、工业互联网"),
    ("expert_li", "江苏省机械研究设计院", "数字化车间、精益生产"),
    ("expert_wang", "南京航空航天大学", "工业软件、质量管理"),
    ("expert_zhou", "苏州工业园区智能制造促进中心", "设备运维、供应链协同"),
]


DEMO_SCORES = [
    {"scenario_depth": "86", "indicators": "82", "leading_role": "78", "declarations": "95"},
    {"scenario_depth": "80", "indicators": "88", "leading_role": "75", "declarations": "90"},
    {"scenario_depth": "74", "indicators": "79", "leading_role": "70", "declarations": "92"},
]


def _demo_answer(code: str, target: int) -> float:
    """Fully meet levels up to ``target``, partly the next one, and vary the rest a little."""
    level = int(code.split(".")[1])
    if level <= target:
        return 1.0 if zlib.crc32(code.encode()) % 4 else 0.8
    if level == target + 1:
        return 0.8 if zlib.crc32(code.encode()) % 3 == 0 else 0.5
    return 0.5 if zlib.crc32(code.encode()) % 2 else 0.0


class Command(BaseCommand):
    help = "Create demo accounts (one per role) and demo enterprises. Only with DEBUG on."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with a known password: DEBUG only.")
        call_command("load_reference_data", verbosity=0)
        with transaction.atomic():
            self._seed()
        # Peer benchmarks read distributions counted ahead of time: count them for the demo.
        peer_distributions_refresh()
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD}):"))
        for username, role, authority_code, display in DEMO_USERS:
            scope = authority_code or "-"
            self.stdout.write(f"  {username:<14} {role.label:<28} {scope:<24} {display}")

    def _seed_assessments(self, users: dict[str, User]) -> None:
        if Assessment.objects.exists():
            return
        owners = {"杭州智造西湖电子工厂": users["ent_hangzhou"]}
        for factory_name, target, days_ago in DEMO_ASSESSMENTS:
            factory = Factory.objects.get(name=factory_name)
            actor = owners.get(factory_name, users["ent_suzhou"])
            if target is None or days_ago is None:  # a draft, half answered
                assessment = assessment_start(actor=actor, factory=factory)
                spec = model_spec_for(assessment.version, assessment.industry_type)
                codes = [r.code for r in spec.applicable_requirements()]
                answers = [{"requirement": c, "score": 1} for c in codes[: len(codes) // 2]]
                assessment_answers_save(actor=actor, assessment=assessment, answers=answers)
                continue
            documented = (factory_name, days_ago) == DEMO_REASSESSMENT
            self._assessment(actor, factory, target, days_ago, documented=documented)

    @staticmethod
    def _assessment(
        actor: User, factory: Factory, target: int, days_ago: int = 0, *, documented: bool = False
    ) -> Assessment:
        """A submitted self-assessment at ``target`` (submitted ``days_ago``, as demo history);
        ``documented``: with notes on its first requirements and an evidence file."""
        assessment = assessment_start(actor=actor, factory=factory)
        spec = model_spec_for(assessment.version, assessment.industry_type)
        codes = [r.code for r in spec.applicable_requirements()]
        answers = [{"requirement": c, "score": _demo_answer(c, target)} for c in codes]
        if documented:
            for answer, note in zip(answers, DEMO_NOTES, strict=False):
                answer["note"] = note
        assessment_answers_save(actor=actor, assessment=assessment, answers=answers)
        if documented:
            evidence_add(
                actor=actor,
                assessment=assessment,
                requirement_code=codes[0],
                upload=SimpleUploadedFile("智能制造发展规划.pdf", DEMO_PDF),
            )
        assessment = assessment_submit(actor=actor, assessment=assessment)
        if days_ago:
            # Demo history only: move the submission back in time, as if done earlier.
            submitted_at = timezone.now() - timedelta(days=days_ago)
            Assessment.objects.filter(pk=assessment.pk).update(
                submitted_at=submitted_at,
                created_at=submitted_at,
                valid_until=add_months(timezone.localdate(submitted_at), 12),
            )
            assessment.refresh_from_db()
        return assessment

    def _seed_certification(self, users: dict[str, User]) -> None:
        """A self-declared basic factory, a returned application with its failed rule, and an
        advanced application through the cultivation pool in an open campaign batch."""
        if Application.objects.exists():
            return
        suzhou, hangzhou = users["ent_suzhou"], users["ent_hangzhou"]
        today = timezone.localdate()
        services.campaign_open(actor=users["prov_jiangsu"], tier="advanced", year=today.year + 1)
        open_now = services.campaign_open(
            actor=users["prov_jiangsu"],
            tier="advanced",
            year=today.year,
            batch=2,
            opens_on=today - timedelta(days=20),
            closes_on=today + timedelta(days=40),
        )
        services.campaign_open(actor=users["miit_reviewer"], tier="excellent", year=today.year + 1)
        plans = [
            # factory, actor, tier, campaign, claimed stages (AI count)
            ("苏州精工虎丘智能工厂", suzhou, "basic", None, ["production_operations"], 0),
            (
                "杭州智造西湖电子工厂",
                hangzhou,
                "basic",
                None,
                ["production_operations", "rnd_design"],
                1,
            ),
            ("南京精工数控工厂", suzhou, "basic", None, ["production_operations"], 0),
            *(
                (name, suzhou, "basic", None, ["production_operations"], 0)
                for name, _action, _reason in DEMO_CERTIFICATE_ACTIONS
            ),
            (
                "苏州精工昆山精密部件工厂",
                suzhou,
                "advanced",
                open_now,
                ["production_operations", "production_management", "operational_management"],
                1,
            ),
        ]
        scenario_by_stage = {
            "factory_construction": "S01",
            "rnd_design": "S04",
            "production_management": "S09",
            "production_operations": "S21",
            "operational_management": "S31",
        }
        plans += [
            (
                name,
                suzhou,
                "advanced",
                open_now,
                ["production_operations", "production_management", "operational_management"],
                2,
            )
            for name, _step in DEMO_REVIEW_STEPS
        ]
        for factory_name, actor, tier, campaign, stages, ai in plans:
            factory = Factory.objects.get(name=factory_name)
            application = services.application_create(
                actor=actor, factory=factory, tier=tier, campaign=campaign
            )
            services.application_claims_set(
                actor=actor,
                application=application,
                claims=[
                    {
                        "scenario": scenario_by_stage[stage],
                        "description": "已建成并稳定运行，详见证明材料。",
                        "ai_applied": index < ai,
                    }
                    for index, stage in enumerate(stages)
                ],
            )
            services.application_indicators_set(
                actor=actor,
                application=application,
                indicators=[
                    {
                        "name": "生产效率提升",
                        "unit": "%",
                        "baseline_value": "0",
                        "baseline_year": today.year - 2,
                        "current_value": "23.5",
                        "current_year": today.year,
                    },
                    {
                        "name": "产品不良率",
                        "unit": "%",
                        "baseline_value": "2.4",
                        "baseline_year": today.year - 2,
                        "current_value": "0.9",
                        "current_year": today.year,
                    },
                ],
            )
            application = declare_all_and_submit(actor, application)
        for factory_name, step in DEMO_REVIEW_STEPS:
            self._advance(Application.objects.get(factory__name=factory_name), step, users)
        actions = {"suspend": services.certificate_suspend, "revoke": services.certificate_revoke}
        for factory_name, action, reason in DEMO_CERTIFICATE_ACTIONS:
            actions[action](
                actor=users["city_suzhou"],
                certificate=Certificate.objects.get(factory__name=factory_name),
                reason=reason,
            )
        # The city bureau's list of the basic filings it holds (the one still standing).
        try:
            services.publicity_publish_filings(actor=users["city_suzhou"])
        except CalendarYearMissing as missing:  # late in December, before next year is loaded
            self.stdout.write(f"basic filings list left out: {missing}")

    def _seed_experts(self, users: dict[str, User]) -> None:
        """Four experts on Jiangsu's register; one works for the demo applicant's group and has
        declared a relationship with it, so the assignment refuses him."""
        if Expert.objects.exists():
            return
        applicant = Enterprise.objects.get(name="苏州精工智能装备有限公司")
        for username, employer, specialities in DEMO_EXPERTS:
            expert_register(
                user=users[username],
                employer_name=employer,
                province_id="32",
                specialities=specialities,
            )
        expert_conflict_declare(
            actor=users["expert_zhou"],
            enterprise=applicant,
            kind=ExpertConflict.Kind.RELATIONSHIP,
            description="曾为该企业智能工厂项目提供咨询服务（2025 年）。",
        )

    def _advance(self, application: Application, step: str, users: dict[str, User]) -> None:
        """Take an advanced application that passed its checks along the review chain, acting
        as each role in turn, until it stands at ``step``."""

        def act(action: str, username: str, reason: str = "", **data: Any) -> None:
            application_transition(
                application=application,
                action=action,
                actor=users[username],
                reason=reason,
                data=data,
            )

        act(Action.FORWARD, "city_suzhou", "材料齐全，同意推荐。")
        experts = [
            Expert.objects.get(user=users[name]).pk
            for name in ("expert_chen", "expert_li", "expert_wang")
        ]
        act(Action.ASSIGN_EXPERTS, "prov_jiangsu", experts=experts)
        act(Action.ACCEPT_ASSIGNMENT, "expert_chen")
        act(Action.SCORE, "expert_chen", scores=DEMO_SCORES[0], comment="场景建设扎实。")
        act(Action.ACCEPT_ASSIGNMENT, "expert_li")
        if step == "expert_review":
            return
        act(Action.SCORE, "expert_li", scores=DEMO_SCORES[1], comment="指标提升明显。")
        act(Action.ACCEPT_ASSIGNMENT, "expert_wang")
        act(Action.SCORE, "expert_wang", scores=DEMO_SCORES[2], comment="带动作用有待加强。")
        act(Action.SEND_TO_JOINT, "prov_jiangsu")
        act(Action.CONCUR, "joint_jiangsu", "同意。")
        act(Action.CONCUR, "joint_js_finance", "同意。")
        if step == "joint_review":
            return
        for username in ("joint_js_assets", "joint_js_market", "joint_js_data"):
            act(Action.CONCUR, username, "同意。")
        if step == "returned":
            act(Action.RETURN, "prov_jiangsu", "请补充近三年关键指标的第三方核验材料。")
            return
        act(Action.RECOMMEND, "prov_jiangsu", "专家评分及联审通过，推荐公示。")
        if step == "recommended":
            return
        assert application.campaign is not None  # an advanced application has its campaign
        try:
            publicity = services.publicity_publish(
                actor=users["prov_jiangsu"],
                campaign=application.campaign,
                applications=[application],
                title="江苏省2026年度先进级智能工厂拟认定名单公示",
            )
        except CalendarYearMissing as missing:  # late in December, before next year is loaded
            self.stdout.write(f"publicity left out: {missing}")
            return
        entry = publicity.entries.get()
        if step == "in_publicity":
            services.objection_lodge(
                entry=entry,
                name="周明",
                contact="13912345678",
                grounds="据了解，该工厂2024年曾因环保问题被责令整改，请核实是否符合申报条件。",
            )
            return
        # Demo history: this list went up a fortnight ago and its period is over.
        ended = timezone.localdate() - timedelta(days=7)
        Publicity.objects.filter(pk=publicity.pk).update(
            starts_on=ended - timedelta(days=6), ends_on=ended
        )
        act(Action.CERTIFY, "prov_jiangsu")

    def _seed(self) -> None:
        national_authorities()
        for code, name_zh, name_en, kind in JOINT_DEPARTMENTS:
            Authority.objects.get_or_create(
                code=code,
                defaults={
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "level": Authority.Level.PROVINCE,
                    "kind": kind,
                    "province_id": "32",
                },
            )
        users: dict[str, User] = {}
        for username, role, authority_code, display in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                authority = Authority.objects.get(code=authority_code) if authority_code else None
                user = user_create(
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                    authority=authority,
                    first_name=display,
                    email=f"{username}@demo.invalid",
                )
            users[username] = user

        for owner, body, name, city, industry, factories in DEMO_ENTERPRISES:
            uscc = demo_uscc(body)
            if Enterprise.objects.filter(uscc=uscc).exists():
                continue
            (first_name, first_address, first_city), *more = factories
            enterprise = enterprise_register(
                actor=users[owner],
                uscc=uscc,
                name=name,
                city=City.objects.get(code=city),
                industry=Industry.objects.get(code=industry),
                above_designated_size=True,
                factory_name=first_name,
                factory_address=first_address,
                factory_city=City.objects.get(code=first_city),
            )
            for factory_name, address, factory_city in more:
                factory_create(
                    actor=users[owner],
                    enterprise=enterprise,
                    name=factory_name,
                    address=address,
                    city=City.objects.get(code=factory_city),
                    industry=enterprise.industry,
                )

        self._seed_assessments(users)

        pooled_names = ["苏州精工昆山精密部件工厂", *(name for name, _step in DEMO_REVIEW_STEPS)]
        for pooled in Factory.objects.filter(name__in=pooled_names):
            if not CultivationPoolEntry.objects.filter(factory=pooled).exists():
                pool_entry_add(
                    actor=users["city_suzhou"],
                    factory=pooled,
                    year=timezone.localdate().year,
                    reason="重点培育：产线数字化改造成效明显，拟申报先进级。",
                )
        self._seed_experts(users)

        self._seed_certification(users)
        NationalDemo(users, assess=self._assessment, say=self.stdout.write).seed()
        self._seed_join_request(users)
        self._seed_deadlines()
        self._seed_city_day(users)
        self._seed_exports(users)

    def _seed_city_day(self, users: dict[str, User]) -> None:
        """New basic filings for the Suzhou bureau (one contradicting the enterprise record,
        one confirmed) and a pool entry it removed."""
        city, actor = users["city_suzhou"], users["ent_suzhou"]
        today = timezone.localdate()
        for owner, body, name, above_size, factory_name, address in DEMO_CITY_ENTERPRISES:
            if Enterprise.objects.filter(uscc=demo_uscc(body)).exists():
                return  # seeded already
            enterprise_register(
                actor=users[owner],
                uscc=demo_uscc(body),
                name=name,
                city=City.objects.get(code="320500"),
                industry=Industry.objects.get(code="35"),
                above_designated_size=above_size,
                factory_name=factory_name,
                factory_address=address,
                factory_city=City.objects.get(code="320500"),
            )
            factory = Factory.objects.get(name=factory_name)
            self._assessment(users[owner], factory, 2, 20)
            application = services.application_create(
                actor=actor, factory=factory, tier="basic", campaign=None
            )
            services.application_claims_set(
                actor=actor,
                application=application,
                claims=[
                    {
                        "scenario": "S21",
                        "description": "已建成并稳定运行，详见证明材料。",
                        "ai_applied": False,
                    }
                ],
            )
            # The declarations as the enterprise made them: each affirmed, with its evidence.
            application = declare_all_and_submit(actor, application)
        confirmed = Application.objects.get(factory__name=DEMO_CONFIRMED_FILING, tier="basic")
        services.basic_filing_confirm(actor=city, application=confirmed)
        removed_name, removal_reason = DEMO_POOL_REMOVAL
        entry = pool_entry_add(
            actor=city,
            factory=Factory.objects.get(name=removed_name),
            year=today.year,
            reason="拟推动设备联网改造，纳入重点培育。",
        )
        pool_entry_remove(actor=city, entry=entry, reason=removal_reason)
        pool_entry_add(
            actor=city,
            factory=Factory.objects.get(name=DEMO_CONTRADICTED_FILING),
            year=today.year + 1,
            reason="基础级已自主声明，拟培育申报先进级。",
        )

    @staticmethod
    def _seed_deadlines() -> None:
        """Demo history of the deadlines: the Hangzhou factory's self-assessment lapses in six
        days (its 7-day reminder is in the inbox); the Wuzhong application has waited at expert
        scoring for six weeks (its reviewers are told it is overdue)."""
        factory = Factory.objects.get(name="杭州智造西湖电子工厂")
        Assessment.objects.filter(factory=factory).update(
            valid_until=timezone.localdate() + timedelta(days=6)
        )
        lapse_deadlines_refresh([factory.pk])
        services.deadlines_sweep(Deadline.Kind.ASSESSMENT_LAPSE)
        Application.objects.filter(
            factory__name="苏州精工吴中装配工厂", status=Application.Status.EXPERT_REVIEW
        ).update(state_changed_at=timezone.now() - timedelta(days=42))
        services.deadlines_sweep(Deadline.Kind.REVIEW_STEP)

    @staticmethod
    def _seed_exports(users: dict[str, User]) -> None:
        """A finished export for the Suzhou bureau: its certificates as XLSX, in Chinese (see
        My exports; the download link works for EXPORT_LINK_HOURS after seeding)."""
        official = users["city_suzhou"]
        if ExportJob.objects.filter(user=official).exists():
            return
        job = export_job_create(
            actor=official, kind="certificates", format="xlsx", filters={}, language="zh-hans"
        )
        export_job_run(job_id=job.pk)

    def _seed_join_request(self, users: dict[str, User]) -> None:
        """One pending request to join an enterprise, for its administrator (ent_suzhou)."""
        nanjing = Enterprise.objects.get(uscc=demo_uscc("91320105MA1YB3C7D"))
        if not JoinRequest.objects.filter(user=users["ent_hangzhou"], enterprise=nanjing).exists():
            join_request_create(
                actor=users["ent_hangzhou"],
                uscc=nanjing.uscc,
                message="李经理，负责南京精工的数控系统采购与产线对接。",
                site_url="http://127.0.0.1:8000",
            )
