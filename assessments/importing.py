"""Reading and checking an official requirement set (CSV or JSON). Pure: no ORM.

``parse_requirement_set`` turns a file's text into the ``requirement_set`` dict that
``assessments.services.model_version_create`` takes. It collects every problem in the file, each
with the line it is on, and raises ``RequirementSetError`` with all of them, so that a bad file
is reported in one go and nothing is written. The formats are described in
docs/maturity-model-import.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import DomainError

INDUSTRY_TYPES = ("discrete", "process")
LEVELS = range(1, 6)
CODE_MAX_LENGTH = 60  # Requirement.code
CODE_PATTERN = re.compile(r"[A-Za-z0-9._-]+")
# SubDomain.weight is a DecimalField(max_digits=6, decimal_places=3).
WEIGHT_MAX = Decimal("999.999")
WEIGHT_STEP = Decimal("0.001")

CSV_REQUIRED_COLUMNS = ("code", "subdomain", "level", "text_zh")
CSV_OPTIONAL_COLUMNS = ("text_en", "weight", "not_applicable")
JSON_KEYS = (
    "requirements",
    "weights",
    "not_applicable",
    "notice_zh",
    "notice_en",
    "illustrative",
    "model_code",
    "set_code",
)
JSON_REQUIREMENT_KEYS = ("code", "subdomain", "level", "text_zh", "text_en")


class RequirementSetError(DomainError):
    """The file is not a valid requirement set. ``errors`` lists every problem, by line."""

    default_code = "invalid_requirement_set"

    def __init__(self, errors: list[str]) -> None:
        message = ngettext(
            "The requirement set has %(count)d error.",
            "The requirement set has %(count)d errors.",
            len(errors),
        ) % {"count": len(errors)}
        super().__init__(message, fields={"file": list(errors)})
        self.errors = list(errors)


@dataclass(frozen=True)
class RequirementSet:
    """A checked requirement set; ``data`` is what ``model_version_create`` takes."""

    data: dict[str, Any]

    @property
    def requirement_count(self) -> int:
        return len(self.data["requirements"])


@dataclass
class _Row:
    """One requirement as read from the file, before it is checked."""

    line: int
    code: Any
    subdomain: Any
    level: Any
    text_zh: Any
    text_en: Any


@dataclass
class _Parsed:
    """What a format reader found; the checks common to both formats come after."""

    rows: list[_Row] = field(default_factory=list)
    weights: dict[str, Decimal] = field(default_factory=dict)
    not_applicable: dict[str, set[str]] = field(
        default_factory=lambda: {industry: set() for industry in INDUSTRY_TYPES}
    )
    notice_zh: str = ""
    notice_en: str = ""


class _Problems:
    """Problems with the line they are on; ``None`` stands for the file as a whole."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self._items: list[tuple[int | None, str]] = []

    def add(self, line: int | None, message: str) -> None:
        self._items.append((line, message))

    def __bool__(self) -> bool:
        return bool(self._items)

    def messages(self) -> list[str]:
        """Sorted by line (stable), whole-file problems last."""
        ordered = sorted(self._items, key=lambda item: (item[0] is None, item[0] or 0))
        return [
            _("line %(line)d: %(problem)s") % {"line": line, "problem": message}
            if line is not None
            else _("%(file)s: %(problem)s") % {"file": self.filename, "problem": message}
            for line, message in ordered
        ]


def subdomain_codes(structure: dict[str, Any]) -> list[str]:
    """The structure's sub-domain codes, in the standard's order."""
    return [
        subdomain["code"]
        for element in structure["elements"]
        for domain in element["domains"]
        for subdomain in domain["subdomains"]
    ]


def parse_requirement_set(text: str, *, filename: str, structure: dict[str, Any]) -> RequirementSet:
    """Read a requirement set from ``text``; the format follows the extension of ``filename``.

    Raises ``RequirementSetError`` listing every problem found.
    """
    problems = _Problems(Path(filename).name)
    known = subdomain_codes(structure)
    text = text.removeprefix("\ufeff")
    extension = Path(filename).suffix.lower()
    parsed: _Parsed | None
    if extension == ".csv":
        parsed = _read_csv(text, problems)
    elif extension == ".json":
        parsed = _read_json(text, structure, known, problems)
    else:
        problems.add(
            None,
            _("unsupported file type '%(extension)s': use .csv or .json")
            % {"extension": extension},
        )
        parsed = None
    if parsed is None:
        raise RequirementSetError(problems.messages())

    requirements = _check_rows(parsed.rows, known, problems)
    _check_coverage(parsed, known, problems)
    if problems:
        raise RequirementSetError(problems.messages())
    return RequirementSet(
        data={
            "requirements": requirements,
            "weights": {code: parsed.weights.get(code, Decimal(1)) for code in known},
            "not_applicable": {
                industry: [code for code in known if code in parsed.not_applicable[industry]]
                for industry in INDUSTRY_TYPES
            },
            "notice_zh": parsed.notice_zh,
            "notice_en": parsed.notice_en,
        }
    )


# Checks common to both formats ------------------------------------------------------------------


def _check_rows(rows: list[_Row], known: list[str], problems: _Problems) -> list[dict[str, Any]]:
    """Check each requirement; return them as dicts in the file's order."""
    first_line_of_code: dict[str, int] = {}
    requirements = []
    for row in rows:
        code = _text(row.code, row.line, "code", problems)
        subdomain = _text(row.subdomain, row.line, "subdomain", problems)
        text_zh = _text(row.text_zh, row.line, "text_zh", problems)
        text_en = _text(row.text_en, row.line, "text_en", problems)
        level = _level(row.level)

        if not code:
            problems.add(row.line, _("empty code"))
        elif len(code) > CODE_MAX_LENGTH:
            problems.add(
                row.line,
                _("code '%(code)s' is longer than %(max)d characters")
                % {"code": code, "max": CODE_MAX_LENGTH},
            )
        elif not CODE_PATTERN.fullmatch(code):
            problems.add(
                row.line,
                _("code '%(code)s' may only contain letters, digits, '.', '-' and '_'")
                % {"code": code},
            )
        elif code in first_line_of_code:
            problems.add(
                row.line,
                _("duplicate code '%(code)s' (first used on line %(first)d)")
                % {"code": code, "first": first_line_of_code[code]},
            )
        else:
            first_line_of_code[code] = row.line

        if not subdomain:
            problems.add(row.line, _("empty sub-domain"))
        elif subdomain not in known:
            problems.add(row.line, _("unknown sub-domain '%(value)s'") % {"value": subdomain})
        if level is None:
            problems.add(
                row.line,
                _("level '%(value)s' is not a whole number from 1 to 5")
                % {"value": "" if row.level is None else row.level},
            )
        if not text_zh:
            problems.add(row.line, _("empty Chinese text (text_zh)"))

        requirements.append(
            {
                "code": code,
                "subdomain": subdomain,
                "level": level,
                "text_zh": text_zh,
                "text_en": text_en,
            }
        )
    return requirements


def _check_coverage(parsed: _Parsed, known: list[str], problems: _Problems) -> None:
    """Problems with the set as a whole: no requirements, a sub-domain without any."""
    if not parsed.rows:
        problems.add(None, _("the file has no requirements"))
        return
    used = {row.subdomain.strip() for row in parsed.rows if isinstance(row.subdomain, str)}
    for code in known:
        if code not in used:
            problems.add(None, _("sub-domain '%(code)s' has no requirements") % {"code": code})


def _text(value: Any, line: int, name: str, problems: _Problems) -> str:
    """A text field, stripped; a missing one is empty, a non-text one is a problem."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    problems.add(line, _("'%(field)s' must be text") % {"field": name})
    return ""


def _level(value: Any) -> int | None:
    """The level as an int from 1 to 5, or None when it is anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and value in LEVELS:
        return value
    return None


def _weight(value: Any) -> Decimal | None:
    """A positive weight with at most three decimals (below 1000), or None."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, str):
            number = Decimal(value.strip())
        elif isinstance(value, int | Decimal):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(str(value))
        else:
            return None
    except InvalidOperation:
        return None
    if not number.is_finite() or not Decimal(0) < number <= WEIGHT_MAX:
        return None
    if number != number.quantize(WEIGHT_STEP):
        return None
    return number


def _not_applicable_both(subdomain: str) -> str:
    return _(
        "sub-domain '%(code)s' cannot be not applicable to both discrete and process manufacturing"
    ) % {"code": subdomain}


# CSV ------------------------------------------------------------------------------------------


def _read_csv(text: str, problems: _Problems) -> _Parsed | None:
    """Read the CSV rows; None when the header does not allow reading them."""
    reader = csv.reader(io.StringIO(text, newline=""))
    parsed = _Parsed()
    try:
        header = next(reader, None)
    except csv.Error as exc:
        problems.add(1, _("unreadable CSV: %(reason)s") % {"reason": exc})
        return None
    if header is None:
        return parsed
    columns = [name.strip().lower() for name in header]
    for position, name in enumerate(columns):
        if not name:
            continue  # a blank header cell, as spreadsheets leave after the last column
        if name in columns[:position]:
            problems.add(1, _("column '%(name)s' appears twice") % {"name": name})
        elif name not in CSV_REQUIRED_COLUMNS + CSV_OPTIONAL_COLUMNS:
            problems.add(1, _("unknown column '%(name)s'") % {"name": name})
    missing = [name for name in CSV_REQUIRED_COLUMNS if name not in columns]
    for name in missing:
        problems.add(1, _("missing required column '%(name)s'") % {"name": name})
    if missing:
        return None

    index = {name: columns.index(name) for name in columns}
    weights_seen: dict[str, tuple[Decimal, int]] = {}
    not_applicable_seen: dict[str, tuple[frozenset[str], int]] = {}
    next_line = reader.line_num + 1
    try:
        for cells in reader:
            # A quoted value may span several lines: a record starts after the previous one.
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns):
                problems.add(
                    line,
                    _("%(count)d fields, but the header has %(columns)d")
                    % {"count": len(cells), "columns": len(columns)},
                )
            values = {name: _cell(cells, index, name) for name in index}
            subdomain = values["subdomain"]
            parsed.rows.append(
                _Row(
                    line,
                    values["code"],
                    subdomain,
                    values["level"],
                    values["text_zh"],
                    values.get("text_en", ""),
                )
            )
            if subdomain:
                _csv_weight(values.get("weight", ""), subdomain, line, weights_seen, problems)
                _csv_not_applicable(
                    values.get("not_applicable", ""), subdomain, line, not_applicable_seen, problems
                )
    except csv.Error as exc:
        problems.add(next_line, _("unreadable CSV: %(reason)s") % {"reason": exc})
        return None

    parsed.weights = {code: weight for code, (weight, _line) in weights_seen.items()}
    for code, (industries, _line) in not_applicable_seen.items():
        for industry in industries:
            parsed.not_applicable[industry].add(code)
    return parsed


def _cell(cells: list[str], index: dict[str, int], name: str) -> str:
    """The stripped value of column ``name``; a short row's missing cells are blank."""
    position = index[name]
    return cells[position].strip() if position < len(cells) else ""


def _csv_weight(
    value: str,
    subdomain: str,
    line: int,
    seen: dict[str, tuple[Decimal, int]],
    problems: _Problems,
) -> None:
    """A blank weight states nothing; the weights stated for one sub-domain must agree."""
    if not value:
        return
    weight = _weight(value)
    if weight is None:
        problems.add(
            line,
            _("weight '%(value)s' is not a positive number below 1000 with at most 3 decimals")
            % {"value": value},
        )
    elif subdomain not in seen:
        seen[subdomain] = (weight, line)
    elif seen[subdomain][0] != weight:
        problems.add(
            line,
            _("weight '%(value)s' for sub-domain '%(code)s' conflicts with line %(line)d")
            % {"value": value, "code": subdomain, "line": seen[subdomain][1]},
        )


def _csv_not_applicable(
    value: str,
    subdomain: str,
    line: int,
    seen: dict[str, tuple[frozenset[str], int]],
    problems: _Problems,
) -> None:
    """A blank value states nothing; the values stated for one sub-domain must agree."""
    if not value:
        return
    industries = frozenset(part.strip().lower() for part in value.split(";"))
    if not industries <= set(INDUSTRY_TYPES):
        problems.add(
            line,
            _(
                "not_applicable '%(value)s' must be empty, 'discrete', 'process' or "
                "'discrete;process'"
            )
            % {"value": value},
        )
    elif subdomain not in seen:
        seen[subdomain] = (industries, line)
        if industries == set(INDUSTRY_TYPES):
            problems.add(line, _not_applicable_both(subdomain))
    elif seen[subdomain][0] != industries:
        problems.add(
            line,
            _("not_applicable '%(value)s' for sub-domain '%(code)s' conflicts with line %(line)d")
            % {"value": value, "code": subdomain, "line": seen[subdomain][1]},
        )


# JSON -----------------------------------------------------------------------------------------


def _read_json(
    text: str, structure: dict[str, Any], known: list[str], problems: _Problems
) -> _Parsed | None:
    """Read the JSON document; None when its requirements cannot be read."""
    try:
        root = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        problems.add(exc.lineno, _("invalid JSON: %(reason)s") % {"reason": exc.msg})
        return None
    if not isinstance(root, dict):
        problems.add(1, _("the file must hold one JSON object"))
        return None
    members = _object_members(text, _skip_whitespace(text, 0))

    def line_of(key: str) -> int:
        return _line_at(text, members[key])

    for key in root:
        if key not in JSON_KEYS:
            problems.add(line_of(key), _("unknown key '%(key)s'") % {"key": key})
    if root.get("illustrative", False) is not False:
        problems.add(
            line_of("illustrative"),
            _("an official requirement set cannot be marked illustrative"),
        )
    model_code = root.get("model_code", structure["code"])
    if model_code != structure["code"]:
        problems.add(
            line_of("model_code"),
            _("model_code '%(value)s' is not the structure's '%(code)s'")
            % {"value": model_code, "code": structure["code"]},
        )

    parsed = _Parsed()
    if "notice_zh" in root:
        parsed.notice_zh = _text(root["notice_zh"], line_of("notice_zh"), "notice_zh", problems)
    if "notice_en" in root:
        parsed.notice_en = _text(root["notice_en"], line_of("notice_en"), "notice_en", problems)
    if "weights" in root:
        parsed.weights = _json_weights(text, root["weights"], members["weights"], known, problems)
    if "not_applicable" in root:
        parsed.not_applicable = _json_not_applicable(
            root["not_applicable"], line_of("not_applicable"), known, problems
        )

    requirements = root.get("requirements", [])
    if not isinstance(requirements, list):
        problems.add(line_of("requirements"), _("'requirements' must be a list"))
        return None
    positions = _array_items(text, members["requirements"]) if requirements else []
    for item, position in zip(requirements, positions, strict=True):
        line = _line_at(text, position)
        if not isinstance(item, dict):
            problems.add(line, _("a requirement must be a JSON object"))
            continue
        for key in item:
            if key not in JSON_REQUIREMENT_KEYS:
                problems.add(line, _("unknown field '%(key)s'") % {"key": key})
        parsed.rows.append(
            _Row(
                line,
                item.get("code"),
                item.get("subdomain"),
                item.get("level"),
                item.get("text_zh"),
                item.get("text_en"),
            )
        )
    return parsed


def _json_weights(
    text: str, weights: Any, position: int, known: list[str], problems: _Problems
) -> dict[str, Decimal]:
    if not isinstance(weights, dict):
        problems.add(_line_at(text, position), _("'weights' must be an object"))
        return {}
    members = _object_members(text, position)
    result = {}
    for code, value in weights.items():
        line = _line_at(text, members[code])
        weight = _weight(value)
        if code not in known:
            problems.add(line, _("unknown sub-domain '%(value)s'") % {"value": code})
        elif weight is None:
            problems.add(
                line,
                _("weight '%(value)s' is not a positive number below 1000 with at most 3 decimals")
                % {"value": value},
            )
        else:
            result[code] = weight
    return result


def _json_not_applicable(
    value: Any, line: int, known: list[str], problems: _Problems
) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {industry: set() for industry in INDUSTRY_TYPES}
    if not isinstance(value, dict):
        problems.add(line, _("'not_applicable' must be an object"))
        return result
    for industry, codes in value.items():
        if industry not in INDUSTRY_TYPES:
            problems.add(
                line,
                _("not_applicable has '%(key)s'; use 'discrete' and 'process'") % {"key": industry},
            )
            continue
        if not isinstance(codes, list):
            problems.add(line, _("not_applicable '%(key)s' must be a list") % {"key": industry})
            continue
        for code in codes:
            if code in known:
                result[industry].add(code)
            else:
                problems.add(line, _("unknown sub-domain '%(value)s'") % {"value": code})
    for code in known:
        if all(code in result[industry] for industry in INDUSTRY_TYPES):
            problems.add(line, _not_applicable_both(code))
    return result


# Where things are in a JSON text (already known to be valid JSON) ------------------------------

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _skip_whitespace(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return match.end() if match else position


def _object_members(text: str, position: int) -> dict[str, int]:
    """Where each member's value starts, for the object that starts at ``position``.

    The decoder reads every key and value, so strings holding brackets, commas or escaped
    quotes cannot mislead it; only the punctuation between them is stepped over here. A key
    given twice maps to its last value, as in ``json.loads``.
    """
    members: dict[str, int] = {}
    position = _skip_whitespace(text, position + 1)  # past "{"
    if text[position] == "}":
        return members
    while True:
        key, position = _DECODER.raw_decode(text, position)
        position = _skip_whitespace(text, _skip_whitespace(text, position) + 1)  # past ":"
        members[key] = position
        _value, position = _DECODER.raw_decode(text, position)
        position = _skip_whitespace(text, position)
        if text[position] == "}":
            return members
        position = _skip_whitespace(text, position + 1)  # past ","


def _array_items(text: str, position: int) -> list[int]:
    """Where each item starts, for the array that starts at ``position``."""
    items: list[int] = []
    position = _skip_whitespace(text, position + 1)  # past "["
    if text[position] == "]":
        return items
    while True:
        items.append(position)
        _value, position = _DECODER.raw_decode(text, position)
        position = _skip_whitespace(text, position)
        if text[position] == "]":
            return items
        position = _skip_whitespace(text, position + 1)  # past ","
