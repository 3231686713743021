"""A virtualenv with pulumi and pulumi_aws but without tierup, as a user's project has.

``python -m venv --without-pip`` plus one ``.pth`` line naming this test run's site-packages: the
packages there import, but a folder added by a ``.pth`` line is not scanned for ``.pth`` files
itself, so tierup's editable-install finder never activates and ``import tierup`` fails.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path


def make_bare_venv(where: Path) -> Path:
    """Create the virtualenv in ``where`` (once) and return its interpreter."""
    python = where / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
        site = Path(
            subprocess.run(
                [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
        (site / "tierup-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import pulumi, pulumi_aws\ntry:\n import tierup\nexcept ImportError:\n print('ok')",
        ],
        capture_output=True,
        text=True,
        cwd=where,  # not the repository: its tierup/ folder would import from the working directory
    )
    assert probe.stdout.strip() == "ok", f"the bare virtualenv must have pulumi but not tierup: {probe}"
    return python
