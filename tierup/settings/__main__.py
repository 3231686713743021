"""``python -m tierup.settings > docs/configuration.md`` regenerates the configuration reference."""

import sys

from tierup.settings.reference import render_reference_markdown

sys.stdout.write(render_reference_markdown())
