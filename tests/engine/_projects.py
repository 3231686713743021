"""Small Pulumi projects written by the tests themselves."""

from __future__ import annotations

import textwrap
from pathlib import Path


def project(root: Path, program: str, *, config: str = "aws:region: eu-west-1", name: str = "probe") -> Path:
    """A one-file Pulumi project in ``root`` with a ``dev`` stack."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (root / "Pulumi.dev.yaml").write_text("config:\n" + textwrap.indent(config, "  ") + "\n")
    (root / "__main__.py").write_text(textwrap.dedent(program))
    return root
