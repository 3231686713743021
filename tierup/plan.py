"""``tierup plan``: the resource tree of an evaluated stack, as text or as the plan JSON."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tierup.engine.evaluation import STACK_TYPE, Evaluation, ResourceRecord


def _label(r: ResourceRecord) -> str:
    flags = [f for f, on in (("protected", r.protect), ("retained", r.retain_on_delete)) if on]
    if r.ignore_changes:
        flags.append("ignores " + ", ".join(r.ignore_changes))
    return f"{r.type}  {r.name}" + (f"  [{'; '.join(flags)}]" if flags else "")


def plan_document(evaluation: Evaluation, environment: str | None) -> dict[str, Any]:
    """The ``plan --format json`` document (DESIGN §6), the same bytes on every run of the same stack.

    Resources keep the program's declaration order; each ``dependencies`` list is sorted, because the
    SDK gathers a resource's dependencies in a set, whose order changes from one process to the next.
    """
    document = evaluation.plan(environment)
    for resource in document["resources"]:
        resource["dependencies"] = sorted(resource["dependencies"])
    return document


def render_json(evaluation: Evaluation, environment: str | None) -> str:
    """``tierup plan --format json``::

    print(render_json(evaluate(".", "prod"), "prod"))
    """
    return json.dumps(plan_document(evaluation, environment), indent=2)


def render_text(evaluation: Evaluation, environment: str | None) -> str:
    """A tree grouped by component, each component with the count of resources under it."""
    managed = evaluation.custom_resources()
    components = [r for r in evaluation.resources if not r.custom and r.type != STACK_TYPE]
    counts = Counter(r.type for r in managed)
    lines = [
        f"{evaluation.project} · stack {evaluation.stack}"
        + (f" · environment {environment}" if environment else "")
        + f" — {len(managed)} resources in {len(components)} components",
        "",
    ]

    def walk(urn: str, prefix: str) -> None:
        children = [c for c in evaluation.children(urn) if not c.type.startswith("pulumi:providers:")]
        for i, child in enumerate(children):
            last = i == len(children) - 1
            branch, extension = ("└─ ", "   ") if last else ("├─ ", "│  ")
            if child.custom:
                lines.append(f"{prefix}{branch}{_label(child)}")
            else:
                inner = sum(1 for d in evaluation.descendants(child.urn) if d.custom)
                lines.append(
                    f"{prefix}{branch}{child.type}  {child.name}  ({inner} resource{'' if inner == 1 else 's'})"
                )
            walk(child.urn, prefix + extension)

    lines.append(f"{STACK_TYPE}  {evaluation.project}-{evaluation.stack}")
    walk(evaluation.stack_urn, "")
    lines.append("")
    lines.append("by type:")
    width = max((len(t) for t in counts), default=0)
    for type_, n in sorted(counts.items()):
        lines.append(f"  {type_.ljust(width)}  {n}")
    if evaluation.outputs:
        lines.append("")
        lines.append("outputs:")
        plan_outputs = evaluation.plan(environment)["outputs"]
        for key, value in sorted(plan_outputs.items()):
            lines.append(f"  {key}: {value}")
    return "\n".join(lines)
