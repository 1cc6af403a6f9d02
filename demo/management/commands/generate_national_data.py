"""Generate national-scale data (DESIGN 3.4) for benchmarks: see demo/national.py."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from demo.national import already_generated, generate, scaled


class Command(BaseCommand):
    help = (
        "Generate enterprises, factories, scored self-assessments, certificates and applications "
        "in flight at a fraction of national scale (1.0: 100,000 enterprises, 120,000 factories). "
        "Refused unless DEBUG is on or --force is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = DESIGN 3.4.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same data).")
        parser.add_argument(
            "--force", action="store_true", help="Run with DEBUG off (never in production)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale = options["scale"]
        if not settings.DEBUG and not options["force"]:
            raise CommandError("generate_national_data fills the database: DEBUG only, or --force.")
        if not 0 < scale <= 2:
            raise CommandError("--scale must be above 0 and at most 2.")
        call_command("load_reference_data", verbosity=0)
        if already_generated():
            raise CommandError("Generated data is already in this database; use a fresh one.")
        self.stdout.write(f"generating at scale {scale}: {scaled(scale)}")
        start = time.monotonic()
        last = [start]

        def report(line: str) -> None:
            now = time.monotonic()
            self.stdout.write(f"  {line} ({now - last[0]:.1f} s)")
            last[0] = now

        counts = generate(scale=scale, seed=options["seed"], report=report)
        if connection.vendor == "postgresql":
            # Autovacuum may have analyzed a table while it was a tenth loaded, and has not yet
            # marked the new pages all-visible: plans and index-only scans would not be those of
            # a real database of this size. (VACUUM cannot run inside a transaction, as in tests.)
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            with connection.cursor() as cursor:
                cursor.execute(command)
            report(f"planner statistics and visibility ({command})")
        self.stdout.write(self.style.SUCCESS(f"done in {time.monotonic() - start:.1f} s: {counts}"))
