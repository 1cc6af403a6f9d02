"""Import an official requirement set (CSV or JSON) as a new maturity model version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from assessments.importing import RequirementSetError, parse_requirement_set
from assessments.models import ModelVersion
from assessments.services import STRUCTURE_FILE, model_version_create

CODE_MAX_LENGTH = 60  # ModelVersion.code


class Command(BaseCommand):
    help = (
        "Import an official requirement set from a CSV or JSON file as a new model version "
        "(a draft unless --publish). A bad file is reported line by line and nothing is "
        "written. See docs/maturity-model-import.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The requirement set: a .csv or .json file.")
        parser.add_argument(
            "--code",
            help=(
                "Code of the new model version; by default the standard's code and the file "
                "name, e.g. 'GB/T 39116-2020 official-2024'. Must not exist yet."
            ),
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the new version at once (by default it is a draft).",
        )
        parser.add_argument(
            "--structure",
            type=Path,
            default=STRUCTURE_FILE,
            help="The model structure (levels, elements, domains, sub-domains) as JSON.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        structure = _read_json(options["structure"])
        code = (options["code"] or f"{structure['code']} {path.stem}").strip()
        if not code or len(code) > CODE_MAX_LENGTH:
            raise CommandError(
                f"The version code must have 1 to {CODE_MAX_LENGTH} characters: {code!r}. "
                "Choose one with --code."
            )

        try:
            requirement_set = parse_requirement_set(
                _read_text(path), filename=path.name, structure=structure
            )
        except RequirementSetError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{path}: {exc.message} Nothing was imported.") from exc

        with transaction.atomic():
            if ModelVersion.objects.filter(code=code).exists():
                raise CommandError(
                    f"Model version {code!r} already exists. Versions are immutable: "
                    "import the set under another --code."
                )
            version = model_version_create(
                code=code,
                structure=structure,
                requirement_set=requirement_set.data,
                publish=options["publish"],
                illustrative=False,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Created model version {version.code!r}: "
                f"{requirement_set.requirement_count} requirements, {version.status}."
            )
        )


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CommandError(f"{path}: line {line}: the file is not UTF-8 text.") from exc


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from exc
    return data
