"""Campaigns (services/campaigns.py): who may open which tier's campaign, windows and quotas."""

from __future__ import annotations

import pytest

from certification import services
from core.errors import Conflict, DomainError, PermissionDenied

pytestmark = pytest.mark.django_db


def test_campaigns_are_opened_by_the_right_authority(
    jiangsu_campaign_officer, miit_reviewer, suzhou_official
):
    with pytest.raises(PermissionDenied):
        services.campaign_open(actor=suzhou_official, tier="advanced", year=2027)
    with pytest.raises(PermissionDenied):
        services.campaign_open(actor=jiangsu_campaign_officer, tier="excellent", year=2027)
    excellent = services.campaign_open(actor=miit_reviewer, tier="excellent", year=2027)
    assert (excellent.opens_on.month, excellent.closes_on.day) == (6, 30)
    quotas = dict(excellent.quotas.values_list("province_id", "quota"))
    assert quotas["66"] == 5 and quotas["32"] == 20 and len(quotas) == 32
    leading = services.campaign_open(actor=miit_reviewer, tier="leading", year=2027)
    assert set(leading.quotas.values_list("quota", flat=True)) == {1}
    with pytest.raises(Conflict):
        services.campaign_open(actor=miit_reviewer, tier="excellent", year=2027)
    with pytest.raises(DomainError):
        services.campaign_open(actor=miit_reviewer, tier="basic", year=2027)


def test_a_person_confirms_a_closed_window_an_overlap_or_a_skipped_batch(jiangsu_campaign_officer):
    """campaign_open(warn=True), as the page and the API call it: each warning is at the
    ``confirm`` field, nothing is written until the person confirms (warn=False)."""
    from datetime import date, timedelta

    from django.utils import timezone

    from certification.error_codes import ErrorCode
    from certification.models import Campaign

    today = timezone.localdate()
    year = today.year + 1
    first = services.campaign_open(
        actor=jiangsu_campaign_officer, tier="advanced", year=year, warn=True
    )
    cases = {
        "closed": {
            "year": today.year - 1,
            "opens_on": date(today.year - 1, 3, 1),
            "closes_on": today - timedelta(days=1),
        },
        "overlap": {
            "year": year,
            "batch": 2,
            "opens_on": first.closes_on,
            "closes_on": first.closes_on + timedelta(days=10),
        },
        "skipped": {
            "year": year,
            "batch": 3,
            "opens_on": date(year, 9, 1),
            "closes_on": date(year, 9, 30),
        },
    }
    expected = {
        "closed": [today - timedelta(days=1)],
        "overlap": [f"{first.opens_on.isoformat()}"],
        "skipped": ["2"],
    }
    for name, values in cases.items():
        with pytest.raises(Conflict) as refused:
            services.campaign_open(
                actor=jiangsu_campaign_officer, tier="advanced", warn=True, **values
            )
        assert refused.value.code == ErrorCode.CONFIRMATION_NEEDED, name
        (warning,) = refused.value.fields["confirm"]
        assert all(str(part) in warning for part in expected[name]), (name, warning)
    assert Campaign.objects.filter(authority=first.authority).count() == 1
    confirmed = services.campaign_open(
        actor=jiangsu_campaign_officer, tier="advanced", **cases["skipped"]
    )
    assert confirmed.batch == 3
    # A window in order (the next batch, after the others) needs no confirmation.
    services.campaign_open(
        actor=jiangsu_campaign_officer,
        tier="advanced",
        year=year,
        batch=2,
        opens_on=date(year, 6, 1),
        closes_on=date(year, 6, 30),
        warn=True,
    )
