"""Writing an export's rows to a CSV or XLSX file: plain values in, a file on disk out. No ORM
and no request, so the cell rules are tested on their own.

CSV is UTF-8 with a byte-order mark (Excel then reads the Chinese text right). XLSX is written
by openpyxl's write-only workbook, which streams each row to a temporary file: memory stays
bounded whatever the number of rows. Text that a spreadsheet would run as a formula (starting
with ``=``, ``+``, ``-``, ``@`` or a control character) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Protocol

from django.utils import timezone
from openpyxl import Workbook

from exports.kinds import Column
from exports.kinds import ColumnKind as K

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class CellMaker:
    """Turns a ``values()`` row into the cells of the export's columns, in one language.
    ``labels``: for each CHOICE column's field, the label of each stored value; ``yes_no``:
    the two words of BOOLEAN columns."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        english: bool,
        labels: dict[str, dict[str, str]],
        yes_no: tuple[str, str],
        for_xlsx: bool,
    ) -> None:
        self.columns = list(columns)
        self.english = english
        self.labels = labels
        self.yes_no = yes_no
        self.for_xlsx = for_xlsx
        self.zone = timezone.get_current_timezone()

    def cells(self, row: dict[str, Any]) -> list[Any]:
        return [self.cell(column, row) for column in self.columns]

    def cell(self, column: Column, row: dict[str, Any]) -> Any:
        kind = column.kind
        if kind == K.BILINGUAL:
            zh, en = (row.get(path) for path in column.paths())
            value: Any = (en or zh) if self.english else (zh or en)
            return safe_text(value) if value else ""
        value = row.get(column.field)
        if value is None or value == "":
            return ""
        if kind == K.CHOICE:
            return self.labels.get(column.field, {}).get(value, value)
        if kind == K.BOOLEAN:
            return self.yes_no[0] if value else self.yes_no[1]
        if kind == K.DATETIME and isinstance(value, datetime):
            local = value.astimezone(self.zone).replace(tzinfo=None, microsecond=0)
            return local if self.for_xlsx else local.isoformat(sep=" ")
        if kind == K.DATE and isinstance(value, date):
            return value if self.for_xlsx else value.isoformat()
        if kind == K.NUMBER:
            if isinstance(value, Decimal) and not self.for_xlsx:
                return format(value, "f")
            return value
        return safe_text(str(value))


class Sink(Protocol):
    def header(self, titles: Sequence[str]) -> None: ...

    def rows(self, rows: Iterable[Sequence[Any]]) -> None: ...

    def close(self) -> None: ...


class CsvSink:
    def __init__(self, handle: IO[str]) -> None:
        handle.write("\ufeff")
        self.handle = handle
        self.writer = csv.writer(handle)

    def header(self, titles: Sequence[str]) -> None:
        self.writer.writerow(titles)

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        self.writer.writerows(rows)

    def close(self) -> None:
        self.handle.flush()


class XlsxSink:
    def __init__(self, path: str, *, title: str) -> None:
        self.path = path
        self.workbook = Workbook(write_only=True)
        # A sheet title is at most 31 characters and has none of []:*?/\
        clean = "".join(c for c in title if c not in "[]:*?/\\")[:31]
        self.sheet = self.workbook.create_sheet(title=clean or "Export")

    def header(self, titles: Sequence[str]) -> None:
        self.sheet.append(list(titles))

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.sheet.append(list(row))

    def close(self) -> None:
        self.workbook.save(self.path)
