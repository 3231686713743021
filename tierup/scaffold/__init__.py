"""``tierup new``: scaffold a ready tierup project (see :mod:`tierup.scaffold.renderer`)."""

from tierup.scaffold.renderer import (
    Created,
    ScaffoldOptions,
    create_project,
    next_steps,
    render_project,
    render_stack_file,
)

__all__ = [
    "Created",
    "ScaffoldOptions",
    "create_project",
    "next_steps",
    "render_project",
    "render_stack_file",
]
