"""core.bulk.insert_rows: rows written by COPY read back as the ORM wrote them, awkward text
included, with the primary keys in the order of the rows and the fields' defaults."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certification.models import AuditEvent, CheckResult
from core.bulk import insert_rows
from tests.certification.helpers import make_applications

pytestmark = pytest.mark.django_db

AWKWARD = [
    "制造执行系统（MES）\t覆盖全部产线",
    "line one\nline two\r\nline three",
    "a back\\slash and a literal \\N that is not NULL",
    "",
    "emoji 🏭 and quotes ' \" ,",
]


def test_rows_read_back_as_written_with_ids_in_order_and_defaults():
    (application,) = make_applications(1)
    before = timezone.now()
    rows = [
        (application.pk, "checks_fail", "submitted", "returned", {"failed_rules": [text]})
        for text in AWKWARD
    ]
    ids = insert_rows(
        AuditEvent,
        ("application_id", "event_type", "from_status", "to_status", "extra_data"),
        rows,
    )
    assert len(ids) == len(set(ids)) == len(AWKWARD)
    stored = AuditEvent.objects.in_bulk(ids)
    for pk, text in zip(ids, AWKWARD, strict=True):
        event = stored[pk]
        assert event.extra_data == {"failed_rules": [text]}
        assert (event.application_id, event.event_type, event.to_status) == (
            application.pk,
            "checks_fail",
            "returned",
        )
        # Left out: NULL foreign keys, the empty reason, "at" set to now.
        assert event.actor_id is None and event.certificate_id is None
        assert event.reason == "" and before <= event.at <= timezone.now()


def test_text_columns_keep_tabs_newlines_backslashes_and_nulls_apart():
    (application,) = make_applications(1)
    insert_rows(
        CheckResult,
        ("application_id", "submission", "rule", "passed", "message_zh", "message_en"),
        [
            (application.pk, 1, f"rule_{n}", n % 2 == 0, text, text[::-1])
            for n, text in enumerate(AWKWARD)
        ],
        returning=False,
    )
    stored = list(CheckResult.objects.filter(application=application).order_by("rule"))
    assert [(r.rule, r.passed, r.message_zh, r.message_en) for r in stored] == [
        (f"rule_{n}", n % 2 == 0, text, text[::-1]) for n, text in enumerate(AWKWARD)
    ]


def test_one_copy_whatever_the_rows_and_it_is_in_the_query_log():
    (application,) = make_applications(1)

    def statements(count: int, submission: int) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            insert_rows(
                CheckResult,
                ("application_id", "submission", "rule", "passed", "message_zh", "message_en"),
                [(application.pk, submission, f"r{n}", True, "", "") for n in range(count)],
                returning=False,
            )
        return [q["sql"] for q in captured.captured_queries]

    small, large = statements(2, 1), statements(300, 2)
    assert len(small) == len(large) == 1 and large[0].startswith("COPY")
    assert CheckResult.objects.filter(application=application).count() == 302


def test_a_row_that_breaks_a_constraint_writes_nothing():
    (application,) = make_applications(1)

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(
            CheckResult,
            ("application_id", "submission", "rule", "passed", "message_zh", "message_en"),
            [(application.pk, 1, "same", True, "", ""), (application.pk, 1, "same", True, "", "")],
            returning=False,
        )
    assert not CheckResult.objects.filter(application=application).exists()
