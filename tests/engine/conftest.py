"""Session fixtures of the engine's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus.bare_venv import make_bare_venv


@pytest.fixture(scope="session")
def bare_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with pulumi and pulumi_aws but not tierup (its root folder)."""
    root = tmp_path_factory.mktemp("bare-venv")
    make_bare_venv(root)
    return root
