"""Fixtures: answers for invokes and stack references, kept beside the stack."""

from __future__ import annotations

from typing import Any


def load_fixtures(project: Any, stack: str) -> dict[str, Any] | None:
    return None
