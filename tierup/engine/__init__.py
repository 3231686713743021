"""The offline engine: evaluate a Pulumi project's stack with no cloud account and no Pulumi CLI.

    from tierup.engine import evaluate

    evaluation = evaluate("path/to/project", "prod")
    for resource in evaluation.custom_resources():
        print(resource.urn)

The program runs in a child process (the project's virtualenv when ``Pulumi.yaml`` names one that
exists, else this interpreter) under ``pulumi.runtime`` mocks that answer like AWS; see
:mod:`tierup.engine.runtime` for what is recorded. Importing this package is cheap — the names below
load on first use — because the child process imports it too and pays for every module.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "EvaluationRun": ".process",
    "evaluate": ".process",
    "start_evaluation": ".process",
    "load_project": ".project",
    "load_stack_config": ".project",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module 'tierup.engine' has no attribute {name!r}")
