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

from accounts.models import Role, User
from accounts.services import user_create
from assessments.models import Assessment
from assessments.selectors import model_spec_for
from assessments.services import (
    add_months,
    assessment_answers_save,
    assessment_start,
    assessment_submit,
)
from certification import services
from certification.models import Application, Declaration
from factories.models import CultivationPoolEntry, Enterprise, Factory, Industry
from factories.services import cultivation_pool_add, enterprise_register, factory_create
from factories.validators import uscc_check_character
from regions.models import Authority, City

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
    ("expert_chen", Role.EXPERT, None, "陈专家"),
    ("miit_reviewer", Role.MIIT_REVIEWER, "miit", "工信部 孙司长"),
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
            assessment = assessment_start(actor=actor, factory=factory)
            spec = model_spec_for(assessment.version, assessment.industry_type)
            codes = [r.code for r in spec.applicable_requirements()]
            if target is None or days_ago is None:  # a draft, half answered
                answers = [{"requirement": c, "score": 1} for c in codes[: len(codes) // 2]]
                assessment_answers_save(actor=actor, assessment=assessment, answers=answers)
                continue
            answers = [{"requirement": c, "score": _demo_answer(c, target)} for c in codes]
            assessment_answers_save(actor=actor, assessment=assessment, answers=answers)
            assessment = assessment_submit(actor=actor, assessment=assessment)
            # Demo history only: move the submission back in time, as if done earlier.
            submitted_at = timezone.now() - timedelta(days=days_ago)
            Assessment.objects.filter(pk=assessment.pk).update(
                submitted_at=submitted_at,
                created_at=submitted_at,
                valid_until=add_months(timezone.localdate(submitted_at), 12),
            )

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
            # Run the checks now (the task queued on commit then finds them done).
            services.application_run_checks(
                application_id=application.pk, submission=application.submission
            )

    def _seed(self) -> None:
        Authority.objects.get_or_create(
            code="32-development-reform",
            defaults={
                "name_zh": "江苏省发展和改革委员会",
                "name_en": "Jiangsu Development and Reform Commission",
                "level": Authority.Level.PROVINCE,
                "kind": Authority.Kind.DEVELOPMENT_REFORM,
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

        pooled = Factory.objects.filter(name="苏州精工昆山精密部件工厂").first()
        if pooled and not CultivationPoolEntry.objects.filter(factory=pooled).exists():
            cultivation_pool_add(
                actor=users["city_suzhou"],
                factory=pooled,
                year=timezone.localdate().year,
                reason="重点培育：精密部件产线数字化改造成效明显，拟申报先进级。",
            )

        self._seed_certification(users)
