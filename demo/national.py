"""National-scale data (DESIGN 3.4) for benchmarks and capacity tests.

At scale 1.0: 100,000 enterprises with one user each, 120,000 factories, one submitted
self-assessment per factory with complete answers (about 190 each, scored by the project's own
scoring function), 35,000 basic / 8,200 advanced / 500 excellent / 15 leading certificates with
their certified applications, and 10,000 advanced applications in flight across the review steps
of the current campaigns. Everything is proportional to ``scale``.

Distributions: provinces weighted by industrial size, cities by province (the capital heavier),
industries by the weight of their divisions, maturity levels 1-5 at 12/45/30/11/2 %. Certified
factories are taken from the highest levels, each tier's factories from the tier below's, so the
data satisfies the tier rules. All writes are bulk inserts (answers through PostgreSQL COPY when
available); certificate number sequences are set to the numbers issued.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from assessments import scoring
from assessments.models import Answer, Assessment, ModelVersion
from assessments.selectors import model_spec_for
from assessments.services import add_months
from certification import selectors as certification_selectors
from certification.models import (
    Application,
    Campaign,
    Certificate,
    CertificateSequence,
    Tier,
    TierCondition,
)
from certification.services.deadlines import lapse_deadlines_refresh
from factories.models import Enterprise, Factory, Industry, Membership
from factories.services import enterprise_presence_refresh
from factories.validators import uscc_check_character
from regions.models import Authority, City

# Marks the generated organisation codes ("GN" + serial): nothing else uses it.
ORG_PREFIX = "GN"
BATCH = 5_000

AT_SCALE_ONE = {
    "enterprises": 100_000,
    "factories": 120_000,
    "basic": 35_000,
    "advanced": 8_200,
    "excellent": 500,
    "leading": 15,
    "in_flight": 10_000,
}
LEVEL_SHARES = {1: 0.12, 2: 0.45, 3: 0.30, 4: 0.11, 5: 0.02}
# Relative industrial weight of the provinces (roughly their share of industrial value added).
PROVINCE_WEIGHTS = {
    "44": 14, "32": 14, "33": 9, "37": 9, "41": 5, "42": 5, "51": 5, "35": 5, "34": 4, "43": 4,
    "13": 4, "31": 4, "36": 3, "50": 3, "61": 3, "11": 3, "21": 3, "12": 2, "45": 2, "53": 2,
    "14": 2, "15": 2, "52": 2, "22": 1, "23": 1, "62": 1, "65": 1, "64": 1, "63": 1, "46": 1,
    "54": 1, "66": 1,
}  # fmt: skip
HEAVY_INDUSTRIES = {"39": 6, "38": 5, "34": 4, "35": 4, "36": 4, "26": 4, "33": 3, "30": 3}
IN_FLIGHT_STEPS = {
    "submitted": 0.10,
    "city_review": 0.30,
    "provincial_review": 0.15,
    "expert_review": 0.20,
    "joint_review": 0.10,
    "provincial_decision": 0.08,
    "recommended": 0.04,
    "returned": 0.03,
}


def scaled(scale: float) -> dict[str, int]:
    """The counts at ``scale`` (every non-zero count at least 1)."""
    return {key: max(1, round(value * scale)) for key, value in AT_SCALE_ONE.items()}


def uscc(region: str, serial: int) -> str:
    body = f"91{region}{ORG_PREFIX}{serial:07d}"
    return body + uscc_check_character(body)


def already_generated() -> bool:
    return Enterprise.objects.filter(uscc__regex=rf"^91\d{{6}}{ORG_PREFIX}").exists()


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bulk(model: Any, rows: Sequence[Any]) -> list[Any]:
    created = []
    for chunk in _chunks(rows):
        created.extend(model.objects.bulk_create(chunk))
    return created


def answer_for(code: str, level: int, target: int, rng: random.Random) -> Decimal:
    """A plausible answer for a factory aiming at ``target``: met below it, partly above."""
    if level <= target:
        return Decimal("1") if rng.random() < 0.8 else Decimal("0.8")
    if level == target + 1:
        return Decimal("0.5") if rng.random() < 0.7 else Decimal("0.8")
    return Decimal("0") if rng.random() < 0.6 else Decimal("0.5")


class NationalData:
    """One generation run. ``report`` receives a line per finished part."""

    def __init__(self, *, scale: float, seed: int, report: Callable[[str], None]) -> None:
        self.scale = scale
        self.counts = scaled(scale)
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.report = report
        self.now = timezone.now()
        self.today = timezone.localdate()

    # --- reference ------------------------------------------------------------------------

    def _cities(self) -> tuple[list[City], list[float]]:
        cities = list(City.objects.select_related("province").order_by("code"))
        capitals = {
            province: min(c.code for c in cities if c.province_id == province)
            for province in {c.province_id for c in cities}
        }
        per_province: dict[str, int] = {}
        for city in cities:
            per_province[city.province_id] = per_province.get(city.province_id, 0) + 1
        weights = []
        for city in cities:
            share = PROVINCE_WEIGHTS.get(city.province_id, 1) / per_province[city.province_id]
            weights.append(share * (3 if capitals[city.province_id] == city.code else 1))
        return cities, weights

    # --- the run --------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            enterprises, factories = self._enterprises_and_factories()
            levels = self._assessments(factories)
            self._certificates(factories, levels)
            self._in_flight(factories, levels)
            # Each certified factory's assessment lapse, as certifying would have made it.
            self.report(f"lapse deadlines: {lapse_deadlines_refresh()}")
        return {
            "enterprises": len(enterprises),
            "factories": len(factories),
            "assessments": len(levels),
        }

    def _enterprises_and_factories(self) -> tuple[list[Enterprise], list[Factory]]:
        cities, weights = self._cities()
        industries = list(Industry.objects.order_by("code"))
        industry_weights = [HEAVY_INDUSTRIES.get(i.code, 1) for i in industries]
        n = self.counts["enterprises"]
        homes = self.rng.choices(cities, weights, k=n)
        trades = self.rng.choices(industries, industry_weights, k=n)
        start = Enterprise.objects.count() + 1
        password = make_password(None)  # unusable: generated accounts cannot sign in
        users = _bulk(
            User,
            [
                User(
                    username=f"gen-{start + i}",
                    password=password,
                    role=Role.ENTERPRISE_USER,
                    first_name=f"企业用户{start + i}",
                )
                for i in range(n)
            ],
        )
        enterprises = _bulk(
            Enterprise,
            [
                Enterprise(
                    uscc=uscc(homes[i].code, start + i),
                    name=f"{homes[i].name_zh}生成企业{start + i}有限公司",
                    city=homes[i],
                    province_id=homes[i].province_id,
                    industry=trades[i],
                    above_designated_size=self.rng.random() < 0.85,
                    created_by=users[i],
                )
                for i in range(n)
            ],
        )
        _bulk(
            Membership,
            [
                Membership(user=users[i], enterprise=enterprises[i], role=Membership.Role.ADMIN)
                for i in range(n)
            ],
        )
        extra = self.counts["factories"] - n
        owners = list(enterprises) + self.rng.choices(enterprises, k=max(0, extra))
        # An enterprise's second and later factories are away from its registered city about
        # one time in five, in a city drawn like the registered ones.
        sites = [
            owner.city
            if index < n or self.rng.random() >= 0.2
            else self.rng.choices(cities, weights)[0]
            for index, owner in enumerate(owners)
        ]
        factories = _bulk(
            Factory,
            [
                Factory(
                    enterprise=owner,
                    name=f"{owner.name[:-6]}第{index + 1}工厂",
                    address=f"{site.name_zh}工业园{index + 1}号",
                    city=site,
                    province_id=site.province_id,
                    away=site.pk != owner.city_id,
                    industry=owner.industry,
                )
                for index, (owner, site) in enumerate(zip(owners, sites, strict=True))
            ],
        )
        # Where officials see them (the regional enterprise lists): rebuilt for all, one statement.
        enterprise_presence_refresh()
        self.report(f"{len(users)} users, {n} enterprises, {len(factories)} factories")
        return enterprises, factories

    def _assessments(self, factories: list[Factory]) -> list[int]:
        """One submitted assessment per factory, answered completely and scored."""
        version = (
            ModelVersion.objects.filter(status=ModelVersion.Status.PUBLISHED)
            .order_by("-published_at", "-pk")
            .first()
        )
        assert version is not None, "load_reference_data first"
        process = set(
            Industry.objects.filter(process_type="process").values_list("code", flat=True)
        )
        requirement_ids = dict(version.requirements.values_list("code", "pk"))
        specs = {kind: model_spec_for(version, kind) for kind in ("discrete", "process")}
        levels = list(LEVEL_SHARES)
        targets = self.rng.choices(levels, [LEVEL_SHARES[k] for k in levels], k=len(factories))
        maturity: list[int] = []
        answered = 0
        # In chunks, so that the answers of 120,000 assessments are never all in memory.
        for offset in range(0, len(factories), BATCH):
            rows = []
            answers: list[dict[str, Decimal]] = []
            for factory, target in zip(
                factories[offset : offset + BATCH], targets[offset : offset + BATCH], strict=True
            ):
                kind = "process" if factory.industry_id in process else "discrete"
                spec = specs[kind]
                given = {
                    r.code: answer_for(r.code, r.level, target, self.rng)
                    for r in spec.applicable_requirements()
                }
                rows.append(self._scored(factory, version, kind, scoring.score(spec, given)))
                answers.append(given)
            assessments = Assessment.objects.bulk_create(rows)
            self._answers(assessments, answers, requirement_ids)
            maturity.extend(a.maturity_level or 0 for a in assessments)
            answered += sum(map(len, answers))
        self.report(f"{len(maturity)} assessments with {answered} answers")
        return maturity

    def _scored(
        self, factory: Factory, version: ModelVersion, kind: str, result: scoring.ScoreResult
    ) -> Assessment:
        submitted = self.now - timedelta(days=self.rng.randint(1, 330))
        return Assessment(
            factory=factory,
            province_id=factory.province_id,
            city_id=factory.city_id,
            version=version,
            industry_type=kind,
            status=Assessment.Status.SUBMITTED,
            created_by=factory.enterprise.created_by,
            submitted_by=factory.enterprise.created_by,
            submitted_at=submitted,
            valid_until=add_months(timezone.localdate(submitted), settings.ASSESSMENT_VALID_MONTHS),
            scoring_method=result.method,
            maturity_level=result.maturity_level,
            overall_score=Decimal(str(result.overall_score)).quantize(
                Decimal("0.01"), rounding=ROUND_DOWN
            ),
            result=result.as_dict(),
        )

    def _answers(
        self,
        assessments: list[Assessment],
        answers: list[dict[str, Decimal]],
        requirement_ids: dict[str, int],
    ) -> None:
        now = self.now.isoformat()
        if connection.vendor == "postgresql":
            table = Answer._meta.db_table
            columns = "assessment_id, requirement_id, score, note, updated_at, updated_by_id"
            with connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                superuser = bool(cursor.fetchone()[0])
                if superuser:
                    # The rows reference what was just inserted in this transaction: skipping
                    # the per-row foreign-key triggers (queued until commit) halves the run.
                    cursor.execute("SET LOCAL session_replication_role = replica")
            for chunk_start in range(0, len(assessments), 2_000):
                buffer = io.StringIO()
                for assessment, given in zip(
                    assessments[chunk_start : chunk_start + 2_000],
                    answers[chunk_start : chunk_start + 2_000],
                    strict=True,
                ):
                    for code, value in given.items():
                        buffer.write(
                            f"{assessment.pk}\t{requirement_ids[code]}\t{value}\t\t{now}\t"
                            f"{assessment.created_by_id}\n"
                        )
                buffer.seek(0)
                with connection.cursor() as cursor:
                    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
            if superuser:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = origin")
            return
        rows = [
            Answer(
                assessment=assessment,
                requirement_id=requirement_ids[code],
                score=value,
                updated_by_id=assessment.created_by_id,
            )
            for assessment, given in zip(assessments, answers, strict=True)
            for code, value in given.items()
        ]
        _bulk(Answer, rows)

    # --- certification ----------------------------------------------------------------------

    def _system_officials(self) -> dict[str, User]:
        """One generated provincial official per province, to open the campaigns."""
        officials: dict[str, User] = {}
        for authority in Authority.objects.filter(
            level="province", kind="industry_it", province__isnull=False
        ):
            user, _created = User.objects.get_or_create(
                username=f"gen-official-{authority.province_id}",
                defaults={
                    "role": Role.PROVINCIAL_OFFICIAL,
                    "authority": authority,
                    "password": make_password(None),
                },
            )
            officials[str(authority.province_id)] = user
        return officials

    def _certificates(self, factories: list[Factory], levels: list[int]) -> None:
        """Certified applications and active certificates, the highest levels first, each tier's
        factories among the tier below's."""
        edition = certification_selectors.tier_edition_current()
        conditions = {c.tier: c for c in TierCondition.objects.filter(edition=edition)}
        order = sorted(range(len(factories)), key=lambda i: (-levels[i], self.rng.random()))
        assessments = dict(
            Assessment.objects.filter(factory__in=factories).values_list("factory_id", "pk")
        )
        authorities = self._certifying_authorities()
        year = self.today.year
        numbers: dict[tuple[str, int], int] = {}
        applications: list[Application] = []
        certificates: list[Certificate] = []
        for tier in (Tier.BASIC, Tier.ADVANCED, Tier.EXCELLENT, Tier.LEADING):
            condition = conditions[tier]
            eligible = [i for i in order if levels[i] >= condition.min_maturity_level]
            chosen = eligible[: self.counts[tier]]
            for index in chosen:
                factory = factories[index]
                authority = authorities[condition.certifying_level](factory)
                key = (tier, authority.pk)
                numbers[key] = numbers.get(key, 0) + 1
                region = authority.city_id or authority.province_id or "00"
                issued = self.today - timedelta(days=self.rng.randint(0, 300))
                application = Application(
                    factory=factory,
                    province_id=factory.province_id,
                    city_id=factory.city_id,
                    tier=tier,
                    tier_edition=edition,
                    workflow=condition.workflow,
                    assessment_id=assessments[factory.pk],
                    status=Application.Status.CERTIFIED,
                    submission=1,
                    submitted_at=self.now - timedelta(days=320),
                    checked_at=self.now - timedelta(days=320),
                    decided_at=self.now - timedelta(days=300),
                    state_changed_at=self.now - timedelta(days=300),
                    created_by=factory.enterprise.created_by,
                )
                applications.append(application)
                certificates.append(
                    Certificate(
                        number=f"{condition.certificate_prefix}-{year}-{region}-{numbers[key]:05d}",
                        tier=tier,
                        factory=factory,
                        province_id=factory.province_id,
                        city_id=factory.city_id,
                        application=application,
                        authority=authority,
                        self_declared=not condition.needs_campaign,
                        issued_on=issued,
                        status_changed_at=self.now,
                    )
                )
        _bulk(Application, applications)
        for certificate in certificates:
            certificate.application_id = certificate.application.pk
        _bulk(Certificate, certificates)
        _bulk(
            CertificateSequence,
            [
                CertificateSequence(tier=tier, year=year, authority_id=pk, last_number=last)
                for (tier, pk), last in numbers.items()
            ],
        )
        self.report(f"{len(certificates)} certificates")

    def _certifying_authorities(self) -> dict[str, Callable[[Factory], Authority]]:
        rows = list(Authority.objects.filter(kind="industry_it"))
        by_city = {a.city_id: a for a in rows if a.level == "city"}
        by_province = {a.province_id: a for a in rows if a.level == "province"}
        national = next(a for a in rows if a.level == "national")
        return {
            "city": lambda f: by_city[f.city_id],
            "province": lambda f: by_province[f.city.province_id],
            "national": lambda f: national,
        }

    def _in_flight(self, factories: list[Factory], levels: list[int]) -> None:
        """Advanced applications of basic-certified factories in this year's campaigns, spread
        over the review steps, each waiting since a plausible time."""
        edition = certification_selectors.tier_edition_current()
        condition = TierCondition.objects.get(edition=edition, tier=Tier.ADVANCED)
        officials = self._system_officials()
        campaigns = {}
        for province, official in officials.items():
            campaign, _created = Campaign.objects.get_or_create(
                authority=official.authority,
                tier=Tier.ADVANCED,
                year=self.today.year,
                batch=9,
                defaults={
                    "opens_on": self.today - timedelta(days=30),
                    "closes_on": self.today + timedelta(days=30),
                    "tier_edition": edition,
                    "created_by": official,
                },
            )
            campaigns[province] = campaign
        basic = set(
            Certificate.objects.filter(factory__in=factories, tier=Tier.BASIC).values_list(
                "factory_id", flat=True
            )
        )
        advanced = set(
            Certificate.objects.filter(factory__in=factories, tier=Tier.ADVANCED).values_list(
                "factory_id", flat=True
            )
        )
        candidates = [
            f for f, level in zip(factories, levels, strict=True)
            if f.pk in basic and f.pk not in advanced and level >= condition.min_maturity_level
        ]  # fmt: skip
        self.rng.shuffle(candidates)
        chosen = candidates[: self.counts["in_flight"]]
        steps = list(IN_FLIGHT_STEPS)
        states = self.rng.choices(steps, [IN_FLIGHT_STEPS[s] for s in steps], k=len(chosen))
        assessments = dict(
            Assessment.objects.filter(factory__in=chosen).values_list("factory_id", "pk")
        )
        rows = []
        for factory, state in zip(chosen, states, strict=True):
            submitted = self.now - timedelta(days=self.rng.randint(1, 25))
            rows.append(
                Application(
                    factory=factory,
                    province_id=factory.province_id,
                    city_id=factory.city_id,
                    tier=Tier.ADVANCED,
                    tier_edition=edition,
                    workflow=condition.workflow,
                    campaign=campaigns[factory.city.province_id],
                    assessment_id=assessments[factory.pk],
                    status=state,
                    submission=1,
                    submitted_at=submitted,
                    checked_at=None if state == "submitted" else submitted,
                    state_changed_at=min(
                        self.now, submitted + timedelta(hours=self.rng.randint(1, 200))
                    ),
                    created_by=factory.enterprise.created_by,
                )
            )
        _bulk(Application, rows)
        self.report(f"{len(rows)} advanced applications in flight")


def generate(*, scale: float, seed: int, report: Callable[[str], None]) -> dict[str, int]:
    return NationalData(scale=scale, seed=seed, report=report).run()
