"""Data for the review chain (after 0004's schema, in a transaction of its own).

Gives the 2025 edition's tier conditions their workflow facts, snapshots each existing
application's workflow, sets since when each application waits at its state, moves advanced
applications that passed their checks (a dead end before) to the city's preliminary review, and
turns the comma-joined rule codes of failed checks into a list in ``extra_data``.
"""

from django.db import migrations

ADVANCED_RUBRIC = [
    {"code": "scenario_depth", "name_zh": "场景建设深度", "name_en": "Depth of the scenarios", "weight": 0.4},
    {"code": "indicators", "name_zh": "关键指标与省内同行比较", "name_en": "Indicators against provincial peers", "weight": 0.3},
    {"code": "leading_role", "name_zh": "引领带动作用", "name_en": "Leading and driving role", "weight": 0.2},
    {"code": "declarations", "name_zh": "基本要求落实", "name_en": "Basic requirements", "weight": 0.1},
]
JOINT_KINDS = ["development_reform", "finance", "state_assets", "market_supervision", "data_administration"]
TIER_FACTS = {
    "basic": dict(needs_campaign=False, workflow="basic_2025", certifying_level="city", certificate_prefix="ZN-B", publicity_required=False),
    "advanced": dict(workflow="advanced_2025", certifying_level="province", certificate_prefix="ZN-A", min_experts=3, review_rubric=ADVANCED_RUBRIC, joint_department_kinds=JOINT_KINDS),
    "excellent": dict(workflow="checks_only_2025", certifying_level="national", certificate_prefix="ZN-E"),
    "leading": dict(workflow="checks_only_2025", certifying_level="national", certificate_prefix="ZN-L"),
}


def forwards(apps, schema_editor):
    TierCondition = apps.get_model("certification", "TierCondition")
    Application = apps.get_model("certification", "Application")
    AuditEvent = apps.get_model("certification", "AuditEvent")
    for tier, facts in TIER_FACTS.items():
        TierCondition.objects.filter(tier=tier).update(**facts)
        Application.objects.filter(tier=tier).update(workflow=facts["workflow"])
    # Since when each application waits at its state: its last known change.
    for application in Application.objects.all().only(
        "decided_at", "checked_at", "submitted_at", "created_at"
    ):
        application.state_changed_at = (
            application.decided_at
            or application.checked_at
            or application.submitted_at
            or application.created_at
        )
        application.save(update_fields=["state_changed_at"])
    for application in Application.objects.filter(tier="advanced", status="checks_passed"):
        AuditEvent.objects.create(
            application=application, event_type="resume", from_status="checks_passed",
            to_status="city_review", reason="Review chain introduced: waiting for the city.",
        )
        application.status = "city_review"
        application.state_changed_at = application.checked_at or application.state_changed_at
        application.save(update_fields=["status", "state_changed_at"])
    for event in AuditEvent.objects.filter(event_type="checks_fail").exclude(reason=""):
        codes = [code.strip() for code in event.reason.split(",") if code.strip()]
        event.extra_data = {"failed_rules": codes}
        event.reason = ""
        event.save(update_fields=["extra_data", "reason"])


OLD_STATES = ["draft", "submitted", "checks_passed", "returned", "certified", "rejected", "withdrawn"]


def backwards(apps, schema_editor):
    """Review states fold back into "checks passed" (the old dead end), in the applications and
    in the audit events that are kept, so the narrower old columns hold them."""
    Application = apps.get_model("certification", "Application")
    AuditEvent = apps.get_model("certification", "AuditEvent")
    Application.objects.exclude(status__in=OLD_STATES).update(status="checks_passed")
    for event in AuditEvent.objects.filter(event_type="checks_fail"):
        event.reason = ", ".join(event.extra_data.get("failed_rules", []))
        event.save(update_fields=["reason"])
    AuditEvent.objects.exclude(
        event_type__in=["create", "submit", "checks_pass", "checks_fail", "self_declare", "withdraw", "reject_filing", "issue", "revoke", "supersede"]
    ).delete()
    AuditEvent.objects.exclude(from_status__in=["", *OLD_STATES, "active", "suspended", "revoked", "superseded"]).update(from_status="checks_passed")
    AuditEvent.objects.exclude(to_status__in=[*OLD_STATES, "active", "suspended", "revoked", "superseded"]).update(to_status="checks_passed")



class Migration(migrations.Migration):
    dependencies = [("certification", "0004_workflow_facts_typed_audit_and_reviews")]

    operations = [migrations.RunPython(forwards, backwards)]
