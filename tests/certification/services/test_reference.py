"""Reference data (services/reference.py): tier conditions editions in use are read-only,
copied for revision, and current only once published."""

from __future__ import annotations

import pytest

from certification import services
from core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_an_edition_in_use_is_read_only_and_copied_for_revision(client, jiangsu_campaign_officer):
    from accounts.services import user_create
    from certification.models import TierConditionsEdition

    edition = TierConditionsEdition.objects.get()
    admin_user = user_create(username="root", password="pw-for-tests-1", role="platform_admin")
    client.force_login(admin_user)
    url = f"/admin/certification/tierconditionsedition/{edition.pk}/change/"
    assert client.get(url).status_code == 200
    assert not services.edition_in_use(edition)
    services.campaign_open(actor=jiangsu_campaign_officer, tier="advanced", year=2027)
    assert services.edition_in_use(edition)
    response = client.post(url, {"edition": "changed", "title_zh": "x"})
    assert response.status_code == 403
    edition.refresh_from_db()
    assert edition.edition == "2025"
    copy = services.tier_conditions_copy(edition=edition, new_edition="2026")
    assert copy.conditions.count() == 4 and not services.edition_in_use(copy)
    assert (
        client.get(f"/admin/certification/tierconditionsedition/{copy.pk}/change/").status_code
        == 200
    )


def test_a_draft_edition_is_not_current_until_published(miit_reviewer):
    from certification.models import TierConditionsEdition
    from certification.selectors import tier_edition_current

    live = tier_edition_current()
    copy = services.tier_conditions_copy(edition=live, new_edition="2026")
    assert copy.status == TierConditionsEdition.Status.DRAFT
    assert tier_edition_current() == live
    services.tier_conditions_publish(edition=copy)
    assert tier_edition_current() == copy
    empty = TierConditionsEdition.objects.create(
        edition="empty", title_zh="x", scenario_catalogue=live.scenario_catalogue
    )
    with pytest.raises(DomainError):
        services.tier_conditions_publish(edition=empty)
    assert tier_edition_current() == copy
