"""The cell rules of the writers (no database)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from exports.kinds import Column
from exports.kinds import ColumnKind as K
from exports.writers import CellMaker, CsvSink, safe_text

COLUMNS = [
    Column("name", "name"),
    Column("tier", "tier", K.CHOICE),
    Column("city", "city", K.BILINGUAL),
    Column("when", "at", K.DATETIME),
    Column("on", "on", K.DATE),
    Column("flag", "flag", K.BOOLEAN),
    Column("score", "score", K.NUMBER),
]
ROW = {
    "name": '=HYPERLINK("http://x")',
    "tier": "basic",
    "city__name_zh": "苏州市",
    "city__name_en": "Suzhou",
    "at": datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=UTC),
    "on": date(2026, 5, 6),
    "flag": True,
    "score": Decimal("3.50"),
}


def _maker(*, english: bool, xlsx: bool) -> CellMaker:
    labels = {"tier": {"basic": "Basic" if english else "基础级"}}
    yes_no = ("Yes", "No") if english else ("是", "否")
    return CellMaker(COLUMNS, english=english, labels=labels, yes_no=yes_no, for_xlsx=xlsx)


def test_text_that_a_spreadsheet_would_run_is_escaped():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx"):
        assert safe_text(text) == "'" + text
    assert safe_text("苏州 1") == "苏州 1"


def test_csv_cells_are_text_in_the_jobs_language():
    cells = _maker(english=False, xlsx=False).cells(ROW)
    # Shanghai time, without microseconds
    assert cells == [
        '\'=HYPERLINK("http://x")',
        "基础级",
        "苏州市",
        "2026-01-02 11:04:05",
        "2026-05-06",
        "是",
        "3.50",
    ]
    assert _maker(english=True, xlsx=False).cells(ROW)[1:3] == ["Basic", "Suzhou"]


def test_xlsx_cells_keep_dates_and_numbers_typed():
    cells = _maker(english=True, xlsx=True).cells(ROW)
    assert cells[3] == datetime(2026, 1, 2, 11, 4, 5) and cells[3].tzinfo is None
    assert cells[4] == date(2026, 5, 6) and cells[6] == Decimal("3.50")


def test_empty_values_are_empty_cells():
    assert _maker(english=True, xlsx=True).cells({}) == [""] * len(COLUMNS)


def test_csv_starts_with_a_byte_order_mark():
    handle = io.StringIO()
    sink = CsvSink(handle)
    sink.header(["工厂", "城市"])
    sink.rows([["a,b", "c"]])
    sink.close()
    assert handle.getvalue() == '\ufeff工厂,城市\r\n"a,b",c\r\n'
