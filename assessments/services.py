"""Writes for the maturity model (versions from data) and the self-assessment lifecycle."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from assessments import benchmarks, scoring
from assessments.models import (
    Answer,
    Assessment,
    Domain,
    Element,
    Evidence,
    Level,
    ModelVersion,
    PeerDistribution,
    PeerRun,
    Requirement,
    SubDomain,
)
from assessments.selectors import model_spec_for, model_version_current
from assessments.uploads import store_upload
from core import refcache
from core.data import read_json_file
from core.errors import Conflict, DomainError, PermissionDenied
from core.outbox import outbox_add
from factories.models import Factory
from factories.selectors import enterprise_can_manage

DATA_DIR = Path(__file__).resolve().parent / "data"
STRUCTURE_FILE = DATA_DIR / "maturity-model-2020.json"
ILLUSTRATIVE_FILE = DATA_DIR / "illustrative-requirements-2020.json"
ILLUSTRATIVE_VERSION_CODE = "GB/T 39116-2020 illustrative-2020"
MAX_FILES_PER_REQUIREMENT = 10


@transaction.atomic
def model_version_create(
    *,
    code: str,
    structure: dict[str, Any],
    requirement_set: dict[str, Any],
    publish: bool,
    illustrative: bool,
) -> ModelVersion:
    """Create a complete model version (structure + requirements) in one transaction.

    ``structure`` has the shape of data/maturity-model-2020.json; ``requirement_set`` has
    ``requirements`` (code, subdomain, level, text_zh, text_en), optional ``weights``
    {subdomain: number} and optional ``not_applicable`` {"discrete"|"process": [subdomain]}.
    The caller validates the data first (see assessments.importing).
    """
    refcache.reference_data_changed()
    version = ModelVersion.objects.create(
        code=code,
        standard_code=structure["code"],
        title_zh=structure["title_zh"],
        title_en=structure["title_en"],
        illustrative=illustrative,
        notice_zh=requirement_set.get("notice_zh", ""),
        notice_en=requirement_set.get("notice_en", ""),
        provenance=structure.get("provenance", ""),
        status=ModelVersion.Status.PUBLISHED if publish else ModelVersion.Status.DRAFT,
        published_at=timezone.now() if publish else None,
    )
    Level.objects.bulk_create(
        Level(
            version=version,
            number=row["level"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            meaning=row.get("meaning", ""),
        )
        for row in structure["levels"]
    )
    weights = requirement_set.get("weights", {})
    not_applicable = requirement_set.get("not_applicable", {})
    subdomains: dict[str, SubDomain] = {}
    subdomain_order = 0
    for element_order, element_row in enumerate(structure["elements"], start=1):
        element = Element.objects.create(
            version=version,
            code=element_row["code"],
            name_zh=element_row["name_zh"],
            name_en=element_row["name_en"],
            order=element_order,
        )
        for domain_order, domain_row in enumerate(element_row["domains"], start=1):
            domain = Domain.objects.create(
                element=element,
                code=domain_row["code"],
                name_zh=domain_row["name_zh"],
                name_en=domain_row["name_en"],
                order=domain_order,
            )
            for sub_row in domain_row["subdomains"]:
                subdomain_order += 1
                code_ = sub_row["code"]
                subdomains[code_] = SubDomain(
                    version=version,
                    domain=domain,
                    code=code_,
                    name_zh=sub_row["name_zh"],
                    name_en=sub_row["name_en"],
                    order=subdomain_order,
                    weight=Decimal(str(weights.get(code_, 1))),
                    applies_to_discrete=code_ not in not_applicable.get("discrete", []),
                    applies_to_process=code_ not in not_applicable.get("process", []),
                )
    SubDomain.objects.bulk_create(subdomains.values())
    Requirement.objects.bulk_create(
        (
            Requirement(
                version=version,
                subdomain=subdomains[row["subdomain"]],
                level=int(row["level"]),
                code=row["code"],
                order=order,
                text_zh=row["text_zh"],
                text_en=row.get("text_en", ""),
            )
            for order, row in enumerate(requirement_set["requirements"], start=1)
        ),
        batch_size=500,
    )
    return version


def maturity_model_load_reference() -> int:
    """Create the published illustrative version once. Idempotent: an existing version is
    never touched (versions are immutable). Returns 1 when it was created, else 0."""
    if ModelVersion.objects.filter(code=ILLUSTRATIVE_VERSION_CODE).exists():
        return 0
    model_version_create(
        code=ILLUSTRATIVE_VERSION_CODE,
        structure=read_json_file(STRUCTURE_FILE),
        requirement_set=read_json_file(ILLUSTRATIVE_FILE),
        publish=True,
        illustrative=True,
    )
    return 1


# --- Self-assessment lifecycle ---------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's end (29 Feb -> 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _require_editor(actor: User, assessment: Assessment) -> None:
    decision = enterprise_can_manage(actor, assessment.factory.enterprise)
    if not decision:
        raise PermissionDenied(decision.reason)
    if not assessment.is_draft:
        raise Conflict(
            _("This assessment has been submitted and can no longer be changed."),
            code="already_submitted",
        )


def _locked(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("factory__enterprise", "version")
        .get(pk=assessment.pk)
    )


@transaction.atomic
def assessment_start(
    *, actor: User, factory: Factory, copy_from: Assessment | None = None
) -> Assessment:
    """Start a draft on the current published model version. One draft per factory.

    With ``copy_from`` (an earlier submitted assessment of the factory) the draft starts with
    its answers, notes and evidence (``assessment_copy_from``), in the same transaction."""
    decision = enterprise_can_manage(actor, factory.enterprise)
    if not decision:
        raise PermissionDenied(decision.reason)
    version = model_version_current()
    if version is None:
        raise DomainError(_("No maturity model version is published yet."), code="no_model_version")
    Factory.objects.select_for_update().filter(pk=factory.pk).first()  # serialise starts
    existing = Assessment.objects.filter(factory=factory, status=Assessment.Status.DRAFT).first()
    if existing is not None:
        raise Conflict(
            _("This factory already has a draft assessment (no. %(id)s); continue that one.")
            % {"id": existing.pk},
            code="draft_exists",
            fields={"assessment": [str(existing.pk)]},
            existing_id=existing.pk,
        )
    if copy_from is not None and copy_from.version_id != version.pk:
        raise _version_changed(copy_from, version)
    assessment = Assessment.objects.create(
        factory=factory,
        province_id=factory.province_id,
        city_id=factory.city_id,
        version=version,
        industry_type=factory.industry.process_type,
        created_by=actor,
    )
    if copy_from is not None:
        assessment_copy_from(actor=actor, assessment=assessment, source=copy_from)
    return assessment


def _version_changed(source: Assessment, version: ModelVersion) -> DomainError:
    return Conflict(
        _(
            "The earlier assessment used model version %(old)s; new assessments use %(new)s. "
            "Its answers cannot be carried over: start an empty assessment."
        )
        % {"old": source.version.code, "new": version.code},
        code="version_changed",
    )


@dataclass(frozen=True)
class CopyResult:
    answers: int
    evidence: int
    skipped: int  # answers to requirements that do not apply to the new draft's industry type


@transaction.atomic
def assessment_copy_from(*, actor: User, assessment: Assessment, source: Assessment) -> CopyResult:
    """Fill an empty draft with the answers, notes and evidence of an earlier submitted
    assessment of the same factory, so that only what changed needs editing.

    Refused when the model versions differ: a requirement code of another version may carry
    another text, and an answer carried over by code would claim something never assessed.
    Evidence rows point at the source's stored files instead of copying them (the files are
    immutable; ``evidence_delete`` removes a file only when no other row refers to it).
    A fixed number of queries whatever the number of answers."""
    assessment = _locked(assessment)
    _require_editor(actor, assessment)
    if source.factory_id != assessment.factory_id or source.pk == assessment.pk:
        raise DomainError(
            _("Answers can only be carried over from an earlier assessment of the same factory."),
            code="other_factory",
        )
    if source.status != Assessment.Status.SUBMITTED:
        raise DomainError(
            _("Only a submitted assessment can be carried over."), code="source_not_submitted"
        )
    if source.version_id != assessment.version_id:
        raise _version_changed(source, assessment.version)
    if Answer.objects.filter(assessment=assessment).exists():
        raise Conflict(
            _("This draft already has answers; answers are carried over into an empty draft."),
            code="draft_not_empty",
        )
    spec = model_spec_for(assessment.version, assessment.industry_type)
    applicable = {r.code for r in spec.applicable_requirements()}
    sources = list(
        Answer.objects.filter(assessment=source)
        .order_by("pk")
        .values_list("pk", "requirement_id", "requirement__code", "score", "note")
    )
    kept = [row for row in sources if row[2] in applicable]
    now = timezone.now()
    created = Answer.objects.bulk_create(
        [
            Answer(
                assessment=assessment,
                requirement_id=requirement_id,
                score=score,
                note=note,
                updated_at=now,
                updated_by=actor,
            )
            for _pk, requirement_id, _code, score, note in kept
        ],
        batch_size=1000,
    )
    new_answer = {row[0]: answer.pk for row, answer in zip(kept, created, strict=True)}
    evidence = [
        Evidence(
            answer_id=new_answer[item.answer_id],
            file=item.file.name,
            original_name=item.original_name,
            content_type=item.content_type,
            size=item.size,
            uploaded_by_id=item.uploaded_by_id,
        )
        for item in Evidence.objects.filter(answer_id__in=list(new_answer)).order_by(
            "uploaded_at", "pk"
        )
    ]
    Evidence.objects.bulk_create(evidence, batch_size=1000)
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=now)
    return CopyResult(
        answers=len(created), evidence=len(evidence), skipped=len(sources) - len(kept)
    )


@transaction.atomic
def assessment_answers_save(
    *, actor: User, assessment: Assessment, answers: list[dict[str, Any]]
) -> int:
    """Save some answers of a draft, all or nothing. Returns how many were written.

    Each item has ``requirement`` (a code) and ``score`` (0, 0.5, 0.8, 1 or None to clear)
    and/or ``note``; a key left out keeps its saved value.
    """
    assessment = _locked(assessment)
    _require_editor(actor, assessment)
    spec = model_spec_for(assessment.version, assessment.industry_type)
    applicable = {r.code for r in spec.applicable_requirements()}
    all_codes = {r.code for r in spec.requirements}

    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    cleaned: list[dict[str, Any]] = []
    for index, item in enumerate(answers):
        prefix = f"answers[{index}]"
        if not isinstance(item, dict):
            errors[prefix] = [_("Each answer must be an object.")]
            continue
        code = str(item.get("requirement") or "").strip()
        if code not in all_codes:
            errors[f"{prefix}.requirement"] = [
                _("Unknown requirement code '%(code)s'.") % {"code": code}
            ]
            continue
        if code not in applicable:
            errors[f"{prefix}.requirement"] = [
                _("Requirement %(code)s does not apply to this factory's industry type.")
                % {"code": code}
            ]
            continue
        if code in seen:
            errors[f"{prefix}.requirement"] = [
                _("Requirement %(code)s is answered twice.") % {"code": code}
            ]
            continue
        seen.add(code)
        entry: dict[str, Any] = {"code": code}
        if "score" in item:
            if item["score"] is None:
                entry["score"] = None
            else:
                try:
                    entry["score"] = Decimal(str(scoring.answer_value(item["score"])))
                except ValueError:
                    errors[f"{prefix}.score"] = [
                        _("The answer must be one of 0, 0.5, 0.8 and 1; got %(value)s.")
                        % {"value": item["score"]}
                    ]
                    continue
        if "note" in item:
            note = item["note"]
            if note is not None and not isinstance(note, str):
                errors[f"{prefix}.note"] = [_("The note must be text.")]
                continue
            if note and len(note) > 5000:
                errors[f"{prefix}.note"] = [_("The note is longer than 5,000 characters.")]
                continue
            entry["note"] = (note or "").strip()
        cleaned.append(entry)
    if errors:
        raise DomainError(
            _("Some answers are not valid; nothing was saved."), code="invalid", fields=errors
        )
    if not cleaned:
        return 0

    requirements = dict(
        Requirement.objects.filter(
            version=assessment.version, code__in=[e["code"] for e in cleaned]
        ).values_list("code", "pk")
    )
    existing = {
        a.requirement_id: a
        for a in Answer.objects.filter(
            assessment=assessment, requirement_id__in=requirements.values()
        )
    }
    now = timezone.now()
    rows = []
    for entry in cleaned:
        requirement_id = requirements[entry["code"]]
        old = existing.get(requirement_id)
        rows.append(
            Answer(
                assessment=assessment,
                requirement_id=requirement_id,
                score=entry.get("score", old.score if old else None),
                note=entry.get("note", old.note if old else ""),
                updated_at=now,
                updated_by=actor,
            )
        )
    Answer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["assessment", "requirement"],
        update_fields=["score", "note", "updated_at", "updated_by"],
    )
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=now)
    return len(rows)


@transaction.atomic
def assessment_submit(*, actor: User, assessment: Assessment) -> Assessment:
    """Score and freeze a complete draft. Refused while an applicable requirement is open."""
    assessment = _locked(assessment)
    _require_editor(actor, assessment)
    spec = model_spec_for(assessment.version, assessment.industry_type)
    answers = dict(
        Answer.objects.filter(assessment=assessment, score__isnull=False).values_list(
            "requirement__code", "score"
        )
    )
    missing = [r.code for r in spec.applicable_requirements() if r.code not in answers]
    if missing:
        raise DomainError(
            ngettext(
                "%(count)d requirement is not answered yet.",
                "%(count)d requirements are not answered yet.",
                len(missing),
            )
            % {"count": len(missing)},
            code="incomplete",
            fields={"missing": missing},
        )
    result = scoring.score(spec, answers)
    now = timezone.now()
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_by = actor
    assessment.submitted_at = now
    assessment.valid_until = add_months(timezone.localdate(now), settings.ASSESSMENT_VALID_MONTHS)
    assessment.scoring_method = result.method
    assessment.maturity_level = result.maturity_level
    # Truncated, not rounded: 2.7975 (level 3 not attained) must not read as 2.80.
    assessment.overall_score = Decimal(str(result.overall_score)).quantize(
        Decimal("0.01"), rounding=ROUND_DOWN
    )
    assessment.result = result.as_dict()
    assessment.save()
    # Certificates and deadlines follow (certification.services.deadlines), through the outbox:
    # written with the submission, acted on once it has committed.
    outbox_add("assessment_submitted", assessment_id=assessment.pk)
    return assessment


@transaction.atomic
def evidence_add(
    *, actor: User, assessment: Assessment, requirement_code: str, upload: Any
) -> Evidence:
    """Attach an evidence file to a requirement of a draft (its answer is created if needed)."""
    assessment = _locked(assessment)
    _require_editor(actor, assessment)
    requirement = Requirement.objects.filter(
        version=assessment.version, code=requirement_code
    ).first()
    if requirement is None:
        raise DomainError(
            _("Unknown requirement code '%(code)s'.") % {"code": requirement_code},
            fields={"requirement": [_("Unknown requirement code.")]},
        )
    answer, _created = Answer.objects.get_or_create(
        assessment=assessment, requirement=requirement, defaults={"updated_by": actor}
    )
    if answer.evidence.count() >= MAX_FILES_PER_REQUIREMENT:
        raise DomainError(
            _("A requirement holds at most %(count)d evidence files.")
            % {"count": MAX_FILES_PER_REQUIREMENT},
            code="too_many_files",
            fields={"file": [_("Too many files.")]},
        )
    evidence = Evidence(answer=answer, uploaded_by=actor)
    store_upload(evidence, upload)
    return evidence


@transaction.atomic
def evidence_delete(*, actor: User, evidence: Evidence) -> None:
    assessment = _locked(evidence.answer.assessment)
    _require_editor(actor, assessment)
    storage, name = evidence.file.storage, evidence.file.name or ""
    evidence.delete()
    # A draft carried over from an earlier assessment shares that one's files: a file goes
    # only with the last row that refers to it.
    if name and not Evidence.objects.filter(file=name).exists():
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def model_version_publish(*, version: ModelVersion) -> ModelVersion:
    """Publish a draft version: new assessments use it from now on. Idempotent."""
    refcache.reference_data_changed()
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != ModelVersion.Status.PUBLISHED:
        if not version.requirements.exists():
            raise DomainError(_("A version without requirements cannot be published."))
        version.status = ModelVersion.Status.PUBLISHED
        version.published_at = timezone.now()
        version.save(update_fields=["status", "published_at"])
    return version


# --- Peer distributions, counted ahead of time (ADR 0013) -----------------------------------

# Each factory's latest submitted assessment with its factory's industry and province, and its
# measures as rows (version, industry, province, measure, value): the overall score (measure
# '') and each sub-domain's own score. Only the tables' names are formatted in.
_PEER_MEASURES = f"""
    WITH latest AS (
        SELECT DISTINCT ON (a.factory_id)
               a.version_id, a.overall_score, a.result, f.industry_id, f.province_id
        FROM {Assessment._meta.db_table} a
        JOIN {Factory._meta.db_table} f ON f.id = a.factory_id
        WHERE a.status = %(submitted)s
        ORDER BY a.factory_id, a.submitted_at DESC, a.id DESC
    ), measures AS (
        SELECT version_id, industry_id, province_id, '' AS measure,
               overall_score::float8 AS value
        FROM latest WHERE overall_score IS NOT NULL
        UNION ALL
        SELECT version_id, industry_id, province_id, s.key, s.value::float8
        FROM latest CROSS JOIN LATERAL jsonb_each(
            CASE WHEN jsonb_typeof(latest.result -> 'subdomain_overall') = 'object'
                 THEN latest.result -> 'subdomain_overall' ELSE '{{}}'::jsonb END
        ) AS s
        WHERE overall_score IS NOT NULL AND jsonb_typeof(s.value) = 'number'
    )
"""  # noqa: S608


@transaction.atomic
def peer_distributions_refresh() -> PeerRun:
    """Count every peer group's distribution of every measure over each factory's latest
    submitted assessment: per model version, industry in province, industry nationwide and
    province, the count and the value at each percentile 0 to 100. One INSERT ... SELECT with
    GROUPING SETS on PostgreSQL, the values read and summarised here elsewhere; then drop the
    earlier runs. A reader keeps the run it started with; safe to rerun at any time."""
    started = time.perf_counter()
    run = PeerRun.objects.create()
    if connection.vendor == "postgresql":
        sql = f"""{_PEER_MEASURES}
            INSERT INTO {PeerDistribution._meta.db_table}
                (run_id, version_id, cut, industry, province, measure, count, percentiles)
            SELECT %(run)s, version_id,
                   CASE GROUPING(industry_id, province_id)
                        WHEN 0 THEN %(cut_both)s WHEN 1 THEN %(cut_industry)s
                        ELSE %(cut_province)s END,
                   COALESCE(industry_id, ''), COALESCE(province_id, ''), measure, COUNT(*),
                   to_jsonb(percentile_cont(%(fractions)s::float8[])
                            WITHIN GROUP (ORDER BY value))
            FROM measures
            GROUP BY GROUPING SETS ((version_id, industry_id, province_id, measure),
                                    (version_id, industry_id, measure),
                                    (version_id, province_id, measure))
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                {
                    "submitted": str(Assessment.Status.SUBMITTED),
                    "run": run.pk,
                    "cut_both": benchmarks.CUT_INDUSTRY_PROVINCE,
                    "cut_industry": benchmarks.CUT_INDUSTRY,
                    "cut_province": benchmarks.CUT_PROVINCE,
                    "fractions": list(benchmarks.PERCENTILES),
                },
            )
    else:
        _peer_distributions_count(run)
    PeerDistribution.objects.filter(run__lt=run.pk).delete()
    PeerRun.objects.filter(pk__lt=run.pk).delete()
    run.seconds = round(time.perf_counter() - started, 3)
    run.save(update_fields=["seconds"])
    return run


def _peer_distributions_count(run: PeerRun) -> None:
    """The embedded database's way: read each factory's latest submitted assessment and
    summarise the values with ``benchmarks.points``."""
    latest: dict[int, tuple[int, Any, Any, str, str]] = {}
    rows = (
        Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
        .order_by("factory_id", "-submitted_at", "-pk")
        .values_list(
            "factory_id",
            "version_id",
            "overall_score",
            "result",
            "factory__industry_id",
            "factory__province_id",
        )
    )
    for factory, version, overall, result, industry, province in rows.iterator():
        latest.setdefault(factory, (version, overall, result, industry, province))
    values: dict[tuple[int, str, str, str, str], list[float]] = {}
    for version, overall, result, industry, province in latest.values():
        if overall is None:
            continue
        measures = {benchmarks.OVERALL: float(overall)}
        subdomains = (result or {}).get("subdomain_overall")
        if isinstance(subdomains, dict):
            measures.update(
                {
                    code: float(value)
                    for code, value in subdomains.items()
                    if isinstance(value, int | float) and not isinstance(value, bool)
                }
            )
        for cut, group_industry, group_province in (
            (benchmarks.CUT_INDUSTRY_PROVINCE, industry, province),
            (benchmarks.CUT_INDUSTRY, industry, ""),
            (benchmarks.CUT_PROVINCE, "", province),
        ):
            for measure, value in measures.items():
                key = (version, cut, group_industry, group_province, measure)
                values.setdefault(key, []).append(value)
    PeerDistribution.objects.bulk_create(
        (
            PeerDistribution(
                run=run,
                version_id=version,
                cut=cut,
                industry=industry,
                province=province,
                measure=measure,
                count=len(found),
                percentiles=benchmarks.points(found),
            )
            for (version, cut, industry, province, measure), found in values.items()
        ),
        batch_size=500,
    )
