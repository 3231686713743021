"""The scaffold's program and the reference program declare the same resources from the same config.

Independent of how `tierup new` writes the stack files: the program template is rendered on its own,
put beside the reference prod stack file, and evaluated; both evaluations must match resource for
resource (URNs, inputs, options). The scaffold therefore cannot drift from `tierup.build`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import tierup.testing
from tests.helpers import REPO
from tierup.scaffold.renderer import render_template

TEMPLATE = REPO / "tierup" / "scaffold" / "template" / "stacks" / "__main__.py.tmpl"


def _project(root: Path, program: str) -> Path:
    (root / "stacks").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text(
        "name: tierup-reference\nruntime: python\nmain: stacks/\nstackConfigDir: stacks\n"
    )
    (root / "stacks" / "__main__.py").write_text(program)
    shutil.copy(REPO / "stacks" / "Pulumi.prod.yaml", root / "stacks" / "Pulumi.prod.yaml")
    return root


def _shape(stack: tierup.testing.Stack) -> dict[str, tuple[object, ...]]:
    return {
        r.urn: (
            r.inputs,
            r.protect,
            r.retain_on_delete,
            sorted(r.ignore_changes),
            sorted(d.urn for d in r.dependencies),
        )
        for r in stack.resources()
    }


def test_scaffold_program_declares_what_the_reference_program_declares(tmp_path: Path) -> None:
    scaffold = _project(tmp_path / "scaffold", render_template(TEMPLATE.read_text(), {"project": "shop"}))
    reference = _project(tmp_path / "reference", (REPO / "stacks" / "__main__.py").read_text())
    got = tierup.testing.evaluate_stack("prod", project_dir=scaffold)
    want = tierup.testing.evaluate_stack("prod", project_dir=reference)
    assert len(_shape(want)) > 150
    assert sorted(_shape(got)) == sorted(_shape(want))
    for urn, shape in _shape(want).items():
        assert _shape(got)[urn] == shape, urn
    assert set(want.outputs) <= set(got.outputs) | {"deadLetterQueueUrls"}
