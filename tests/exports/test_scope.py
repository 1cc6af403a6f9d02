"""An export holds exactly the rows the list's scoped selector gives its user, with the
filters that were on screen; columns vary by role and headers follow the job's language."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from assessments.selectors import assessment_list_for
from certification import selectors
from core.errors import PermissionDenied
from exports import services
from exports.kinds import kind_get
from exports.models import ExportJob
from tests import model_factories as mf
from tests.exports.conftest import export, read_export
from tests.exports.data import NANJING, SUZHOU, build_world, factory_rows

pytestmark = pytest.mark.django_db


def _ids(rows: list[list[str]]) -> list[str]:
    """The first column of the data rows: the id or certificate number of each row."""
    return [row[0] for row in rows[1:]]


# Independently of the export code: each list's identifiers straight from its selector.
EXPECTED = {
    "applications": lambda user: [
        str(pk) for pk in selectors.application_list_for(user).values_list("pk", flat=True)
    ],
    "certificates": lambda user: list(
        selectors.certificate_list_for(user).values_list("number", flat=True)
    ),
    "assessments": lambda user: [
        str(pk) for pk in assessment_list_for(user).values_list("pk", flat=True)
    ],
    "basic_filings": lambda user: list(
        selectors.certificate_list_for(user)
        .filter(self_declared=True)
        .values_list("number", flat=True)
    ),
    "worklist": lambda user: [
        str(pk) for pk in selectors.worklist_for(user).values_list("pk", flat=True)
    ],
}
USERS = ("city", "province", "enterprise_user", "miit")


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_holds_exactly_the_rows_its_user_may_see(world, kind, who, fmt):
    user = getattr(world, who)
    declared = kind_get(kind)
    assert declared is not None
    if not declared.may_export(user):
        with pytest.raises(PermissionDenied):
            services.export_job_create(actor=user, kind=kind, format=fmt, filters={}, language="en")
        assert kind in ("basic_filings", "worklist")
        return
    expected = EXPECTED[kind](user)
    assert expected, "the world gives every exportable list some rows"
    rows = read_export(export(user, kind, fmt=fmt))
    assert sorted(_ids(rows)) == sorted(expected)
    assert len(_ids(rows)) == len(set(_ids(rows)))  # no row twice across batches


def test_scoped_exports_leave_other_regions_out(world):
    """The scope is not trivially everything: each official's rows are a strict subset."""
    everything = set(EXPECTED["certificates"](world.miit))
    city = set(_ids(read_export(export(world.city, "certificates"))))
    province = set(_ids(read_export(export(world.province, "certificates"))))
    assert city < province < everything


def test_the_on_screen_filters_apply(world):
    applications = _ids(
        read_export(
            export(
                world.province,
                "applications",
                filters={"tier": ["advanced"], "status": ["city_review"], "page": ["3"]},
            )
        )
    )
    expected = selectors.application_list_for(world.province).filter(
        tier="advanced", status="city_review"
    )
    assert sorted(applications) == sorted(str(pk) for pk in expected.values_list("pk", flat=True))
    assert 0 < len(applications) < len(EXPECTED["applications"](world.province))

    certificates = _ids(
        read_export(export(world.miit, "certificates", filters={"tier": ["advanced"]}))
    )
    assert certificates == []  # every certificate of the world is basic

    assessments = _ids(
        read_export(export(world.province, "assessments", filters={"city": [NANJING]}))
    )
    nanjing = assessment_list_for(world.province).filter(city_id=NANJING)
    assert sorted(assessments) == sorted(str(pk) for pk in nanjing.values_list("pk", flat=True))
    assert nanjing.exists()


def test_filters_a_page_would_ignore_are_ignored(world):
    rows = read_export(export(world.city, "applications", filters={"tier": ["nonsense"]}))
    assert sorted(_ids(rows)) == sorted(EXPECTED["applications"](world.city))


def test_columns_vary_by_role_and_headers_follow_the_language(world):
    official = read_export(export(world.city, "applications", language="en"))
    own = read_export(export(world.enterprise_user, "applications", language="en"))
    assert official[0][:7] == [
        "No.",
        "Factory",
        "Enterprise",
        "Unified social credit code",
        "Province",
        "City",
        "Tier",
    ]
    assert "Enterprise" not in own[0] and "City" not in own[0]
    assert own[0][:3] == ["No.", "Factory", "Tier"]

    chinese = read_export(export(world.city, "applications", fmt="xlsx", language="zh-hans"))
    assert chinese[0][:3] == ["编号", "工厂", "企业"]
    assert "梯度等级" in chinese[0] and "状态" in chinese[0]
    tier = chinese[0].index("梯度等级")
    city = chinese[0].index("城市")
    by_id = {row[0]: row for row in chinese[1:]}
    english_by_id = {row[0]: row for row in official[1:]}
    for pk, row in by_id.items():
        english_tier = english_by_id[pk][official[0].index("Tier")]
        assert (english_tier, row[tier]) in {
            ("Basic", "基础级"),
            ("Advanced", "先进级"),
            ("Excellent", "卓越级"),
            ("Leading", "领航级"),
        }
        assert row[city] == "苏州市"
        assert english_by_id[pk][official[0].index("City")] == "Suzhou"


def test_the_scope_is_that_of_the_user_when_the_export_runs(world):
    job = services.export_job_create(
        actor=world.city, kind="applications", format="csv", filters={}, language="en"
    )
    # Moved to Nanjing's bureau before the task ran: the export holds Nanjing's rows.
    world.city.authority = mf.official(Role.CITY_OFFICIAL, f"{NANJING}-industry-it").authority
    world.city.save()
    job = services.export_job_run(job_id=job.pk)
    assert job is not None
    rows = _ids(read_export(job))
    assert sorted(rows) == sorted(EXPECTED["applications"](world.city))
    suzhou = selectors.application_list_for(world.province).filter(city_id=SUZHOU)
    assert not set(rows) & {str(pk) for pk in suzhou.values_list("pk", flat=True)}


def test_a_done_job_is_not_written_again(world):
    job = export(world.city, "certificates")
    name = job.file.name
    again = services.export_job_run(job_id=job.pk)
    assert again is not None and again.file.name == name and again.finished_at == job.finished_at


def _queries(user, kind: str) -> int:
    job = services.export_job_create(
        actor=user, kind=kind, format="xlsx", filters={}, language="en"
    )
    with CaptureQueriesContext(connection) as captured:
        services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    return len(captured)


@pytest.mark.parametrize("kind", ["applications", "certificates", "assessments", "worklist"])
def test_the_query_count_does_not_grow_with_the_rows(kind):
    world = build_world(per_city=1)
    user = world.province
    small = _queries(user, kind)
    rows_before = len(EXPECTED[kind](user))
    owner = mf.UserFactory()
    for factory in world.factories * 3:
        factory_rows(mf.FactoryFactory(enterprise=factory.enterprise), owner)
    assert len(EXPECTED[kind](user)) >= 3 * rows_before
    assert _queries(user, kind) == small
