"""import_maturity_model and assessments.importing: good files import, bad ones name their lines."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from assessments.importing import RequirementSetError, parse_requirement_set, subdomain_codes
from assessments.models import ModelVersion, Requirement, SubDomain
from assessments.services import ILLUSTRATIVE_FILE, ILLUSTRATIVE_VERSION_CODE, STRUCTURE_FILE

pytestmark = pytest.mark.django_db

STRUCTURE = json.loads(STRUCTURE_FILE.read_text(encoding="utf-8"))
HEADER = ["code", "subdomain", "level", "text_zh", "text_en", "weight", "not_applicable"]


def official_json() -> dict:
    """The illustrative set, declared official: a complete, valid requirement set."""
    data = json.loads(ILLUSTRATIVE_FILE.read_text(encoding="utf-8"))
    data["illustrative"] = False
    return data


def csv_rows() -> list[list[str]]:
    """One CSV row per illustrative requirement; weight and applicability on a few rows."""
    rows = []
    for item in official_json()["requirements"]:
        weight = not_applicable = ""
        if item["subdomain"] == "product_service":
            weight, not_applicable = "0.5", "process"
        elif item["subdomain"] == "equipment" and item["level"] == 1:
            weight = "2.25"
        elif item["subdomain"] == "energy_management":
            not_applicable = "discrete"
        code, subdomain, level = item["code"], item["subdomain"], str(item["level"])
        rows.append(
            [code, subdomain, level, item["text_zh"], item["text_en"], weight, not_applicable]
        )
    return rows


def csv_text(rows: list[list[str]], header: list[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_file(path, *args):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_maturity_model", str(path), *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def import_errors(path, *args) -> list[str]:
    """Run the import expecting refusal; return the error lines printed to stderr."""
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_maturity_model", str(path), *args, stdout=io.StringIO(), stderr=stderr)
    return stderr.getvalue().splitlines()


def parse_errors(text: str, filename: str) -> list[str]:
    with pytest.raises(RequirementSetError) as excinfo:
        parse_requirement_set(text, filename=filename, structure=STRUCTURE)
    assert excinfo.value.code == "invalid_requirement_set"
    return excinfo.value.errors


def counts() -> tuple[int, int, int]:
    return ModelVersion.objects.count(), SubDomain.objects.count(), Requirement.objects.count()


# Good files --------------------------------------------------------------------------------------


def test_good_csv_imports_as_a_new_draft_version(tmp_path):
    path = write(tmp_path, "official-2024.csv", "\ufeff" + csv_text(csv_rows()))
    before = ModelVersion.objects.count()

    stdout, _ = import_file(path)

    assert ModelVersion.objects.count() == before + 1
    version = ModelVersion.objects.get(code="GB/T 39116-2020 official-2024")
    assert (version.status, version.published_at, version.illustrative) == ("draft", None, False)
    assert "GB/T 39116-2020 official-2024" in stdout and "194" in stdout and "draft" in stdout
    assert version.levels.count() == 5
    assert version.subdomains.count() == 20
    assert version.requirements.count() == 194
    first = version.requirements.order_by("order").first()
    assert (first.code, first.level, first.subdomain.code) == (
        "organizational_strategy.1.1",
        1,
        "organizational_strategy",
    )
    subdomains = {sub.code: sub for sub in version.subdomains.all()}
    assert subdomains["product_service"].weight == Decimal("0.5")
    assert subdomains["equipment"].weight == Decimal("2.25")
    assert subdomains["data"].weight == Decimal(1)
    assert not subdomains["product_service"].applies_to_process
    assert subdomains["product_service"].applies_to_discrete
    assert not subdomains["energy_management"].applies_to_discrete
    assert subdomains["energy_management"].applies_to_process
    assert subdomains["sales"].applies_to_discrete and subdomains["sales"].applies_to_process


def test_good_json_imports(tmp_path):
    data = official_json()
    data["notice_en"] = "Entered from the official text."
    data["weights"]["sales"] = 1.5
    path = write(tmp_path, "official.JSON", json.dumps(data, ensure_ascii=False, indent=2))

    import_file(path, "--code", "GB/T 39116-2020 official")

    version = ModelVersion.objects.get(code="GB/T 39116-2020 official")
    assert not version.illustrative and version.status == "draft"
    assert version.notice_en == "Entered from the official text."
    assert version.requirements.count() == len(data["requirements"])
    assert version.subdomains.get(code="sales").weight == Decimal("1.5")
    assert not version.subdomains.get(code="product_service").applies_to_process


def test_publish_publishes_at_once(tmp_path):
    path = write(tmp_path, "official.csv", csv_text(csv_rows()))

    stdout, _ = import_file(path, "--publish")

    version = ModelVersion.objects.get(code="GB/T 39116-2020 official")
    assert version.status == "published" and version.published_at is not None
    assert "published" in stdout


def test_parse_returns_what_model_version_create_takes():
    result = parse_requirement_set(
        csv_text(csv_rows()), filename="official.csv", structure=STRUCTURE
    )
    assert set(result.data) == {
        "requirements",
        "weights",
        "not_applicable",
        "notice_zh",
        "notice_en",
    }
    assert list(result.data["weights"]) == subdomain_codes(STRUCTURE)
    assert result.data["not_applicable"] == {
        "discrete": ["energy_management"],
        "process": ["product_service"],
    }
    assert result.data["requirements"][0] == {
        "code": "organizational_strategy.1.1",
        "subdomain": "organizational_strategy",
        "level": 1,
        "text_zh": official_json()["requirements"][0]["text_zh"],
        "text_en": official_json()["requirements"][0]["text_en"],
    }


# Bad CSV -----------------------------------------------------------------------------------------


def test_bad_csv_reports_every_error_with_its_line_and_writes_nothing(tmp_path, english):
    rows = csv_rows()
    # Line n of the file is rows[n - 2] (the header is line 1).
    rows[3][1] = "smart_things"  # line 5
    rows[6][2] = "6"  # line 8
    rows[9][0] = rows[2][0]  # line 11 repeats the code of line 4
    rows[12][3] = "  "  # line 14
    rows[15][2] = "two"  # line 17
    path = write(tmp_path, "official.csv", csv_text(rows))
    before = counts()

    errors = import_errors(path)

    assert errors == [
        "line 5: unknown sub-domain 'smart_things'",
        "line 8: level '6' is not a whole number from 1 to 5",
        f"line 11: duplicate code '{rows[2][0]}' (first used on line 4)",
        "line 14: empty Chinese text (text_zh)",
        "line 17: level 'two' is not a whole number from 1 to 5",
    ]
    assert counts() == before


def test_csv_lines_are_physical_lines_when_a_text_spans_several(english):
    rows = csv_rows()
    rows[0][3] = "第一行\n第二行\n第三行"  # the record on line 2 ends on line 4
    rows[1][2] = "0"  # so this record is on line 5
    errors = parse_errors(csv_text(rows), "official.csv")
    assert errors == ["line 5: level '0' is not a whole number from 1 to 5"]


def test_csv_weight_and_applicability_must_agree_within_a_sub_domain(english):
    rows = csv_rows()
    sales = [n for n, row in enumerate(rows) if row[1] == "sales"]
    rows[sales[0]][5] = "2"
    rows[sales[1]][5] = "2.0"  # the same number: no conflict
    rows[sales[2]][5] = "3"
    rows[sales[3]][6] = "process"
    rows[sales[4]][6] = "discrete"
    rows[sales[5]][5] = "-1"
    rows[sales[6]][6] = "everywhere"
    line = [n + 2 for n in sales]

    errors = parse_errors(csv_text(rows), "official.csv")

    assert errors == [
        f"line {line[2]}: weight '3' for sub-domain 'sales' conflicts with line {line[0]}",
        f"line {line[4]}: not_applicable 'discrete' for sub-domain 'sales' conflicts with "
        f"line {line[3]}",
        f"line {line[5]}: weight '-1' is not a positive number below 1000 with at most 3 decimals",
        f"line {line[6]}: not_applicable 'everywhere' must be empty, 'discrete', 'process' or "
        "'discrete;process'",
    ]


def test_csv_sub_domain_cannot_be_not_applicable_to_both(english):
    rows = csv_rows()
    first_sales = next(n for n, row in enumerate(rows) if row[1] == "sales")
    rows[first_sales][6] = "discrete;process"
    errors = parse_errors(csv_text(rows), "official.csv")
    assert errors == [
        f"line {first_sales + 2}: sub-domain 'sales' cannot be not applicable to both discrete "
        "and process manufacturing"
    ]


def test_missing_sub_domain_is_reported(tmp_path, english):
    rows = [row for row in csv_rows() if row[1] != "sales"]
    path = write(tmp_path, "official.csv", csv_text(rows))
    before = counts()

    assert import_errors(path) == ["official.csv: sub-domain 'sales' has no requirements"]
    assert counts() == before


def test_missing_columns_are_reported_on_the_header_line(english):
    header = ["code", "sub_domain", "level", "text_zh"]
    errors = parse_errors(csv_text([["a", "sales", "1", "文本"]], header), "official.csv")
    assert errors == [
        "line 1: unknown column 'sub_domain'",
        "line 1: missing required column 'subdomain'",
    ]


def test_codes_are_checked(english):
    rows = csv_rows()
    rows[0][0] = "  "
    rows[1][0] = "销售.1"
    rows[2][0] = "x" * 61
    rows[3][0] = f"  {rows[3][0]}  "  # stripped, so valid
    errors = parse_errors(csv_text(rows), "official.csv")
    assert errors == [
        "line 2: empty code",
        "line 3: code '销售.1' may only contain letters, digits, '.', '-' and '_'",
        f"line 4: code '{'x' * 61}' is longer than 60 characters",
    ]


def test_an_empty_file_has_no_requirements(english):
    assert parse_errors(csv_text([]), "official.csv") == [
        "official.csv: the file has no requirements"
    ]
    assert parse_errors('{"requirements": []}', "official.json") == [
        "official.json: the file has no requirements"
    ]


# Bad JSON ----------------------------------------------------------------------------------------


def test_json_syntax_error_reports_its_line(tmp_path, english):
    text = json.dumps(official_json(), ensure_ascii=False, indent=1)
    lines = text.splitlines()
    broken = lines.index('   "code": "data.2.1",')
    lines[broken] = lines[broken].rstrip(",")  # the parser stops on the next line
    path = write(tmp_path, "official.json", "\n".join(lines))
    before = counts()

    errors = import_errors(path)

    assert len(errors) == 1
    assert errors[0].startswith(f"line {broken + 2}: invalid JSON: Expecting ',' delimiter")
    assert counts() == before


def test_json_item_error_reports_the_line_where_the_item_starts(tmp_path, english):
    data = official_json()
    data["requirements"][0]["text_zh"] = 'Tricky: } ] { [ , "quoted" \\ and\nan escaped newline'
    data["requirements"][7]["level"] = 9
    data["requirements"][20]["subdomain"] = "smart_things"
    text = json.dumps(data, ensure_ascii=False, indent=2)
    lines = text.splitlines()

    def start_line(code: str) -> int:
        """The line of the "{" that opens the item whose code is ``code``."""
        code_line = lines.index(f'      "code": "{code}",')
        assert lines[code_line - 1].strip() == "{"
        return code_line  # 1-based number of the previous line

    path = write(tmp_path, "official.json", text)
    errors = import_errors(path)

    assert errors == [
        f"line {start_line(data['requirements'][7]['code'])}: "
        "level '9' is not a whole number from 1 to 5",
        f"line {start_line(data['requirements'][20]['code'])}: unknown sub-domain 'smart_things'",
    ]


def test_json_item_lines_in_a_compact_file(english):
    """One requirement per line, the array opening on the line of its key."""
    data = official_json()
    items = data.pop("requirements")
    items[2]["text_zh"] = ""
    items[3]["colour"] = "blue"
    head = json.dumps(data, ensure_ascii=False)[:-1]
    body = ",\n".join(json.dumps(item, ensure_ascii=False) for item in items)
    text = f'{head}, "requirements": [{body}]}}'

    errors = parse_errors(text, "official.json")

    assert errors == ["line 3: empty Chinese text (text_zh)", "line 4: unknown field 'colour'"]


def test_json_top_level_problems_carry_the_line_of_their_key(english):
    data = official_json()
    data["illustrative"] = True
    data["weights"]["sales"] = 0
    data["not_applicable"]["process"].append("no_such_thing")
    text = json.dumps(data, ensure_ascii=False, indent=1)
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(n for n, line in enumerate(lines, start=1) if fragment in line)

    illustrative, sales, not_applicable = (
        line_of('"illustrative"'),
        line_of('"sales": 0'),
        line_of('"not_applicable"'),
    )

    errors = parse_errors(text, "official.json")

    assert errors == [
        f"line {illustrative}: an official requirement set cannot be marked illustrative",
        f"line {sales}: weight '0' is not a positive number below 1000 with at most 3 decimals",
        f"line {not_applicable}: unknown sub-domain 'no_such_thing'",
    ]


# The command's arguments -------------------------------------------------------------------------


def test_an_existing_code_is_refused(tmp_path):
    path = write(tmp_path, "official.csv", csv_text(csv_rows()))
    before = counts()

    with pytest.raises(CommandError, match="already exists"):
        import_file(path, "--code", ILLUSTRATIVE_VERSION_CODE)

    assert counts() == before


def test_importing_the_same_file_twice_is_refused(tmp_path):
    path = write(tmp_path, "official.csv", csv_text(csv_rows()))
    import_file(path)
    with pytest.raises(CommandError, match="already exists"):
        import_file(path)


def test_an_unknown_extension_is_refused(tmp_path, english):
    path = write(tmp_path, "official.xlsx", csv_text(csv_rows()))
    before = counts()

    assert import_errors(path) == [
        "official.xlsx: unsupported file type '.xlsx': use .csv or .json"
    ]
    assert counts() == before
