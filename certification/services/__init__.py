"""Writes for certification, one module per sub-domain. The public services are re-exported
here, so callers write ``services.application_submit(...)`` whatever module holds it."""

from certification.services.campaigns import campaign_open
from certification.services.certificates import (
    basic_declaration_reject,
    basic_filing_confirm,
    certificate_reinstate,
    certificate_revoke,
    certificate_suspend,
)
from certification.services.checks import (
    application_run_checks,
    application_submit,
    application_withdraw,
    applications_check_unchecked,
    applications_run_checks,
)
from certification.services.deadlines import assessment_submitted, deadlines_sweep
from certification.services.documents import certificate_documents_render
from certification.services.drafting import (
    MAX_FILES_PER_APPLICATION,
    application_claims_set,
    application_create,
    application_declarations_set,
    application_file_add,
    application_indicators_set,
    application_update,
)
from certification.services.national import recommendation_reorder, recommendation_submit
from certification.services.notifications import application_notify
from certification.services.publicity import (
    filings_awaiting_publicity,
    objection_decide,
    objection_lodge,
    publicity_publish,
    publicity_publish_filings,
)
from certification.services.reference import (
    catalogue_in_use,
    certification_load_reference,
    edition_in_use,
    tier_conditions_copy,
    tier_conditions_publish,
)

__all__ = [
    "MAX_FILES_PER_APPLICATION",
    "application_claims_set",
    "application_create",
    "application_declarations_set",
    "application_file_add",
    "application_indicators_set",
    "application_notify",
    "application_run_checks",
    "applications_run_checks",
    "application_submit",
    "application_update",
    "application_withdraw",
    "applications_check_unchecked",
    "assessment_submitted",
    "deadlines_sweep",
    "basic_declaration_reject",
    "basic_filing_confirm",
    "campaign_open",
    "certificate_reinstate",
    "certificate_revoke",
    "certificate_suspend",
    "catalogue_in_use",
    "certificate_documents_render",
    "certification_load_reference",
    "edition_in_use",
    "objection_decide",
    "objection_lodge",
    "filings_awaiting_publicity",
    "publicity_publish",
    "publicity_publish_filings",
    "recommendation_reorder",
    "recommendation_submit",
    "tier_conditions_copy",
    "tier_conditions_publish",
]
