"""The types of audit event. One per workflow action and certificate change; the values of the
first ten are the action names the audit log used before it was typed, so history reads on."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CREATED = "create", _("Application created")
    SUBMITTED = "submit", _("Submitted")
    CHECKS_PASSED = "checks_pass", _("Automated checks passed")
    CHECKS_FAILED = "checks_fail", _("Automated checks failed: returned")
    SELF_DECLARED = "self_declare", _("Self-declared (basic tier)")
    WITHDRAWN = "withdraw", _("Withdrawn")
    FILING_REJECTED = "reject_filing", _("Filing rejected by the city")
    FILING_CONFIRMED = "confirm_filing", _("Filing confirmed by the city")
    FORWARDED = "forward", _("Forwarded by the city to the province")
    RETURNED = "return", _("Returned for changes")
    REJECTED = "reject", _("Rejected")
    RESUMED = "resume", _("Back at the step that returned it")
    EXPERTS_ASSIGNED = "assign_experts", _("Experts assigned")
    EXPERTS_REMOVED = "unassign_experts", _("Experts removed by the department")
    ASSIGNMENT_ACCEPTED = "accept_assignment", _("Expert accepted the assignment")
    ASSIGNMENT_DECLINED = "decline_assignment", _("Expert declined the assignment")
    SCORED = "score", _("Expert scored")
    SENT_TO_JOINT = "send_to_joint", _("Sent to the joint departments")
    CONCURRED = "concur", _("Joint department concurred")
    OBJECTED = "object", _("Joint department objected")
    RECOMMENDED = "recommend", _("Recommended for publicity")
    CERTIFIED = "certify", _("Certified")
    PUBLICIZED = "publicize", _("Published for publicity")
    OBJECTION_LODGED = "objection_lodged", _("Objection lodged during publicity")
    OBJECTION_DISMISSED = "objection_dismissed", _("Objection investigated and dismissed")
    OBJECTION_UPHELD = "objection_upheld", _("Objection upheld")
    PREREQUISITE_LOST = "prerequisite_lost", _("Prerequisite certificate lost: returned")
    PROVINCE_PASSED = "province_pass", _("Passed the provincial review")
    RANKED = "rank", _("Put on the recommendation list")
    UNRANKED = "unrank", _("Taken off the recommendation list")
    SUBMITTED_TO_MIIT = "submit_to_miit", _("Recommended to MIIT")
    APPROVED = "approve", _("Approved by MIIT")
    SITE_VISIT_SCHEDULED = "schedule_site_visit", _("Site visit scheduled")
    SITE_VISIT_REPORTED = "report_site_visit", _("Site visit reported; cultivation started")
    MILESTONE_REPORTED = "report_milestone", _("Progress reported on a milestone")
    ACCEPTANCE_STARTED = "start_acceptance", _("Acceptance review started")
    ACCEPTANCE_PASSED = "pass_acceptance", _("Passed the acceptance")
    LEVELS_VERIFIED = "verify_levels", _("Verified levels recorded")
    CERTIFICATE_ISSUED = "issue", _("Certificate issued")
    CERTIFICATE_REVOKED = "revoke", _("Certificate revoked")
    CERTIFICATE_SUPERSEDED = "supersede", _("Certificate superseded by a newer one")
    CERTIFICATE_SUSPENDED = "suspend", _("Certificate suspended")
    CERTIFICATE_REINSTATED = "reinstate", _("Certificate reinstated")


# Steps of the review that are the officials' business: the applicant never sees them, and an
# expert sees the other experts' only once every expert has scored.
INTERNAL_EVENT_TYPES = frozenset(
    {
        EventType.EXPERTS_ASSIGNED,
        EventType.EXPERTS_REMOVED,
        EventType.ASSIGNMENT_ACCEPTED,
        EventType.ASSIGNMENT_DECLINED,
        EventType.SCORED,
        EventType.CONCURRED,
        EventType.OBJECTED,
        # Objections are the certifying authority's to see; an upheld one reaches the
        # applicant as the return or rejection it leads to, with the reason.
        EventType.OBJECTION_LODGED,
        EventType.OBJECTION_DISMISSED,
        EventType.RANKED,
        EventType.UNRANKED,
        EventType.LEVELS_VERIFIED,
    }
)
