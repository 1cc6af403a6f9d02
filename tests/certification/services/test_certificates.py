"""Certificates (services/certificates.py): the city revokes a basic filing, a new certificate
supersedes the current one."""

from __future__ import annotations

import pytest

from certification import services
from certification.models import Application, AuditEvent, Certificate
from core.errors import DomainError, PermissionDenied
from tests import model_factories as mf
from tests.certification.conftest import ready_basic
from tests.certification.helpers import submit_and_check

pytestmark = pytest.mark.django_db


def test_city_rejects_a_basic_declaration_and_the_certificate_is_revoked(
    enterprise_user, applicant, media, suzhou_official, django_capture_on_commit_callbacks
):
    application = submit_and_check(
        enterprise_user,
        ready_basic(enterprise_user, applicant, media),
        django_capture_on_commit_callbacks,
    )
    nanjing = mf.official("city_official", "320100-industry-it")
    with pytest.raises(PermissionDenied):
        services.basic_declaration_reject(actor=nanjing, application=application, reason="x")
    with pytest.raises(DomainError):
        services.basic_declaration_reject(
            actor=suzhou_official, application=application, reason=" "
        )
    services.basic_declaration_reject(
        actor=suzhou_official, application=application, reason="现场核查不符"
    )
    application.refresh_from_db()
    certificate = Certificate.objects.get(application=application)
    assert application.status == Application.Status.REJECTED
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.status_reason == "现场核查不符"
    event = AuditEvent.objects.get(certificate=certificate, event_type="revoke")
    assert (event.actor, event.from_status, event.to_status) == (
        suzhou_official,
        "active",
        "revoked",
    )


def test_a_new_certificate_supersedes_the_current_one(
    enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    first = submit_and_check(
        enterprise_user,
        ready_basic(enterprise_user, applicant, media),
        django_capture_on_commit_callbacks,
    )
    second = submit_and_check(
        enterprise_user,
        ready_basic(enterprise_user, applicant, media),
        django_capture_on_commit_callbacks,
    )
    assert second.status == Application.Status.CERTIFIED
    old, new = (
        Certificate.objects.get(application=first),
        Certificate.objects.get(application=second),
    )
    assert (old.status, new.status) == ("superseded", "active")
    assert AuditEvent.objects.filter(certificate=old, event_type="supersede").exists()
