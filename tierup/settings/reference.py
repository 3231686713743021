"""What is generated from the models: the JSON Schema (``tierup schema``) and ``docs/configuration.md``.

Both read the fields through :func:`tierup.settings.fields.iter_fields`, as ``tierup new``'s stack
files do. Regenerate the doc with ``python -m tierup.settings > docs/configuration.md``.
"""

from __future__ import annotations

import re
import typing
from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic.json_schema import models_json_schema
from pydantic_core import PydanticUndefined

from tierup.aws_facts import ENVIRONMENTS
from tierup.settings.fields import FieldSpec, iter_fields, model_in
from tierup.settings.formats import (
    REFERENCE_SUFFIXES,
    REGION_RE,
    SECRET_PAIRS,
    TIER_NAME_MAX,
    TIER_NAME_RE,
    Allowed,
    plain,
)
from tierup.settings.loading import IGNORED_KEYS, TIERUP_FIELDS
from tierup.settings.models import CROSS_FIELD_RULES, DEFAULT_REGION, StackSettings

__all__ = ["EXAMPLE_CONFIG", "SCHEMA_DIALECT", "json_schema", "render_reference_markdown"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_POLICIES_SCHEMA = {
    "type": "object",
    "description": "Waivers of policies of the tierup-resilience pack, read by tierup check (tierup.waivers):"
    " policy name → enforcement, the reason, and optionally the resources it is limited to.",
    "additionalProperties": {
        "type": "object",
        "properties": {
            "enforcement": {"enum": ["advisory", "mandatory", "disabled"]},
            "reason": {"type": "string", "minLength": 1},
            "resources": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["enforcement"],
        "additionalProperties": False,
    },
}


def _top_specs() -> list[FieldSpec]:
    return [spec for spec in iter_fields(StackSettings, recurse=False) if spec.key in TIERUP_FIELDS]


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a ``Pulumi.<stack>.yaml`` file, for editors and ``tierup schema``."""
    specs = _top_specs()
    models = [spec.model for spec in specs if spec.model is not None]
    _, top = models_json_schema(
        [(model, "validation") for model in models], by_alias=True, ref_template="#/$defs/{model}"
    )
    properties: dict[str, Any] = {
        "aws:region": {
            "type": "string",
            "pattern": REGION_RE,
            "default": DEFAULT_REGION,
            "description": f"AWS region the stack deploys to. Default: {DEFAULT_REGION}.",
        },
    }
    for spec in specs:
        model = spec.model
        if model is None:
            properties[f"tierup:{spec.key}"] = {
                "enum": list(ENVIRONMENTS),
                "description": spec.info.description,
            }
            continue
        ref = {"$ref": f"#/$defs/{model.__name__}"}
        if spec.is_map:
            entry: dict[str, Any] = {
                "type": "object",
                "propertyNames": {"pattern": TIER_NAME_RE, "maxLength": TIER_NAME_MAX},
                "additionalProperties": ref,
            }
            for item in spec.info.metadata:
                if hasattr(item, "min_length"):
                    entry["minProperties"] = item.min_length
                if hasattr(item, "max_length"):
                    entry["maxProperties"] = item.max_length
            entry["description"] = f"{model.__doc__} {spec.info.description}"
            properties[f"tierup:{spec.key}"] = entry
        else:
            properties[f"tierup:{spec.key}"] = {
                **ref,
                "description": f"{model.__doc__} {spec.info.description}",
            }
    for key in IGNORED_KEYS:
        properties[key] = _POLICIES_SCHEMA
    known = "|".join(re.escape(k.removeprefix("tierup:")) for k in properties if k.startswith("tierup:"))
    required = [f"tierup:{spec.key}" for spec in specs if spec.required]
    config = {
        "type": "object",
        "description": "Stack configuration: tierup:* keys are validated; other namespaces are passed through.",
        "properties": properties,
        "patternProperties": {rf"^tierup:(?!({known})$)": False},
        "required": required,
    }
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "tierup stack configuration (Pulumi.<stack>.yaml)",
        "type": "object",
        "properties": {
            "config": config,
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
        },
        "required": ["config"],
        "$defs": top["$defs"],
    }


EXAMPLE_CONFIG = """\
config:
  aws:region: eu-west-1
  tierup:environment: prod
  tierup:network:
    cidr: 10.20.0.0/16
  tierup:loadBalancer:
    domain: shop.example.com
  tierup:services:
    web:
      build:
        context: .
      port: 3000
      routes:
        paths: ["/*"]
      minSize: 3
      maxSize: 12
      requestsPerTarget: 1000
      env:
        RAILS_ENV: production
      secrets:
        STRIPE_KEY:
          secure: AAABAJ0bsY6f3tWl0nGmZkQ0lJ9QnzK5
      sendsTo: [emails]
    api:
      image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:2.0.1
      routes:
        hosts: [api.shop.example.com]
      secrets:
        JWT_KEY: arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-AbCdEf
  tierup:queues:
    emails: {}
    images:
      visibilityTimeoutSeconds: 900
  tierup:workers:
    emails:
      queue: emails
      image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/mailer:1.0.0
      maxSize: 4
    images:
      queue: images
      image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/images:3.2.0
      instanceType: c7g.large
      maxSize: 20
      jobTimeoutSeconds: 600
      sendsTo: []
  tierup:schedules:
    nightly-digest:
      schedule: cron(0 3 * * ? *)
      timezone: Europe/Paris
      queue: emails
      message: {job: nightly-digest}
  tierup:redis:
    maxmemoryPolicy: noeviction
  tierup:database:
    engine: postgres
  tierup:alarms:
    emails: [oncall@example.com]
    webhooks: [https://events.pagerduty.com/integration/0123456789abcdef/enqueue]
"""


def _summary(model: Any) -> str:
    """A model's first docstring paragraph, on one line."""
    paragraph = (model.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type_name(annotation: Any) -> str:
    """A field's type in words: ``integer``, ``list of strings``, ``map of objects``..."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal:
        return "enum"
    if origin is Annotated:
        return _type_name(args[0])
    if args and type(None) in args:
        return _type_name(next(a for a in args if a is not type(None)))
    if origin is list:
        return f"list of {_type_name(args[0])}s"
    if origin is dict:
        return "map of objects" if model_in(args[1]) is not None else f"map of {_type_name(args[1])}s"
    if model_in(annotation) is not None:
        return "object"
    return {int: "integer", float: "number", bool: "boolean", str: "string"}.get(annotation, "any")


def _metadata_in(annotation: Any) -> list[Any]:
    """``Annotated`` metadata anywhere inside an annotation (optional values, list items, dict keys)."""
    found = list(getattr(annotation, "__metadata__", ()))
    for arg in typing.get_args(annotation):
        found += _metadata_in(arg)
    return found


def _allowed_text(spec: FieldSpec) -> str:
    """Bounds, choices or format of a field, for the reference table."""
    info = spec.info
    annotation = info.annotation
    if typing.get_args(annotation) and type(None) in typing.get_args(annotation):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is Literal:
        return ", ".join(f"`{choice}`" for choice in typing.get_args(annotation))
    formats = [m.text for m in [*info.metadata, *_metadata_in(info.annotation)] if isinstance(m, Allowed)]
    if formats:
        return formats[0]
    if any(isinstance(m, Ge | Gt | Le | Lt) for m in info.metadata):
        lower = next((f"{m.ge:,}" for m in info.metadata if isinstance(m, Ge)), None)
        upper = next((f"{m.le:,}" for m in info.metadata if isinstance(m, Le)), None)
        exclusive = next((f"> {m.gt}" for m in info.metadata if isinstance(m, Gt)), None)
        if lower is not None and upper is not None:
            return f"{lower}\N{EN DASH}{upper}"
        return " and ".join(p for p in (exclusive or (lower and f"≥ {lower}"), upper and f"≤ {upper}") if p)
    if info.annotation is bool:
        return "`true`, `false`"
    return ""


def _defaults_cells(spec: FieldSpec) -> list[str]:
    meta = spec.meta
    if isinstance(meta, dict):
        return [f"`{plain(meta[env])}`" for env in ENVIRONMENTS]
    if isinstance(meta, str):
        return [meta] * 3
    if spec.info.default is PydanticUndefined:
        return ["required"] * 3
    return [f"`{plain(spec.info.default)}`"] * 3


def _field_rows(spec_model: Any) -> list[str]:
    rows = []
    for spec in iter_fields(spec_model):
        cells = [
            f"`{spec.path}`",
            _type_name(spec.info.annotation),
            _allowed_text(spec),
            *_defaults_cells(spec),
        ]
        rows.append("| " + " | ".join(_cell(c) for c in [*cells, spec.description]) + " |")
    return rows


_HEADER = "| key | type | allowed | dev | staging | prod | description |\n|---|---|---|---|---|---|---|"


def render_reference_markdown() -> str:
    """``docs/configuration.md``: every key, type, bound, per-environment default and description."""
    specs = _top_specs()
    out = [
        "# Configuration reference",
        "",
        "<!-- Generated from tierup/settings/; do not edit. Regenerate with:"
        " python -m tierup.settings > docs/configuration.md -->",
        "",
        "A stack's settings live in `stacks/Pulumi.<stack>.yaml` under `config:`, as structured values with"
        " camelCase keys. `tierup:environment` picks the presets: every field left out takes the dev, staging"
        ' or prod default shown below. Unknown keys are errors, with a "did you mean" hint. `tierup:services`'
        " is required; `tierup:network`, `tierup:loadBalancer` and `tierup:alarms` always exist; `tierup:redis`"
        " and `tierup:database` are built only when present (`{}` builds one with all defaults).",
        "",
        "`tierup:services`, `tierup:queues`, `tierup:workers` and `tierup:schedules` are maps of named,"
        " independent tiers (bulkheads): each entry becomes its own component with its own security group,"
        " role, scaling and alarms, so one failing never stops another. Names are lowercase DNS labels"
        f" (`[a-z][a-z0-9-]*`, at most {TIER_NAME_MAX} characters). Below, `<name>` stands for an entry's name.",
        "",
        "`tierup schema` prints the JSON Schema of this format; to have an editor complete and check the file,"
        " put `# yaml-language-server: $schema=<path to the saved schema>` at its top.",
        "",
        "An invalid config stops before any resource is declared, with one line naming the file and key:",
        "",
        "```",
        "error: stacks/Pulumi.prod.yaml: tierup:services.web.minSize: must be ≤ maxSize (3 > 2)",
        "```",
        "",
        "Revision 1's single-object keys are refused with what replaced them:",
        "",
        "```",
        "error: stacks/Pulumi.prod.yaml: tierup:app: replaced by tierup:services, a map of named services;"
        " move this block under tierup:services.web",
        "```",
        "",
        "## Example",
        "",
        "```yaml",
        EXAMPLE_CONFIG.rstrip("\n"),
        "```",
        "",
        "## Top-level keys",
        "",
        _HEADER,
        f"| `aws:region` | string | AWS region, e.g. `eu-west-1` | `{DEFAULT_REGION}` | `{DEFAULT_REGION}`"
        f" | `{DEFAULT_REGION}` | AWS region the stack deploys to (read by tierup and the AWS provider). |",
    ]
    for spec in specs:
        model = spec.model
        if model is None:
            allowed = _allowed_text(spec)
            cells = [f"`tierup:{spec.key}`", "enum", allowed, *_defaults_cells(spec), spec.description]
        else:
            kind = "map of objects" if spec.is_map else "object"
            cells = [
                f"[`tierup:{spec.key}`](#tierup{spec.key.lower()})",
                kind,
                _allowed_text(spec) if spec.is_map else "",
                *_defaults_cells(spec),
                f"{_summary(model)} {spec.description}",
            ]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    out.append(
        "| `tierup:policies` | map of objects |  | none | none | none | Policy waivers read by `tierup check`"
        " (not by the program): policy name → `enforcement` (`advisory`, `mandatory`, `disabled`), `reason`,"
        " optional `resources`. |"
    )
    for spec in specs:
        model = spec.model
        if model is None:
            continue
        title = f"tierup:{spec.key}.<name>" if spec.is_map else f"tierup:{spec.key}"
        doc = " ".join(line.strip() for line in (model.__doc__ or "").split("\n") if line.strip())
        out += ["", f"## `tierup:{spec.key}`", "", f"`{title}`: {doc}", "", _HEADER, *_field_rows(model)]
    out += ["", "## Cross-field rules", "", "Checked after every field is valid; each is an error.", ""]
    out += [f"- {rule}" for rule in CROSS_FIELD_RULES]
    out += [
        "",
        "## Secrets",
        "",
        "Plain config is stored unencrypted and `env` travels in user data, so `env` refuses Pulumi secrets"
        " (`secure:` values: the error names the key and points to `secrets`, and shows no part of the value),"
        " names that look like secrets (words such as PASSWORD, PASSWD, PASSPHRASE, SECRET, TOKEN, CREDENTIAL,"
        " APIKEY, PRIVATEKEY, and "
        + ", ".join(sorted(SECRET_PAIRS))
        + ") and values that contain a private key, an AWS access key or a password in a URL. A name ending in "
        + ", ".join(sorted(REFERENCE_SUFFIXES))
        + " is allowed (`DB_PASSWORD_SECRET_ARN`).",
        "",
        "Secrets go under `secrets`: NAME → a Secrets Manager secret or SSM parameter ARN, or a Pulumi secret"
        " (`pulumi config set --secret --path 'tierup:services.web.secrets.STRIPE_KEY' sk_live_...`), which"
        " tierup stores in Secrets Manager. Each tier reads exactly its own secrets at boot through its own role;"
        " no secret is in user data, plan output, logs or error messages.",
        "",
    ]
    return "\n".join(out)
