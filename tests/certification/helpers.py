"""Helpers shared by the certification test modules: browser clients, the submit-and-check
round trip, form step URLs, and bulk applications for query-count tests."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from certification import selectors, services
from certification.models import Application
from tests import model_factories as mf
from tests.certification.conftest import ready_basic


def submit_and_check(user, application, capture):
    with capture(execute=True):
        services.application_submit(actor=user, application=application)
    application.refresh_from_db()
    return application


HTMX = {"HTTP_HX_REQUEST": "true"}


def browser_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def step_url(application, step: str) -> str:
    return f"/applications/{application.pk}/step/{step}/"


def submit(client, application, capture) -> None:
    """Submit in the browser; the eagerly run check task executes after the commit."""
    with capture(execute=True):
        response = client.post(f"/applications/{application.pk}/submit/")
    assert response.status_code == 302
    assert response.url == f"/applications/{application.pk}/"


def certified_basic(user, factory, media, capture) -> Application:
    application = ready_basic(user, factory, media)
    submit(browser_for(user), application, capture)
    application.refresh_from_db()
    assert application.status == Application.Status.CERTIFIED
    return application


def make_applications(count: int, status: str = "submitted", tier: str = "basic") -> list:
    user = mf.UserFactory()
    edition = selectors.tier_edition_current()
    now = timezone.now()
    return [
        Application.objects.create(
            factory=factory,
            province_id=factory.province_id,
            city_id=factory.city_id,
            tier=tier,
            tier_edition=edition,
            status=status,
            submission=1,
            submitted_at=now,
            created_by=user,
        )
        for factory in (mf.FactoryFactory() for _ in range(count))
    ]
