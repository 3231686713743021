"""Fixtures: the answers a user keeps beside a stack for what tierup cannot know offline.

``Pulumi.<stack>.fixtures.yaml``, in the project's ``stackConfigDir`` next to ``Pulumi.<stack>.yaml``::

    invokes:                            # data sources (invokes), tried before the built-in answers
      - token: aws:ec2/getVpc:getVpc    # the invoke's token, as the error message names it
        args: {tags: {Name: shared}}    # optional: every key given must equal the call's (wire names)
        result: {id: vpc-0a1b2c3d4e5f60718, cidrBlock: 10.20.0.0/16}
    stackReferences:                    # pulumi.StackReference("acme/network/prod") → its outputs
      acme/network/prod:
        vpcId: vpc-0a1b2c3d4e5f60718
        privateSubnetIds: [subnet-0a1b2c3d4e5f60718, subnet-0b1c2d3e4f5a60718]

The first invoke entry whose token and args match answers the call. See ``docs/fixtures.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tierup.engine.project import read_yaml
from tierup.errors import TierupError

if TYPE_CHECKING:
    from tierup.engine.project import Project

SECTIONS = ("invokes", "stackReferences")
INVOKE_KEYS = ("token", "args", "result")


def fixtures_path(project: Project, stack: str) -> Any:
    return project.stack_config_dir / f"Pulumi.{stack}.fixtures.yaml"


def load_fixtures(project: Project, stack: str) -> dict[str, Any]:
    """The validated fixtures of ``stack`` (empty sections when there is no file); errors are one line."""
    path = fixtures_path(project, stack)
    shown = project.relative(path)
    fixtures: dict[str, Any] = {"file": shown, "invokes": [], "stackReferences": {}}
    if not path.is_file():
        return fixtures
    data = read_yaml(path, "the fixtures file", shown)
    for key in data:
        if key not in SECTIONS:
            raise TierupError(f"unknown section (expected {' or '.join(SECTIONS)})", file=shown, key=str(key))
    invokes = [] if data.get("invokes") is None else data["invokes"]
    if not isinstance(invokes, list):
        raise TierupError("must be a list of {token, args, result}", file=shown, key="invokes")
    for index, entry in enumerate(invokes):
        where = f"invokes[{index}]"
        if not isinstance(entry, dict):
            raise TierupError("must be a mapping with token, args and result", file=shown, key=where)
        for key in entry:
            if key not in INVOKE_KEYS:
                raise TierupError(
                    f"unknown key (expected {', '.join(INVOKE_KEYS)})", file=shown, key=f"{where}.{key}"
                )
        token = entry.get("token")
        if not isinstance(token, str) or token.count(":") != 2:
            raise TierupError(
                "required: the invoke's token, such as aws:ec2/getVpc:getVpc",
                file=shown,
                key=f"{where}.token",
            )
        if not isinstance(entry.get("args") or {}, dict):
            raise TierupError("must be a mapping of argument → value", file=shown, key=f"{where}.args")
        if not isinstance(entry.get("result"), dict):
            raise TierupError(
                "required: a mapping of result field → value", file=shown, key=f"{where}.result"
            )
        fixtures["invokes"].append(
            {"token": token, "args": entry.get("args") or {}, "result": entry["result"]}
        )
    references = {} if data.get("stackReferences") is None else data["stackReferences"]
    if not isinstance(references, dict):
        raise TierupError("must be a mapping of stack name → outputs", file=shown, key="stackReferences")
    for name, outputs in references.items():
        if not isinstance(outputs, dict):
            raise TierupError(
                "must be a mapping of output name → value", file=shown, key=f"stackReferences.{name}"
            )
        fixtures["stackReferences"][str(name)] = outputs
    return fixtures
