"""Suspending, reinstating and revoking a certificate (issue 11): only its certifying
authority, always with a reason, each change audited and visible at once in the API."""

from __future__ import annotations

import pytest

from accounts.models import Role
from certification import services
from certification.models import AuditEvent, Certificate
from core.errors import Conflict, DomainError, PermissionDenied
from regions.models import Authority
from tests import model_factories as mf
from tests.certification.conftest import ready_basic
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(enterprise_user, applicant, media):
    application = ready_basic(enterprise_user, applicant, media)
    services.application_submit(actor=enterprise_user, application=application)
    services.application_run_checks(application_id=application.pk, submission=1)
    return Certificate.objects.get(application=application)


def test_the_issuing_bureau_suspends_reinstates_and_revokes_with_reasons(
    certificate, suzhou_official
):
    client = api_client_for(suzhou_official)
    url = f"/api/v1/certificates/{certificate.pk}/"
    offered = {a["action"]: a["allowed"] for a in client.get(url).json()["actions"]}
    assert offered == {"suspend": True, "revoke": True}

    answer = client.post(f"{url}suspend/", {"reason": "年度自评估逾期"}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "suspended" and body["status_reason"] == "年度自评估逾期"
    assert {a["action"] for a in body["actions"]} == {"reinstate", "revoke"}

    assert (
        client.post(f"{url}reinstate/", {"reason": "已补交"}, format="json").json()["status"]
        == "active"
    )
    assert (
        client.post(f"{url}revoke/", {"reason": "虚假申报"}, format="json").json()["status"]
        == "revoked"
    )
    events = list(
        AuditEvent.objects.filter(certificate=certificate)
        .order_by("at", "pk")
        .values_list("event_type", "from_status", "to_status", "reason", "actor_id")
    )
    assert events[1:] == [
        ("suspend", "active", "suspended", "年度自评估逾期", suzhou_official.pk),
        ("reinstate", "suspended", "active", "已补交", suzhou_official.pk),
        ("revoke", "active", "revoked", "虚假申报", suzhou_official.pk),
    ]
    # Revoked is final: nothing more is offered, and a further change is a conflict.
    assert client.get(url).json()["actions"] == []
    refused = client.post(f"{url}reinstate/", {"reason": "x"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"


def test_a_reason_is_required(certificate, suzhou_official):
    client = api_client_for(suzhou_official)
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        answer = client.post(f"/api/v1/certificates/{certificate.pk}/suspend/", body, format="json")
        assert answer.status_code == 400, body
        assert "reason" in answer.json()["fields"]
    certificate.refresh_from_db()
    assert certificate.status == "active"
    with pytest.raises(DomainError):
        services.certificate_suspend(actor=suzhou_official, certificate=certificate, reason=" ")


@pytest.mark.parametrize(
    ("role", "authority", "status"),
    [
        (Role.CITY_OFFICIAL, "320200-industry-it", 404),  # Wuxi: not in scope at all
        (Role.PROVINCIAL_OFFICIAL, "32-industry-it", 403),  # sees it, did not issue it
        (Role.MIIT_REVIEWER, None, 403),
        (Role.ENTERPRISE_USER, None, 403),  # the enterprise's own member
    ],
)
def test_only_the_certifying_authority_may_change_the_status(
    certificate, enterprise_user, role, authority, status
):
    if role == Role.ENTERPRISE_USER:
        user = enterprise_user
    elif authority is None:
        national = Authority.objects.filter(level="national", kind="industry_it").first()
        user = mf.UserFactory(role=role, authority=national)
    else:
        user = mf.official(role, authority)
    client = api_client_for(user)
    answer = client.post(
        f"/api/v1/certificates/{certificate.pk}/suspend/", {"reason": "x"}, format="json"
    )
    assert answer.status_code == status, answer.content
    assert set(answer.json()) >= {"code", "message"}
    certificate.refresh_from_db()
    assert certificate.status == "active"
    with pytest.raises(PermissionDenied):
        services.certificate_suspend(actor=user, certificate=certificate, reason="x")


def test_a_revoked_filing_and_a_conflicting_state_are_refused_in_the_service(
    certificate, suzhou_official
):
    services.certificate_revoke(actor=suzhou_official, certificate=certificate, reason="撤销")
    with pytest.raises(Conflict):
        services.certificate_suspend(actor=suzhou_official, certificate=certificate, reason="x")
