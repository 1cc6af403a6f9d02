"""Writes for certification: reference data editions, campaigns, applications and their
transitions, the automated checks, and self-declared basic certificates.

Every transition locks the application row, checks the state and the actor, writes the new state
and an audit event in the same transaction, and queues side effects after commit. The allowed
transitions are listed in TRANSITIONS.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import notification_send
from assessments.models import Assessment
from assessments.uploads import store_upload
from certification import rules, selectors
from certification.models import (
    Application,
    ApplicationFile,
    AuditEvent,
    Campaign,
    CampaignQuota,
    Certificate,
    CheckResult,
    Declaration,
    DeclarationAnswer,
    Indicator,
    Link,
    Scenario,
    ScenarioCatalogue,
    ScenarioClaim,
    Stage,
    Tier,
    TierCondition,
    TierConditionsEdition,
)
from core.data import read_json_file
from core.errors import Conflict, DomainError, PermissionDenied
from factories.models import Factory
from factories.selectors import enterprise_can_manage
from regions.models import Authority, Province

logger = logging.getLogger(__name__)
MAX_FILES_PER_APPLICATION = 60

DATA_DIR = Path(__file__).resolve().parent / "data"
SCENARIOS_FILE = DATA_DIR / "scenarios-2025.json"
TIER_CONDITIONS_FILE = DATA_DIR / "tier-conditions-2025.json"


@transaction.atomic
def scenario_catalogue_create(*, data: dict[str, Any]) -> ScenarioCatalogue:
    catalogue = ScenarioCatalogue.objects.create(
        edition=data["edition"],
        title_zh=data["title_zh"],
        title_en=data.get("title_en", ""),
        provenance=data.get("provenance", ""),
    )
    stages = {
        row["code"]: Stage.objects.create(
            catalogue=catalogue,
            code=row["code"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            order=row["order"],
        )
        for row in data["stages"]
    }
    links = {
        row["code"]: Link.objects.create(
            catalogue=catalogue,
            code=row["code"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            order=row["order"],
            stage=stages[row["stage"]],
        )
        for row in data["links"]
    }
    Scenario.objects.bulk_create(
        Scenario(
            catalogue=catalogue,
            code=row["code"],
            link=links[row["link"]],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
        )
        for row in data["scenarios"]
    )
    return catalogue


@transaction.atomic
def tier_conditions_create(
    *, data: dict[str, Any], catalogue: ScenarioCatalogue
) -> TierConditionsEdition:
    rules = data.get("assessment_rules", {})
    edition = TierConditionsEdition.objects.create(
        edition=data["edition"],
        title_zh=data["title_zh"],
        provenance=data.get("provenance", ""),
        scenario_catalogue=catalogue,
        status=TierConditionsEdition.Status.PUBLISHED,
        published_at=timezone.now(),
        assessment_valid_months=rules.get("self_assessment_required_every_months", 12),
        publicity_working_days=data.get("publicity", {}).get("default_working_days", 5),
        quotas=data.get("quotas_2025", {}),
    )
    stage_codes = set(catalogue.stages.values_list("code", flat=True))
    for row in data["tiers"]:
        unknown = set(row["required_stages"]) - stage_codes
        if unknown:
            raise ValueError(f"tier {row['code']}: unknown stages {sorted(unknown)}")
        prerequisite = row.get("prerequisite") or {}
        share = row.get("min_ai_scenario_share")
        TierCondition.objects.create(
            edition=edition,
            tier=row["code"],
            order=row["order"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            prerequisite_tier=prerequisite.get("tier") or "",
            pool_alternative=bool(prerequisite.get("or_in_city_cultivation_pool")),
            min_maturity_level=row["min_maturity_level"],
            required_stages=row["required_stages"],
            min_ai_share=None if share is None else Decimal(str(share)),
            indicator_benchmark=row.get("indicator_benchmark", ""),
            certified_by=row.get("certified_by", ""),
            default_window_month=(row.get("default_window") or {}).get("month"),
            cultivation_months_max=row.get("cultivation_period_months_max"),
        )
    return edition


def certification_load_reference() -> int:
    """Create the 2025 scenario catalogue and tier conditions editions once. Idempotent:
    existing editions are never edited in place. Returns the number of editions created."""
    created = 0
    scenarios = read_json_file(SCENARIOS_FILE)
    catalogue = ScenarioCatalogue.objects.filter(edition=scenarios["edition"]).first()
    if catalogue is None:
        catalogue = scenario_catalogue_create(data=scenarios)
        created += 1
    conditions = read_json_file(TIER_CONDITIONS_FILE)
    if not TierConditionsEdition.objects.filter(edition=conditions["edition"]).exists():
        tier_conditions_create(data=conditions, catalogue=catalogue)
        created += 1
    return created


# --- transitions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    who: str  # "member", "system" or "city_official"


S = Application.Status
TRANSITIONS: dict[str, Transition] = {
    "submit": Transition((S.DRAFT, S.RETURNED), S.SUBMITTED, "member"),
    "checks_pass": Transition((S.SUBMITTED,), S.CHECKS_PASSED, "system"),
    "checks_fail": Transition((S.SUBMITTED,), S.RETURNED, "system"),
    "self_declare": Transition((S.CHECKS_PASSED,), S.CERTIFIED, "system"),
    "withdraw": Transition(
        (S.DRAFT, S.SUBMITTED, S.CHECKS_PASSED, S.RETURNED), S.WITHDRAWN, "member"
    ),
    "reject_filing": Transition((S.CERTIFIED,), S.REJECTED, "city_official"),
}


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("factory__enterprise", "factory__city", "campaign", "tier_edition")
        .get(pk=application.pk)
    )


def _move(application: Application, action: str, actor: User | None, reason: str = "") -> None:
    """Apply one transition of TRANSITIONS to a locked application and audit it."""
    transition = TRANSITIONS[action]
    if (transition.who == "system") != (actor is None):
        raise PermissionDenied(_("This step is taken by the portal itself, not by a person."))
    if application.status not in transition.sources:
        raise Conflict(
            _("This cannot be done while the application is %(status)s.")
            % {"status": application.get_status_display()},
            code="invalid_transition",
        )
    before = application.status
    application.status = transition.target
    AuditEvent.objects.create(
        application=application,
        actor=actor,
        action=action,
        from_status=before,
        to_status=transition.target,
        reason=reason,
    )


def _require_member(actor: User, application: Application) -> None:
    decision = enterprise_can_manage(actor, application.factory.enterprise)
    if not decision:
        raise PermissionDenied(decision.reason)


def _require_editable(actor: User, application: Application) -> None:
    _require_member(actor, application)
    if not application.is_editable:
        raise Conflict(
            _("Only a draft or returned application can be changed."), code="not_editable"
        )


# --- campaigns -------------------------------------------------------------------------------


def _month_window(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@transaction.atomic
def campaign_open(
    *,
    actor: User,
    tier: str,
    year: int,
    batch: int = 1,
    opens_on: date | None = None,
    closes_on: date | None = None,
) -> Campaign:
    """An authority opens an application window. Advanced: a provincial department for its
    province; excellent and leading: MIIT. The window defaults to the edition's month."""
    authority = actor.authority
    if tier == Tier.BASIC:
        raise DomainError(_("The basic tier is accepted all year; it has no campaigns."))
    if tier not in selectors.campaign_tiers_for(actor) or authority is None:
        raise PermissionDenied(
            _("Campaigns for this tier are opened by the provincial departments.")
            if tier == Tier.ADVANCED
            else _("Campaigns for this tier are opened by MIIT.")
        )
    edition = selectors.tier_edition_current()
    condition = TierCondition.objects.get(edition=edition, tier=tier)
    if opens_on is None or closes_on is None:
        default_open, default_close = _month_window(year, condition.default_window_month or 1)
        opens_on, closes_on = opens_on or default_open, closes_on or default_close
    if opens_on > closes_on:
        message = _("The window must open before it closes.")
        raise DomainError(message, fields={"closes_on": [message]})
    if Campaign.objects.filter(authority=authority, tier=tier, year=year, batch=batch).exists():
        raise Conflict(
            _("Batch %(batch)s of this campaign already exists.") % {"batch": batch},
            code="campaign_exists",
        )
    campaign = Campaign.objects.create(
        authority=authority,
        tier=tier,
        year=year,
        batch=batch,
        opens_on=opens_on,
        closes_on=closes_on,
        tier_edition=edition,
        created_by=actor,
    )
    if tier in (Tier.EXCELLENT, Tier.LEADING):
        _campaign_default_quotas(campaign, edition)
    return campaign


def _campaign_default_quotas(campaign: Campaign, edition: TierConditionsEdition) -> None:
    """Default quotas from the edition (DESIGN 2.5). Industrial ranks are not data yet, so every
    province gets the 'other provinces' quota; officials adjust per rank in the admin."""
    quotas = edition.quotas or {}
    rows: list[CampaignQuota] = []
    if campaign.tier == Tier.EXCELLENT:
        per_unit = quotas.get("excellent_per_recommending_unit", {})
        default = int(per_unit.get("other provinces", 20))
        corps = int(per_unit.get("Xinjiang Production and Construction Corps", 5))
        for province in Province.objects.all():
            quota = corps if province.kind == Province.Kind.CORPS else default
            rows.append(CampaignQuota(campaign=campaign, province=province, quota=quota))
    else:
        thresholds = sorted(
            quotas.get("leading_per_province_by_excellent_count", []),
            key=lambda row: -int(row["min_excellent"]),
        )
        counts: dict[str, int] = {}
        for province_id in Certificate.objects.filter(
            tier=Tier.EXCELLENT, status=Certificate.Status.ACTIVE
        ).values_list("factory__city__province_id", flat=True):
            counts[province_id] = counts.get(province_id, 0) + 1
        for province in Province.objects.all():
            count = counts.get(province.code, 0)
            quota = next(
                (int(row["quota"]) for row in thresholds if count >= int(row["min_excellent"])),
                1,
            )
            rows.append(CampaignQuota(campaign=campaign, province=province, quota=quota))
    CampaignQuota.objects.bulk_create(rows)


# --- applications: drafting ------------------------------------------------------------------


def _check_assessment(assessment: Assessment | None, factory: Factory) -> None:
    if assessment is None:
        return
    if assessment.factory_id != factory.pk:
        message = _("This self-assessment belongs to another factory.")
        raise DomainError(message, code="invalid", fields={"assessment": [message]})
    if assessment.status != Assessment.Status.SUBMITTED:
        message = _("Only a submitted self-assessment can support an application.")
        raise DomainError(message, code="invalid", fields={"assessment": [message]})


def _check_campaign(campaign: Campaign | None, tier: str, factory: Factory) -> None:
    if tier == Tier.BASIC:
        if campaign is not None:
            message = _("The basic tier is accepted all year; choose no campaign.")
            raise DomainError(message, fields={"campaign": [message]})
        return
    if campaign is None:
        return  # may be chosen later; the campaign_open rule reports it at submission
    if campaign.tier != tier:
        message = _("This campaign is for another tier.")
        raise DomainError(message, fields={"campaign": [message]})
    if not selectors.campaign_accepts_factory(campaign, factory):
        message = _("This campaign does not accept factories of your province.")
        raise DomainError(message, fields={"campaign": [message]})


@transaction.atomic
def application_create(
    *,
    actor: User,
    factory: Factory,
    tier: str,
    campaign: Campaign | None = None,
    assessment: Assessment | None = None,
) -> Application:
    """Start a draft application. One open application per factory and tier."""
    decision = enterprise_can_manage(actor, factory.enterprise)
    if not decision:
        raise PermissionDenied(decision.reason)
    if tier not in Tier.values:
        message = _("Unknown tier '%(tier)s'.") % {"tier": tier}
        raise DomainError(message, fields={"tier": [message]})
    _check_campaign(campaign, tier, factory)
    _check_assessment(assessment, factory)
    Factory.objects.select_for_update().filter(pk=factory.pk).first()  # serialise creations
    existing = Application.objects.filter(
        factory=factory, tier=tier, status__in=Application.OPEN_STATUSES
    ).first()
    if existing is not None:
        raise Conflict(
            _("This factory already has an open application for this tier (no. %(id)s).")
            % {"id": existing.pk},
            code="open_application_exists",
            fields={"application": [str(existing.pk)]},
        )
    application = Application.objects.create(
        factory=factory,
        tier=tier,
        campaign=campaign,
        assessment=assessment or selectors.latest_assessment(factory),
        tier_edition=campaign.tier_edition if campaign else selectors.tier_edition_current(),
        created_by=actor,
    )
    DeclarationAnswer.objects.bulk_create(
        DeclarationAnswer(application=application, kind=kind) for kind in Declaration.values
    )
    AuditEvent.objects.create(
        application=application, actor=actor, action="create", to_status=application.status
    )
    return application


@transaction.atomic
def application_update(
    *,
    actor: User,
    application: Application,
    campaign: Campaign | None | Any = ...,
    assessment: Assessment | None | Any = ...,
) -> Application:
    """Change the campaign or the self-assessment of a draft (``...`` leaves it as it is)."""
    application = _lock(application)
    _require_editable(actor, application)
    if campaign is not ...:
        _check_campaign(campaign, application.tier, application.factory)
        application.campaign = campaign
        if campaign is not None:
            application.tier_edition = campaign.tier_edition
    if assessment is not ...:
        _check_assessment(assessment, application.factory)
        application.assessment = assessment
    application.save()
    return application


@transaction.atomic
def application_claims_set(
    *, actor: User, application: Application, claims: list[dict[str, Any]]
) -> list[ScenarioClaim]:
    """Replace the claimed scenarios, all or nothing. AI share is computed, never sent."""
    application = _lock(application)
    _require_editable(actor, application)
    catalogue_id = application.tier_edition.scenario_catalogue_id
    scenarios = {s.code: s for s in Scenario.objects.filter(catalogue_id=catalogue_id)}
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    rows: list[ScenarioClaim] = []
    for index, item in enumerate(claims):
        prefix = f"claims[{index}]"
        extra = set(item) - {"scenario", "description", "ai_applied"}
        if extra:
            errors[prefix] = [
                _("Unexpected fields: %(fields)s. The AI share is computed by the portal.")
                % {"fields": ", ".join(sorted(extra))}
            ]
            continue
        code = str(item.get("scenario") or "").strip()
        if code not in scenarios:
            errors[f"{prefix}.scenario"] = [_("Unknown scenario code '%(code)s'.") % {"code": code}]
            continue
        if code in seen:
            errors[f"{prefix}.scenario"] = [
                _("Scenario %(code)s is claimed twice.") % {"code": code}
            ]
            continue
        seen.add(code)
        description = str(item.get("description") or "").strip()
        if not description:
            errors[f"{prefix}.description"] = [_("Describe what was built for this scenario.")]
            continue
        ai_applied = item.get("ai_applied", False)
        if not isinstance(ai_applied, bool):
            errors[f"{prefix}.ai_applied"] = [_("Say yes or no (true or false).")]
            continue
        rows.append(
            ScenarioClaim(
                application=application,
                scenario=scenarios[code],
                description=description[:5000],
                ai_applied=ai_applied,
            )
        )
    if errors:
        raise DomainError(
            _("Some claims are not valid; nothing was saved."), code="invalid", fields=errors
        )
    kept = {row.scenario_id for row in rows}
    dropped = application.claims.exclude(scenario_id__in=kept)
    _delete_files_on_commit(ApplicationFile.objects.filter(claim__in=dropped))
    dropped.delete()
    existing = {c.scenario_id: c for c in application.claims.all()}
    for row in rows:
        old = existing.get(row.scenario_id)
        if old is not None:
            row.pk = old.pk
    ScenarioClaim.objects.bulk_create([row for row in rows if row.pk is None])
    ScenarioClaim.objects.bulk_update(
        [row for row in rows if row.pk is not None], ["description", "ai_applied"]
    )
    return list(application.claims.select_related("scenario__link__stage"))


def _delete_files_on_commit(files: Any) -> None:
    """Remove the stored files of rows about to be deleted, once the deletion is committed."""
    names = [(f.file.storage, f.file.name) for f in files if f.file.name]
    if names:
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise InvalidOperation
    number = Decimal(str(value).strip())
    if not number.is_finite() or abs(number) >= Decimal("1e14"):
        raise InvalidOperation
    return number


def _year(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    year = int(str(value).strip())
    if not 1949 <= year <= 2100:
        raise ValueError
    return year


@transaction.atomic
def application_indicators_set(
    *, actor: User, application: Application, indicators: list[dict[str, Any]]
) -> list[Indicator]:
    """Replace the key indicators, all or nothing."""
    application = _lock(application)
    _require_editable(actor, application)
    errors: dict[str, list[str]] = {}
    rows: list[Indicator] = []
    names: set[str] = set()
    for index, item in enumerate(indicators):
        prefix = f"indicators[{index}]"
        name = str(item.get("name") or "").strip()[:100]
        unit = str(item.get("unit") or "").strip()[:30]
        if not name:
            errors[f"{prefix}.name"] = [_("Name the indicator.")]
        elif name in names:
            errors[f"{prefix}.name"] = [_("Indicator %(name)s is listed twice.") % {"name": name}]
        names.add(name)
        if not unit:
            errors[f"{prefix}.unit"] = [_("Give the unit.")]
        values: dict[str, Any] = {}
        for key in ("baseline_value", "current_value"):
            try:
                values[key] = _decimal(item.get(key))
            except (InvalidOperation, ValueError, TypeError):
                errors[f"{prefix}.{key}"] = [
                    _("'%(value)s' is not a number.") % {"value": item.get(key)}
                ]
        for key in ("baseline_year", "current_year"):
            try:
                values[key] = _year(item.get(key))
            except (ValueError, TypeError):
                errors[f"{prefix}.{key}"] = [
                    _("'%(value)s' is not a year.") % {"value": item.get(key)}
                ]
        if (
            "baseline_year" in values
            and "current_year" in values
            and values["baseline_year"] > values["current_year"]
        ):
            errors[f"{prefix}.current_year"] = [_("The current year is before the baseline year.")]
        if not errors:
            rows.append(Indicator(application=application, name=name, unit=unit, **values))
    if errors:
        raise DomainError(
            _("Some indicators are not valid; nothing was saved."), code="invalid", fields=errors
        )
    application.indicators.all().delete()
    return Indicator.objects.bulk_create(rows)


@transaction.atomic
def application_declarations_set(
    *, actor: User, application: Application, declarations: dict[str, bool]
) -> None:
    """Declare (or withdraw the declaration of) the basic requirements."""
    application = _lock(application)
    _require_editable(actor, application)
    unknown = [kind for kind in declarations if kind not in Declaration.values]
    bad = [kind for kind, value in declarations.items() if not isinstance(value, bool)]
    if unknown or bad:
        fields = {kind: [_("Unknown declaration.")] for kind in unknown}
        fields.update({kind: [_("Say yes or no (true or false).")] for kind in bad})
        raise DomainError(_("Some declarations are not valid; nothing was saved."), fields=fields)
    for kind, affirmed in declarations.items():
        DeclarationAnswer.objects.filter(application=application, kind=kind).update(
            affirmed=affirmed
        )


@transaction.atomic
def application_file_add(
    *,
    actor: User,
    application: Application,
    upload: Any,
    scenario: str | None = None,
    declaration: str | None = None,
) -> ApplicationFile:
    """Attach evidence to a claimed scenario or to a declaration (content-checked)."""
    application = _lock(application)
    _require_editable(actor, application)
    if application.files.count() >= MAX_FILES_PER_APPLICATION:
        raise DomainError(
            _("An application holds at most %(count)d files.")
            % {"count": MAX_FILES_PER_APPLICATION},
            code="too_many_files",
            fields={"file": [_("Too many files.")]},
        )
    claim = answer = None
    if scenario:
        claim = application.claims.filter(scenario__code=scenario).first()
        if claim is None:
            message = _("Claim the scenario before adding its evidence.")
            raise DomainError(message, fields={"scenario": [message]})
    elif declaration:
        answer = application.declarations.filter(kind=declaration).first()
        if answer is None:
            message = _("Unknown declaration.")
            raise DomainError(message, fields={"declaration": [message]})
    else:
        message = _("Say which scenario or declaration the file supports.")
        raise DomainError(message, fields={"scenario": [message]})
    item = ApplicationFile(
        application=application, claim=claim, declaration=answer, uploaded_by=actor
    )
    store_upload(item, upload)
    return item


# --- applications: transitions ---------------------------------------------------------------


def _notify_on_commit(application_id: int, event: str) -> None:
    from certification.tasks import notify_application_event

    transaction.on_commit(lambda: _safely_queue(notify_application_event, application_id, event))


def _safely_queue(task: Any, *args: Any) -> None:
    """Queue a task after commit. With the broker down, log it and carry on: the state change
    is committed, and the sweep (checks) or nothing (notifications) makes up for it."""
    try:
        task.apply_async(
            args=list(args),
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        )
    except Exception:
        logger.warning("could not queue %s%s", task.name, args, exc_info=True)


NOTIFICATION_KEYS = {
    "checked": "application-checked:{id}:{submission}",
    "filed": "basic-filed:{id}",
    "rejected": "filing-rejected:{id}",
}


def application_notify(*, application_id: int, event: str) -> int:
    """Tell the people concerned about an application event. Idempotent per event.

    checked: the enterprise's members (passed, or returned with the failed rules);
    filed: the city bureau that a basic factory self-declared; rejected: the members.
    """
    application = (
        Application.objects.select_related("factory__enterprise", "factory__city")
        .filter(pk=application_id)
        .first()
    )
    if application is None or event not in NOTIFICATION_KEYS:
        return 0
    factory = application.factory
    members = User.objects.filter(memberships__enterprise=factory.enterprise, is_active=True)
    with translation.override(settings.LANGUAGE_CODE):
        tier = application.get_tier_display()
        if event == "checked":
            recipients = members
            failed = list(
                CheckResult.objects.filter(
                    application=application, submission=application.submission, passed=False
                ).values_list("message_zh", flat=True)
            )
            if failed:
                subject = _("%(tier)s application of %(factory)s returned") % {
                    "tier": tier,
                    "factory": factory.name,
                }
                body = "\n".join([_("The automated checks found:"), *failed])
            else:
                subject = _("%(tier)s application of %(factory)s passed its checks") % {
                    "tier": tier,
                    "factory": factory.name,
                }
                body = subject
        elif event == "filed":
            recipients = User.objects.filter(
                role=Role.CITY_OFFICIAL, authority__city_id=factory.city_id, is_active=True
            )
            subject = _("Basic tier self-declared: %(factory)s") % {"factory": factory.name}
            body = _("%(enterprise)s self-declared the basic tier for %(factory)s.") % {
                "enterprise": factory.enterprise.name,
                "factory": factory.name,
            }
        else:
            recipients = members
            reason = (
                AuditEvent.objects.filter(application=application, action="reject_filing")
                .values_list("reason", flat=True)
                .last()
            )
            subject = _("Basic filing of %(factory)s rejected") % {"factory": factory.name}
            body = _("Reason: %(reason)s") % {"reason": reason or ""}
    key = NOTIFICATION_KEYS[event].format(id=application.pk, submission=application.submission)
    return notification_send(recipients=recipients, key=key, subject=subject, body=body)


def _enqueue_checks(application_id: int, submission: int) -> None:
    """Queue the checks after commit. If the broker is down the submission stays saved and
    the periodic sweep checks it later."""
    from certification.tasks import check_application

    _safely_queue(check_application, application_id, submission)


@transaction.atomic
def application_submit(*, actor: User, application: Application) -> Application:
    application = _lock(application)
    _require_member(actor, application)
    _move(application, "submit", actor)
    application.submission += 1
    application.submitted_at = timezone.now()
    application.checked_at = None
    application.save()
    submission = application.submission
    transaction.on_commit(lambda: _enqueue_checks(application.pk, submission))
    return application


@transaction.atomic
def application_withdraw(*, actor: User, application: Application, reason: str = "") -> Application:
    application = _lock(application)
    _require_member(actor, application)
    _move(application, "withdraw", actor, reason)
    application.save()
    return application


@transaction.atomic
def application_run_checks(*, application_id: int, submission: int) -> list[CheckResult]:
    """Run every rule for one submission and store each result. Idempotent: a submission
    already checked, superseded or no longer submitted is left alone."""
    application = Application.objects.select_for_update(of=("self",)).filter(pk=application_id)
    current = application.select_related(
        "factory__enterprise", "factory__city", "campaign", "tier_edition", "assessment"
    ).first()
    if current is None or current.status != Application.Status.SUBMITTED:
        return []
    if current.submission != submission or current.checks.filter(submission=submission).exists():
        return []
    assert current.submitted_at is not None
    facts = selectors.application_facts(current, on=timezone.localdate(current.submitted_at))
    results = rules.evaluate_application(facts)
    stored = CheckResult.objects.bulk_create(
        CheckResult(
            application=current,
            submission=submission,
            rule=result.rule,
            passed=result.passed,
            message_zh=result.message_zh,
            message_en=result.message_en,
        )
        for result in results
    )
    current.checked_at = timezone.now()
    if rules.all_passed(results):
        _move(current, "checks_pass", None)
        if current.tier == Tier.BASIC:
            _certificate_self_declare(current)
    else:
        failed = ", ".join(r.rule for r in results if not r.passed)
        _move(current, "checks_fail", None, reason=failed)
    current.save()
    _notify_on_commit(current.pk, "checked")
    if current.status == Application.Status.CERTIFIED:
        _notify_on_commit(current.pk, "filed")
    return stored


def _certificates_supersede(*, factory: Factory, tier: str) -> None:
    """A new certificate replaces the factory's current one of the same tier."""
    current = Certificate.objects.select_for_update().filter(
        factory=factory,
        tier=tier,
        status__in=[Certificate.Status.ACTIVE, Certificate.Status.SUSPENDED],
    )
    for certificate in current:
        before = certificate.status
        certificate.status = Certificate.Status.SUPERSEDED
        certificate.status_changed_at = timezone.now()
        certificate.save(update_fields=["status", "status_changed_at"])
        AuditEvent.objects.create(
            certificate=certificate,
            action="supersede",
            from_status=before,
            to_status=certificate.status,
        )


def _certificate_self_declare(application: Application) -> Certificate:
    """A basic application that passed its checks becomes a self-declared certificate, filed
    with the city bureau of the factory's city."""
    factory = application.factory
    authority = (
        Authority.objects.filter(
            level=Authority.Level.CITY, city_id=factory.city_id, kind=Authority.Kind.INDUSTRY_IT
        )
        .order_by("code")
        .first()
    )
    if authority is None:
        raise DomainError(_("The factory's city has no industry and IT bureau on record."))
    today = timezone.localdate()
    _certificates_supersede(factory=factory, tier=application.tier)
    certificate = Certificate.objects.create(
        number=f"ZN-B-{today.year}-{factory.city_id}-{application.pk:06d}",
        tier=application.tier,
        factory=factory,
        application=application,
        authority=authority,
        self_declared=True,
        issued_on=today,
        status_changed_at=timezone.now(),
    )
    _move(application, "self_declare", None)
    application.decided_at = timezone.now()
    AuditEvent.objects.create(certificate=certificate, action="issue", to_status=certificate.status)
    return certificate


@transaction.atomic
def basic_declaration_reject(*, actor: User, application: Application, reason: str) -> Application:
    """The city bureau rejects a self-declared basic filing: the certificate is revoked."""
    application = _lock(application)
    if application.tier != Tier.BASIC:
        raise Conflict(_("Only basic-tier declarations are filed with the city."), code="not_basic")
    decision = selectors.filing_reviewer(actor, application)
    if not decision:
        raise PermissionDenied(decision.reason)
    certificate = Certificate.objects.select_for_update().filter(application=application).first()
    reason = (reason or "").strip()
    if not reason:
        message = _("Give the reason for the rejection.")
        raise DomainError(message, fields={"reason": [message]})
    _move(application, "reject_filing", actor, reason)
    application.decided_at = timezone.now()
    application.save()
    assert certificate is not None  # a certified basic application always has one
    before = certificate.status
    certificate.status = Certificate.Status.REVOKED
    certificate.status_reason = reason
    certificate.status_changed_at = timezone.now()
    certificate.save()
    AuditEvent.objects.create(
        certificate=certificate,
        actor=actor,
        action="revoke",
        from_status=before,
        to_status=certificate.status,
        reason=reason,
    )
    _notify_on_commit(application.pk, "rejected")
    return application


def applications_check_unchecked(*, limit: int = 200) -> int:
    """The sweep: check submitted applications that have no results (the broker was down, or a
    worker died). Each is checked in its own transaction; safe to rerun."""
    done = 0
    for application_id, submission in selectors.unchecked_submitted_applications(limit):
        try:
            if application_run_checks(application_id=application_id, submission=submission):
                done += 1
        except Exception:  # one broken application must not stop the others
            logger.exception("checks failed for application %s", application_id)
    return done


# --- reference data editions ---------------------------------------------------------------


def edition_in_use(edition: TierConditionsEdition) -> bool:
    return edition.campaigns.exists() or edition.applications.exists()


def catalogue_in_use(catalogue: ScenarioCatalogue) -> bool:
    return any(edition_in_use(edition) for edition in catalogue.tier_editions.all())


@transaction.atomic
def tier_conditions_copy(
    *, edition: TierConditionsEdition, new_edition: str
) -> TierConditionsEdition:
    """Start a revision: a new edition with the same conditions, editable until it is used."""
    if TierConditionsEdition.objects.filter(edition=new_edition).exists():
        raise Conflict(_("Edition %(code)s exists.") % {"code": new_edition}, code="edition_exists")
    conditions = list(edition.conditions.all())
    copy = TierConditionsEdition.objects.create(
        edition=new_edition,
        title_zh=edition.title_zh,
        provenance=_("Copied from edition %(code)s.") % {"code": edition.edition},
        status=TierConditionsEdition.Status.DRAFT,
        scenario_catalogue=edition.scenario_catalogue,
        assessment_valid_months=edition.assessment_valid_months,
        publicity_working_days=edition.publicity_working_days,
        quotas=edition.quotas,
    )
    for condition in conditions:
        condition.pk = None
        condition.edition = copy
    TierCondition.objects.bulk_create(conditions)
    return copy


@transaction.atomic
def tier_conditions_publish(*, edition: TierConditionsEdition) -> TierConditionsEdition:
    """Publish a draft edition: new campaigns and applications use it from now on."""
    edition = TierConditionsEdition.objects.select_for_update().get(pk=edition.pk)
    if edition.status == TierConditionsEdition.Status.PUBLISHED:
        return edition
    missing = set(Tier.values) - set(edition.conditions.values_list("tier", flat=True))
    if missing:
        raise DomainError(
            _("The edition has no conditions for: %(tiers)s.")
            % {"tiers": ", ".join(sorted(missing))},
            code="edition_incomplete",
        )
    edition.status = TierConditionsEdition.Status.PUBLISHED
    edition.published_at = timezone.now()
    edition.save(update_fields=["status", "published_at"])
    return edition
