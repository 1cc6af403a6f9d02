"""The demo shows the feature: the Suzhou bureau has a finished export of its certificates."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from certification.selectors import certificate_list_for
from exports.models import ExportJob
from tests.certification.review_setup import calendar_ahead
from tests.exports.conftest import read_export

pytestmark = pytest.mark.django_db


def test_the_demo_official_has_a_finished_export(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    with calendar_ahead(), django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    official = User.objects.get(username="city_suzhou")
    job = ExportJob.objects.get(user=official)
    assert (job.kind, job.format, job.status) == ("certificates", "xlsx", ExportJob.Status.DONE)
    rows = read_export(job)
    assert rows[0][0] == "证书编号"
    expected = certificate_list_for(official).values_list("number", flat=True)
    assert sorted(row[0] for row in rows[1:]) == sorted(expected) and len(rows) > 1

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert ExportJob.objects.filter(user=official).count() == 1
