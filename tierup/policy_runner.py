"""Run CrossGuard policy packs over an evaluation through the real analyzer protocol.

Each pack is started exactly as the Pulumi CLI starts a Python pack:
``python -m pulumi.policy <engine address> <pack dir>`` (the pack's own virtualenv when its
``PulumiPolicy.yaml`` names one that exists), and the port it prints on stdout is dialled with the
gRPC stubs the ``pulumi`` package ships. Then, as the CLI does: ``GetAnalyzerInfo``, the config
reconciled from the policies' schema defaults, the pack's initial config and the config file
(``--policy-pack-config``), ``Configure``, ``ConfigureStack``, ``Analyze`` for every resource with
its inputs, and ``AnalyzeStack`` once with every resource's outputs.

Where tierup differs from the CLI: the program is evaluated as a preview, so inputs computed from
outputs the mocks cannot know arrive as unknowns, as in ``pulumi preview``; but the ids, ARNs and
names the mocks derive are known, so policies can follow references a first preview leaves unknown. The CLI also installs the pack's requirements into its
virtualenv; tierup uses the pack's virtualenv if it exists, else its own interpreter.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from tierup.errors import TierupError

if TYPE_CHECKING:
    from tierup.engine.evaluation import Evaluation, ResourceRecord

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "disabled", "remediate")
SEVERITIES = ("", "low", "medium", "high", "critical")
START_TIMEOUT_SECONDS = 60.0
#: Thousands of resources make AnalyzeStack requests far over gRPC's 4 MB default; the pack's server
#: (pulumi_policy) accepts 400 MB, and so does the Pulumi CLI's client.
MAX_MESSAGE_BYTES = 400 * 1024 * 1024
GRPC_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]


@dataclass
class PolicyInfo:
    name: str
    description: str
    enforcement: str
    severity: str
    kind: str  # "resource" or "stack"
    remediation: str = ""
    config_schema: dict[str, Any] | None = None
    required: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    url: str = ""


@dataclass
class PackInfo:
    name: str
    version: str
    description: str
    policies: list[PolicyInfo]
    initial_config: dict[str, dict[str, Any]]


@dataclass
class Violation:
    policy: str
    pack: str
    enforcement: str
    severity: str
    urn: str
    type: str
    name: str
    message: str
    description: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "policy": self.policy,
            "pack": self.pack,
            "enforcement": self.enforcement,
            "severity": self.severity,
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "message": self.message,
        }


def _proto() -> tuple[Any, Any, Any]:
    from tierup._rpc import proto  # Pulumi's stubs without importing the whole SDK in the CLI

    return proto("analyzer_pb2"), proto("analyzer_pb2_grpc"), proto("plugin_pb2")


def read_manifest(pack_dir: Path) -> dict[str, Any]:
    """``PulumiPolicy.yaml``: the pack's runtime and, for Python packs, its version."""
    manifest = pack_dir / "PulumiPolicy.yaml"
    try:
        data = yaml.safe_load(manifest.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TierupError(f"cannot read the policy pack manifest: {exc}", file=str(manifest)) from None
    if not isinstance(data, dict):
        raise TierupError("the policy pack manifest must be a mapping", file=str(manifest))
    return data


def pack_python(pack_dir: Path, data: dict[str, Any]) -> str:
    """The interpreter for a pack: its virtualenv (``runtime.options.virtualenv``) when present."""
    manifest = pack_dir / "PulumiPolicy.yaml"
    runtime = data.get("runtime")
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if name != "python":
        raise TierupError(
            f"tierup runs Python policy packs only (runtime is {name!r})", file=str(manifest), key="runtime"
        )
    venv = ((runtime.get("options") or {}) if isinstance(runtime, dict) else {}).get("virtualenv")
    if venv:
        for candidate in (pack_dir / venv / "bin" / "python", pack_dir / venv / "Scripts" / "python.exe"):
            if candidate.exists():
                return str(candidate)
    return sys.executable


class _EngineLog:
    """The engine endpoint a pack is given (the CLI passes its engine's address): collects logs."""

    def __init__(self) -> None:
        import grpc
        from google.protobuf import empty_pb2

        from tierup._rpc import proto

        engine_pb2_grpc = proto("engine_pb2_grpc")

        self.messages: list[str] = []
        outer = self

        class Servicer(engine_pb2_grpc.EngineServicer):
            def Log(self, request: Any, context: Any) -> Any:
                outer.messages.append(request.message)
                return empty_pb2.Empty()

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
        engine_pb2_grpc.add_EngineServicer_to_server(Servicer(), self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    def stop(self) -> None:
        self.server.stop(0)


class PolicyPack:
    """A running policy pack process and its analyzer client."""

    def __init__(
        self, pack_dir: Path, *, project: str, stack: str, config: dict[str, str], secret_keys: list[str]
    ) -> None:
        """Start the pack process now; the first call that needs it waits for its port."""
        if not (pack_dir / "PulumiPolicy.yaml").is_file():
            raise TierupError("not a policy pack (no PulumiPolicy.yaml)", file=str(pack_dir))
        self.dir = pack_dir
        self.project, self.stack, self.config, self.secret_keys = project, stack, config, secret_keys
        self.manifest = read_manifest(pack_dir)
        python = pack_python(pack_dir, self.manifest)
        self._engine = _EngineLog()
        env = {
            **os.environ,
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_DRY_RUN": "true",
            "PULUMI_CONFIG": json.dumps(config),
            "PULUMI_CONFIG_SECRET_KEYS": json.dumps(secret_keys),
        }
        from tierup.engine.process import spawn

        self.process = spawn(
            [python, "-m", "pulumi.policy", f"127.0.0.1:{self._engine.port}", str(pack_dir.resolve())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(pack_dir),
            env=env,
        )
        self._port: int | None = None
        self._stub: Any = None
        self._info: PackInfo | None = None
        self._reconciled: dict[str, dict[str, Any]] = {}

    def _connect(self) -> Any:
        if self._stub is not None:
            return self._stub
        port_line: list[bytes] = []

        def read_port() -> None:
            assert self.process.stdout is not None
            port_line.append(self.process.stdout.readline())

        reader = threading.Thread(target=read_port, daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_SECONDS)
        text = port_line[0].decode().strip() if port_line else ""
        if not text.isdigit():
            self.process.kill()
            _, err = self.process.communicate()
            detail = (err or b"").decode(errors="replace").strip().splitlines()
            reason = detail[-1] if detail else f"it printed {text!r} instead of a port"
            raise TierupError(f"the policy pack failed to start: {reason}", file=str(self.dir))
        import grpc

        _, analyzer_pb2_grpc, _ = _proto()
        self._port = int(text)
        channel = grpc.insecure_channel(f"127.0.0.1:{self._port}", options=GRPC_OPTIONS)
        grpc.channel_ready_future(channel).result(timeout=START_TIMEOUT_SECONDS)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(channel)
        return self._stub

    def info(self) -> PackInfo:
        if self._info is None:
            from google.protobuf import empty_pb2, json_format

            analyzer_pb2, _, _ = _proto()
            raw = self._connect().GetAnalyzerInfo(empty_pb2.Empty())
            policies = []
            for p in raw.policies:
                schema = json_format.MessageToDict(p.configSchema) if p.HasField("configSchema") else None
                policies.append(
                    PolicyInfo(
                        name=p.name,
                        description=p.description,
                        enforcement=ENFORCEMENT_LEVELS[p.enforcementLevel],
                        severity=SEVERITIES[p.severity] if p.severity < len(SEVERITIES) else "",
                        kind="stack"
                        if p.policy_type == analyzer_pb2.PolicyType.POLICY_TYPE_STACK
                        else "resource",
                        remediation=p.remediation_steps,
                        config_schema=(schema or {}).get("properties"),
                        required=list((schema or {}).get("required", [])),
                        tags=list(p.tags),
                        url=p.url,
                    )
                )
            initial = {}
            for key, cfg in raw.initialConfig.items():
                initial[key] = {
                    "enforcementLevel": ENFORCEMENT_LEVELS[cfg.enforcementLevel]
                    if cfg.enforcementLevel
                    else "",
                    "properties": json_format.MessageToDict(cfg.properties),
                }
            # The Python SDK reports a placeholder version; like the CLI, take the manifest's
            version = str(self.manifest.get("version") or raw.version)
            self._info = PackInfo(raw.name, version, raw.description, policies, initial)
        return self._info

    def configure(self, config_file: Path | None, *, preset: Path | None = None) -> dict[str, dict[str, Any]]:
        """Reconcile and send the pack's config, then the stack's, as the CLI does; return the config.

        ``preset`` (the environment's ``config/<env>.json``) applies first and ``config_file`` merges
        over it, so a user's file changes only what it names.
        """
        analyzer_pb2, _, _ = _proto()
        info = self.info()
        layers = [(path, load_policy_config(path)) for path in (preset, config_file) if path is not None]
        reconciled = reconcile_config(info, layers, file=str(self.dir))
        self._reconciled = reconciled
        stub = self._connect()
        stub.Configure(self._configure_request(reconciled))
        stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=self.stack,
                project=self.project,
                organization="organization",
                dry_run=True,
                config=self.config,
                config_secret_keys=self.secret_keys,
            )
        )
        return reconciled

    def _configure_request(self, reconciled: dict[str, dict[str, Any]], only: str | None = None) -> Any:
        """The ``Configure`` request; with ``only``, every other policy disabled."""
        from google.protobuf import struct_pb2

        analyzer_pb2, _, _ = _proto()
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, cfg in reconciled.items():
            props = struct_pb2.Struct()
            props.update(cfg.get("properties") or {})
            level = cfg.get("enforcementLevel") or "advisory"
            if only is not None and name != only:
                level = "disabled"
            request.policyConfig[name].CopyFrom(
                analyzer_pb2.PolicyConfig(enforcementLevel=ENFORCEMENT_LEVELS.index(level), properties=props)
            )
        return request

    def _call(self, method: str, request: Any, what: str) -> Any:
        """One analyzer call; a policy that raises becomes one line naming the pack and the policy."""
        import grpc

        stub = self._connect()
        try:
            return getattr(stub, method)(request)
        except grpc.RpcError as exc:
            details = str(exc.details() or "").removeprefix("Exception calling application: ")
            culprit = self._raising_policy(method, request)
            stub.Configure(self._configure_request(self._reconciled))
            who = f"policy '{culprit}'" if culprit else "a policy"
            raise TierupError(
                f"{who} of pack '{self.info().name}' raised on {what}: {' '.join(details.split())}",
                file=str(self.dir),
            ) from None

    def _raising_policy(self, method: str, request: Any) -> str | None:
        """Which policy raises: replay the call with one policy enabled at a time (only on failure)."""
        import grpc

        kind = "stack" if method == "AnalyzeStack" else "resource"
        stub = self._connect()
        for policy in self.info().policies:
            if (
                policy.kind != kind
                or self._reconciled.get(policy.name, {}).get("enforcementLevel") == "disabled"
            ):
                continue
            stub.Configure(self._configure_request(self._reconciled, only=policy.name))
            try:
                getattr(stub, method)(request)
            except grpc.RpcError:
                return policy.name
        return None

    def analyze(self, evaluation: Evaluation) -> list[Violation]:
        """``Analyze`` every resource with its inputs, then ``AnalyzeStack`` with every resource's outputs."""
        analyzer_pb2, _, _ = _proto()
        self._connect()
        info = self.info()
        by_urn = {r.urn: r for r in evaluation.resources}
        violations: list[Violation] = []
        for record in evaluation.resources:
            if not record.custom:
                continue
            response = self._call(
                "Analyze",
                analyzer_pb2.AnalyzeRequest(
                    type=record.type,
                    properties=_struct(record.inputs),
                    urn=record.urn,
                    name=record.name,
                    options=_options(record),
                    provider=_provider(record, by_urn),
                ),
                f"{record.type} '{record.name}'",
            )
            violations.extend(self._violations(response, info, by_urn, default=record))
        resources = [
            analyzer_pb2.AnalyzerResource(
                type=r.type,
                properties=_struct({**r.inputs, **r.outputs}),
                urn=r.urn,
                name=r.name,
                options=_options(r),
                provider=_provider(r, by_urn),
                parent=r.parent,
                dependencies=r.dependencies,
                propertyDependencies={
                    k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                    for k, v in r.property_dependencies.items()
                },
            )
            for r in evaluation.resources
        ]
        response = self._call(
            "AnalyzeStack", analyzer_pb2.AnalyzeStackRequest(resources=resources), "the stack"
        )
        stack = by_urn.get(evaluation.stack_urn)
        violations.extend(
            self._violations(response, info, by_urn, default=stack, stack_urn=evaluation.stack_urn)
        )
        return violations

    def _violations(
        self,
        response: Any,
        info: PackInfo,
        by_urn: dict[str, ResourceRecord],
        default: ResourceRecord | None,
        stack_urn: str = "",
    ) -> list[Violation]:
        out = []
        for d in response.diagnostics:
            urn = d.urn or (default.urn if default else stack_urn)
            target = by_urn.get(urn)
            # pulumi_policy sends "<description>\n<message>"; keep the two apart
            message = d.message.removeprefix(d.description + "\n") if d.description else d.message
            out.append(
                Violation(
                    policy=d.policyName,
                    pack=d.policyPackName or info.name,
                    enforcement=ENFORCEMENT_LEVELS[d.enforcementLevel],
                    severity=SEVERITIES[d.severity] if d.severity < len(SEVERITIES) else "",
                    urn=urn,
                    type=target.type if target else "pulumi:pulumi:Stack",
                    name=target.name if target else urn.rsplit("::", 1)[-1],
                    message=message.strip() or d.description,
                    description=d.description,
                )
            )
        return out

    def close(self) -> None:
        from tierup.engine.process import reap

        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        reap(self.process)  # and whatever the pack started
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()
        self._engine.stop()


def _struct(value: dict[str, Any]) -> Any:
    from google.protobuf import struct_pb2

    from tierup.engine import wire

    s = struct_pb2.Struct()
    s.update(wire.for_analyzer(value))
    return s


def _options(record: ResourceRecord) -> Any:
    analyzer_pb2, _, _ = _proto()
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=record.protect,
        ignoreChanges=record.ignore_changes,
        deleteBeforeReplace=record.delete_before_replace,
        additionalSecretOutputs=record.additional_secret_outputs,
        parent=record.parent,
    )


def _provider(record: ResourceRecord, by_urn: dict[str, ResourceRecord]) -> Any:
    analyzer_pb2, _, _ = _proto()
    if not record.provider:
        return None
    provider_urn = record.provider.rsplit("::", 1)[0]
    provider = by_urn.get(provider_urn)
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, properties=_struct(provider.inputs), urn=provider.urn, name=provider.name
    )


# ---- config, as the Pulumi CLI reconciles it ---------------------------------------------------


def load_policy_config(path: Path) -> dict[str, dict[str, Any]]:
    """Parse a ``--policy-pack-config`` file: ``{"policy": "mandatory"}`` or ``{"policy": {"enforcementLevel": …, props…}}``."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise TierupError(f"cannot read the policy config: {exc.strerror}", file=str(path)) from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TierupError(f"invalid JSON: {exc.msg} (line {exc.lineno})", file=str(path)) from None
    if not isinstance(data, dict):
        raise TierupError("must be a JSON object", file=str(path))
    result: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if isinstance(value, str):
            if value not in ENFORCEMENT_LEVELS:
                raise TierupError(f"'{value}' is not a valid enforcement level", file=str(path), key=key)
            result[key] = {"enforcementLevel": value, "properties": {}}
        elif isinstance(value, dict):
            props = dict(value)
            level = props.pop("enforcementLevel", "")
            if level and level not in ENFORCEMENT_LEVELS:
                raise TierupError(
                    f"'{level}' is not a valid enforcement level",
                    file=str(path),
                    key=f"{key}.enforcementLevel",
                )
            if level or props:
                result[key] = {"enforcementLevel": level, "properties": props}
        else:
            raise TierupError("must be an enforcement level or an object", file=str(path), key=key)
    return result


def apply_config(result: dict[str, dict[str, Any]], given: dict[str, dict[str, Any]]) -> None:
    """Merge ``given`` over ``result``: ``all`` sets every policy's level, then each policy's entry."""
    everything = given.get("all", {}).get("enforcementLevel")
    if everything:
        for cfg in result.values():
            cfg["enforcementLevel"] = everything
    for name, cfg in given.items():
        current = result.setdefault(name, {"enforcementLevel": "", "properties": {}})
        if cfg.get("enforcementLevel"):
            current["enforcementLevel"] = cfg["enforcementLevel"]
        current["properties"] = {**(current.get("properties") or {}), **(cfg.get("properties") or {})}


def reconcile_config(
    info: PackInfo,
    given: dict[str, dict[str, Any]] | list[tuple[Path, dict[str, dict[str, Any]]]],
    *,
    file: str,
) -> dict[str, dict[str, Any]]:
    """Schema defaults, then the pack's initial config, then each given config (a preset, then the
    user's file); validated against each schema. Unknown policies and properties are errors."""
    layers = [(Path(file), given)] if isinstance(given, dict) else given
    result: dict[str, dict[str, Any]] = {}
    for p in info.policies:
        defaults = {
            k: v["default"]
            for k, v in (p.config_schema or {}).items()
            if isinstance(v, dict) and "default" in v
        }
        result[p.name] = {"enforcementLevel": p.enforcement, "properties": defaults}
    apply_config(result, info.initial_config)
    for path, layer in layers:
        check_policy_names(info, layer, file=str(path))
        apply_config(result, layer)
    shown = str(layers[-1][0]) if layers else file
    for p in info.policies:
        if not p.config_schema and not p.required:
            continue
        schema = {"type": "object", "properties": p.config_schema or {}}
        if p.required:
            schema["required"] = p.required
        problem = _schema_error(schema, result[p.name]["properties"])
        if problem:
            raise TierupError(f"invalid policy config: {problem}", file=shown, key=p.name)
    return result


def check_policy_names(info: PackInfo, given: dict[str, dict[str, Any]], *, file: str) -> None:
    """Refuse a policy the pack does not have, or a property its schema does not declare (with a hint)."""
    from tierup.waivers import suggest

    policies = {p.name: p for p in info.policies}
    for name, cfg in given.items():
        if name == "all":
            continue
        policy = policies.get(name)
        if policy is None:
            hint = (
                suggest(name, policies)
                or f"; {info.name} has {len(policies)} policies (tierup check lists them)"
            )
            raise TierupError(f"unknown policy in {info.name}{hint}", file=file, key=name)
        known = policy.config_schema or {}
        for prop in cfg.get("properties") or {}:
            if prop not in known:
                expected = f"; it takes {', '.join(sorted(known))}" if known else "; it takes no properties"
                raise TierupError(
                    f"unknown property{suggest(prop, known) or expected}", file=file, key=f"{name}.{prop}"
                )


def _schema_error(schema: dict[str, Any], value: dict[str, Any]) -> str | None:
    try:
        import jsonschema
    except ImportError:  # a slim install: the pack validates what it reads
        return None
    error = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(schema).iter_errors(value))
    if error is None:
        return None
    where = ".".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message
