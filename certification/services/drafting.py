"""Drafting an application: create it, choose its campaign and assessment, fill in claims,
indicators, declarations and evidence. Each write is all or nothing."""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments.models import Assessment
from assessments.uploads import store_upload
from certification import selectors
from certification.error_codes import ErrorCode
from certification.models import (
    Application,
    ApplicationFile,
    Campaign,
    Declaration,
    DeclarationAnswer,
    Indicator,
    Scenario,
    ScenarioClaim,
    Tier,
    TierCondition,
    TierConditionsEdition,
)
from certification.workflow.engine import event_record, lock_application
from certification.workflow.events import EventType
from core.errors import Conflict, DomainError, PermissionDenied
from core.numbers import ascii_decimal, ascii_int
from factories.models import Factory
from factories.selectors import enterprise_can_manage

logger = logging.getLogger(__name__)

MAX_FILES_PER_APPLICATION = 60

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


def _condition(edition: TierConditionsEdition, tier: str) -> TierCondition:
    return TierCondition.objects.get(edition=edition, tier=tier)


def _check_campaign(campaign: Campaign | None, tier: str, factory: Factory) -> None:
    needs_campaign = _condition(
        campaign.tier_edition if campaign else selectors.tier_edition_current(), tier
    ).needs_campaign
    if not needs_campaign:
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
            code=ErrorCode.OPEN_APPLICATION_EXISTS,
            fields={"application": [str(existing.pk)]},
            existing_id=existing.pk,
        )
    edition = campaign.tier_edition if campaign else selectors.tier_edition_current()
    application = Application.objects.create(
        factory=factory,
        province_id=factory.province_id,
        city_id=factory.city_id,
        tier=tier,
        campaign=campaign,
        assessment=assessment or selectors.latest_assessment(factory),
        tier_edition=edition,
        workflow=_condition(edition, tier).workflow,
        state_changed_at=timezone.now(),
        created_by=actor,
    )
    DeclarationAnswer.objects.bulk_create(
        DeclarationAnswer(application=application, kind=kind) for kind in Declaration.values
    )
    event_record(
        event_type=EventType.CREATED,
        application=application,
        actor=actor,
        to_status=application.status,
    )
    return application


def _lock_editable(actor: User, application: Application) -> Application:
    """Lock the application for a change by a member, refused unless it is editable."""
    application = lock_application(application)
    decision = enterprise_can_manage(actor, application.factory.enterprise)
    if not decision:
        raise PermissionDenied(decision.reason)
    if not application.is_editable:
        raise Conflict(
            _("Only a draft or returned application can be changed."),
            code=ErrorCode.NOT_EDITABLE,
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
    application = _lock_editable(actor, application)
    if campaign is not ...:
        _check_campaign(campaign, application.tier, application.factory)
        if campaign is not None and campaign.tier_edition_id != application.tier_edition_id:
            if application.submission > 0:
                # Once submitted, the edition (rubric, experts, joint departments) and the
                # workflow stay those it was submitted under.
                message = _("Choose a campaign under the same tier conditions edition.")
                raise DomainError(message, fields={"campaign": [message]})
            application.tier_edition = campaign.tier_edition
            application.workflow = _condition(campaign.tier_edition, application.tier).workflow
        application.campaign = campaign
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
    application = _lock_editable(actor, application)
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


INDICATOR_LIMIT = Decimal("1e14")  # the value columns: 18 digits, 4 of them decimals
INDICATOR_STEP = Decimal("0.0001")


def _decimal(value: Any) -> Decimal:
    """An indicator value as stored (rounded to 4 decimals), in ASCII digits."""
    number = ascii_decimal(value)
    if abs(number) < INDICATOR_LIMIT:
        number = number.quantize(INDICATOR_STEP, rounding=ROUND_HALF_UP)
    if abs(number) >= INDICATOR_LIMIT:  # also 99999999999999.99999, rounded up to 10^14
        raise InvalidOperation
    return number


def _year(value: Any) -> int:
    year = ascii_int(value)
    if not 1949 <= year <= 2100:
        raise ValueError
    return year


@transaction.atomic
def application_indicators_set(
    *, actor: User, application: Application, indicators: list[dict[str, Any]]
) -> list[Indicator]:
    """Replace the key indicators, all or nothing."""
    application = _lock_editable(actor, application)
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
    application = _lock_editable(actor, application)
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
    application = _lock_editable(actor, application)
    if application.files.count() >= MAX_FILES_PER_APPLICATION:
        raise DomainError(
            _("An application holds at most %(count)d files.")
            % {"count": MAX_FILES_PER_APPLICATION},
            code=ErrorCode.TOO_MANY_FILES,
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
