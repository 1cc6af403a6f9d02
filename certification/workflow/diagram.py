"""Mermaid state diagrams of the transition tables, for ADR 0006 and anyone reading a table.

``workflow_diagram(name)`` draws one workflow: an arrow per (source, action) labelled with the
action and who fires it; a participant's step that keeps the state is a self-loop, and the step
that completes a round is drawn to the state it leads to. ``python manage.py workflow_diagram
--write`` rewrites the diagrams in the ADR; a test fails when they are stale.
"""

from __future__ import annotations

import re
from pathlib import Path

from certification.workflow.definitions import WORKFLOWS
from certification.workflow.states import DECIDED_STATES, STATES

ADR = Path(__file__).resolve().parents[2] / "docs" / "adr" / "0006-workflow-engine.md"
BLOCK = re.compile(r"<!-- workflow:(?P<name>[\w-]+) -->\n.*?<!-- /workflow -->", re.S)


def workflow_diagram(name: str) -> str:
    workflow = WORKFLOWS[name]
    lines = ["```mermaid", "stateDiagram-v2", "    [*] --> draft"]
    for action, transition in workflow.items():
        who = transition.policy.value
        for source in sorted(transition.sources):
            target = transition.target_from(source) or source
            lines.append(f"    {source} --> {target}: {action} ({who})")
            completes_to = transition.completion_from(source)
            if completes_to:
                lines.append(f"    {source} --> {completes_to}: {action}, the last one ({who})")
        if transition.resumes:
            lines.append(
                f"    note right of {transition.target}: or back to the step that returned it"
            )
    ends = sorted(
        {
            end
            for t in workflow.values()
            for source in t.sources
            if (end := t.target_from(source)) is not None
        }
        & (set(DECIDED_STATES) | {code for code, info in STATES.items() if not info.is_open})
    )
    lines.extend(f"    {state} --> [*]" for state in ends)
    lines.append("```")
    return "\n".join(lines)


def adr_with_diagrams(text: str) -> str:
    """The ADR's text with every ``<!-- workflow:NAME -->`` block redrawn from the tables."""

    def redraw(match: re.Match[str]) -> str:
        name = match.group("name")
        return f"<!-- workflow:{name} -->\n{workflow_diagram(name)}\n<!-- /workflow -->"

    return BLOCK.sub(redraw, text)
