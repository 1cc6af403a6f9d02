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
