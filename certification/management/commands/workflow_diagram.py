"""Print a workflow's Mermaid diagram, or redraw the diagrams in ADR 0006."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification.workflow.definitions import WORKFLOWS
from certification.workflow.diagram import ADR, adr_with_diagrams, workflow_diagram


class Command(BaseCommand):
    help = "Print a workflow's Mermaid state diagram, or --write them into ADR 0006."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workflow", nargs="?", choices=sorted(WORKFLOWS))
        parser.add_argument("--write", action="store_true", help=f"Rewrite {ADR.name}.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write"]:
            ADR.write_text(adr_with_diagrams(ADR.read_text(encoding="utf-8")), encoding="utf-8")
            self.stdout.write(f"{ADR} redrawn")
        elif options["workflow"]:
            self.stdout.write(workflow_diagram(options["workflow"]))
        else:
            raise CommandError("Name a workflow, or pass --write.")
