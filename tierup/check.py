"""``tierup check``: the report of the policy packs over an evaluated stack — text, JSON or SARIF."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tierup import __version__
from tierup.errors import TierupError
from tierup.policy_runner import PackInfo, PolicyPack, Violation
from tierup.workflow import environment_for, start, validate_or_stop

if TYPE_CHECKING:
    from tierup.engine.evaluation import Evaluation
    from tierup.waivers import Waiver

#: The production-readiness scorecard: each area and the policies (by name or prefix) that decide it.
SCORECARD: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("load balancing", ("alb-", "target-group-")),
    ("autoscaling", ("asg-", "worker-scales-on-queue", "survives-az-loss")),
    ("caching", ("elasticache-failover", "elasticache-encryption", "elasticache-auth")),
    ("queueing", ("sqs-",)),
    ("isolation", ("launch-template-", "security-group-", "no-secrets-in-user-data", "nat-")),
    ("alarms", ("alarm-", "every-tier-has-alarms", "dlq-has-alarm")),
    ("database", ("rds-",)),
    ("data safety", ("elasticache-backups", "stateful-resources-protected")),
)


#: The config key a ``tierup.build`` stack edits to fix a policy, by the tierup component that owns the
#: resource: policy → (component type, key under ``tierup:``; ``{name}`` is the tier's name in its map).
#: Kept here, not in the pack: the pack runs standalone and knows nothing of tierup's config.
CONFIG_KEYS: dict[str, tuple[str, str]] = {
    "asg-min-capacity": ("tierup:app_tier:AppTier", "services.{name}.minSize"),
    "asg-multi-az": ("tierup:network:Network", "network.azCount"),
    "survives-az-loss": ("tierup:app_tier:AppTier", "services.{name}.minSize"),
    "nat-per-az": ("tierup:network:Network", "network.nat"),
    "alb-deletion-protection": ("tierup:load_balancer:LoadBalancer", "loadBalancer.deletionProtection"),
    "alb-access-logs": ("tierup:load_balancer:LoadBalancer", "loadBalancer.accessLogs"),
    "alb-https": ("tierup:load_balancer:LoadBalancer", "loadBalancer.domain"),
    "alb-waf": ("tierup:load_balancer:LoadBalancer", "loadBalancer.waf"),
    "elasticache-failover": ("tierup:redis_cache:RedisCache", "redis.replicas"),
    "elasticache-backups": ("tierup:redis_cache:RedisCache", "redis.snapshotRetentionDays"),
    "sqs-dead-letter-queue": ("tierup:queue:Queue", "queues.{name}.maxReceiveCount"),
    "rds-multi-az": ("tierup:database:Database", "database.multiAz"),
    "rds-backups": ("tierup:database:Database", "database.backupRetentionDays"),
    "rds-deletion-protection": ("tierup:database:Database", "database.deletionProtection"),
    "worker-scales-on-queue": ("tierup:worker_pool:WorkerPool", "workers.{name}.backlogPerInstance"),
}


def config_keys(evaluation: Evaluation, violations: list[Violation], environment: str) -> dict[str, str]:
    """``"<policy> <urn>"`` → the config key to edit, for violations on resources of tierup components."""
    by_urn = {r.urn: r for r in evaluation.resources}
    found: dict[str, str] = {}
    for v in violations:
        if v.policy not in CONFIG_KEYS:
            continue
        component_type, template = CONFIG_KEYS[v.policy]
        record = by_urn.get(v.urn)
        while record is not None and record.type != component_type:
            record = by_urn.get(record.parent) if record.parent else None
        if record is None:
            continue
        name = record.name.removeprefix(f"{environment}-")
        found[f"{v.policy} {v.urn}"] = "tierup:" + template.format(name=name)
    return found


def area_of(policy: str) -> str:
    for area, prefixes in SCORECARD:
        if any(policy == p or (p.endswith("-") and policy.startswith(p)) for p in prefixes):
            return area
    return "other"


@dataclass
class CheckReport:
    project: str
    stack: str
    environment: str
    packs: list[PackInfo]
    violations: list[Violation]
    resources: int
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # urn → {"file", "line"}
    program_file: str = "Pulumi.yaml"
    waivers: list[Waiver] = field(default_factory=list)
    suppressed: list[Violation] = field(default_factory=list)  # disabled by a waiver (as found)
    keys: dict[str, str] = field(default_factory=dict)  # "<policy> <urn>" → the config key to edit
    notes: list[str] = field(default_factory=list)  # what the offline evaluation could not see

    def waiver_for(self, v: Violation) -> Waiver | None:
        """The waiver that changed ``v``'s enforcement, if any."""
        return next((w for w in self.waivers if w.policy == v.policy and w.covers(v.name)), None)

    def config_key(self, v: Violation) -> str | None:
        return self.keys.get(f"{v.policy} {v.urn}")

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement == "mandatory"]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement == "advisory"]

    @property
    def policy_count(self) -> int:
        return sum(len(p.policies) for p in self.packs)

    @property
    def exit_code(self) -> int:
        return 1 if self.mandatory else 0

    # ---- JSON (DESIGN §6) --------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        violations = []
        for v in self.violations:
            entry: dict[str, Any] = v.to_dict()
            if key := self.config_key(v):
                entry["configKey"] = key
            violations.append(entry)
        return {
            "project": self.project,
            "stack": self.stack,
            "environment": self.environment,
            "packs": [{"name": p.name, "version": p.version} for p in self.packs],
            "violations": violations,
            "waivers": [w.to_json() for w in self.waivers],
            "notes": list(self.notes),
            "summary": {
                "resources": self.resources,
                "policies": self.policy_count,
                "mandatory": len(self.mandatory),
                "advisory": len(self.advisory),
            },
        }

    # ---- text: a scorecard grouped by area --------------------------------------------

    def render_text(self) -> str:
        packs = ", ".join(f"{p.name}@{p.version}" for p in self.packs)
        lines = [f"{self.project} · stack {self.stack} · environment {self.environment} · {packs}", ""]
        by_area: dict[str, list[Violation]] = defaultdict(list)
        for v in self.violations:
            by_area[area_of(v.policy)].append(v)
        remediation = {p.name: p.remediation for pack in self.packs for p in pack.policies}
        lines.append("production readiness")
        areas = [a for a, _ in SCORECARD] + (["other"] if by_area.get("other") else [])
        for area in areas:
            found = by_area.get(area, [])
            mandatory = sum(1 for v in found if v.enforcement == "mandatory")
            mark = "FAIL" if mandatory else ("WARN" if found else "PASS")
            detail = f"{mandatory} mandatory, {len(found) - mandatory} advisory" if found else "ok"
            lines.append(f"  [{mark}] {area:<15} {detail}")
        for area in areas:
            found = by_area.get(area, [])
            if not found:
                continue
            lines.append("")
            lines.append(f"{area}:")
            for v in sorted(found, key=lambda v: (v.enforcement != "mandatory", v.policy, v.urn)):
                lines.append(f"  {v.enforcement:<9} {v.policy}  {v.type}  {v.name}")
                lines.append(
                    f"            {v.message.strip().splitlines()[0] if v.message.strip() else v.description}"
                )
                hint = remediation.get(v.policy)
                if hint and hint not in v.message and "Fix:" not in v.message:  # one fix, never two
                    lines.append(f"            fix: {hint.strip().splitlines()[0]}")
                if key := self.config_key(v):
                    lines.append(f"            config: {key}")
                if waiver := self.waiver_for(v):
                    lines.append(
                        f"            waived to {waiver.enforcement}: {waiver.reason or '(no reason)'}"
                    )
        lines += self._render_waivers()
        lines.append("")
        lines.append(
            f"{self.resources} resources · {self.policy_count} policies · "
            f"{len(self.mandatory)} mandatory · {len(self.advisory)} advisory violation(s)"
        )
        return "\n".join(lines)

    def _render_waivers(self) -> list[str]:
        if not self.waivers:
            return []
        lines = ["", "waivers (tierup:policies):"]
        for w in self.waivers:
            scope = f" on {', '.join(w.resources)}" if w.resources else ""
            hits = [
                v for v in (*self.violations, *self.suppressed) if v.policy == w.policy and w.covers(v.name)
            ]
            lines.append(
                f"  {w.policy} → {w.enforcement}{scope} ({len(hits)} violation(s)): {w.reason or '-'}"
            )
        return lines

    # ---- SARIF 2.1.0 for code scanning -------------------------------------------------

    def to_sarif(self) -> dict[str, Any]:
        rules = []
        index: dict[str, int] = {}
        for pack in self.packs:
            for p in pack.policies:
                if p.name in index:
                    continue
                index[p.name] = len(rules)
                rule: dict[str, Any] = {
                    "id": p.name,
                    "name": "".join(part.capitalize() for part in p.name.split("-")),
                    "shortDescription": {
                        "text": p.description.strip().splitlines()[0] if p.description.strip() else p.name
                    },
                    "fullDescription": {"text": p.description or p.name},
                    "defaultConfiguration": {"level": "error" if p.enforcement == "mandatory" else "warning"},
                    "properties": {  # tags must be distinct (SARIF)
                        "tags": list(dict.fromkeys([pack.name, area_of(p.name), *p.tags])),
                        "severity": p.severity or "medium",
                    },
                }
                if p.remediation:
                    rule["help"] = {"text": p.remediation}
                if p.url:
                    rule["helpUri"] = p.url
                rules.append(rule)
        results = []
        for v in [*self.violations, *self.suppressed]:
            source = self.sources.get(v.urn) or {"file": self.program_file, "line": 1}
            result: dict[str, Any] = {
                "ruleId": v.policy,
                "level": "error" if v.enforcement == "mandatory" else "warning",
                "message": {"text": f"{v.message.strip() or v.description} ({v.type} '{v.name}')"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": source["file"]},
                            "region": {"startLine": max(int(source.get("line") or 1), 1)},
                        },
                        "logicalLocations": [{"fullyQualifiedName": v.urn, "kind": "resource"}],
                    }
                ],
                "partialFingerprints": {"tierupViolation/v1": f"{v.policy}:{v.urn}"},
                "properties": {"enforcement": v.enforcement, "pack": v.pack, "environment": self.environment},
            }
            if v.policy in index:
                result["ruleIndex"] = index[v.policy]
            if key := self.config_key(v):
                result["properties"]["configKey"] = key
                result["message"]["text"] += f"; config: {key}"
            if waiver := self.waiver_for(v):
                result["properties"]["waiver"] = waiver.to_json()
                if v in self.suppressed:
                    result["suppressions"] = [
                        {"kind": "external", "status": "accepted", "justification": waiver.reason or "waived"}
                    ]
            results.append(result)
        return {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "tierup",
                            "version": __version__,
                            "rules": rules,
                        }
                    },
                    "automationDetails": {"id": f"tierup/{self.project}/{self.stack}/"},
                    "results": results,
                    **({"properties": {"notes": list(self.notes)}} if self.notes else {}),
                }
            ],
        }


def builtin_pack_dir() -> Path:
    """The tierup-resilience pack shipped in the package (``tierup/policies``)."""
    import tierup.policies

    return Path(tierup.policies.__file__).parent


def run_check(
    directory: Path,
    stack: str,
    *,
    extra_packs: list[Path] | None = None,
    extra_configs: list[Path] | None = None,
    environment: str | None = None,
    debug: bool = False,
) -> CheckReport:
    """Evaluate the stack and run every pack over it; the packs start while the program evaluates.

    The built-in pack runs with its ``config/<environment>.json``; a ``--policy-pack`` with the same
    name replaces it. A pack given without a config file uses its own ``config/<environment>.json``
    when it ships one (tierup's convention), else its defaults.
    """
    run = start(directory, stack, debug=debug, validate=False)
    env = environment_for(run.config.values, stack, environment)
    wire_config, secret_keys = run.config.wire(), sorted(run.config.secret_keys)
    pack_dirs = [builtin_pack_dir(), *(extra_packs or [])]
    configs: list[Path | None] = [None, *(extra_configs or [])]
    configs += [None] * (len(pack_dirs) - len(configs))
    packs: list[PolicyPack] = []
    try:
        for pack_dir in pack_dirs:
            if not pack_dir.is_dir():
                raise TierupError("no such policy pack folder", file=str(pack_dir), key="--policy-pack")
            packs.append(
                PolicyPack(
                    pack_dir,
                    project=run.project.name,
                    stack=stack,
                    config=wire_config,
                    secret_keys=secret_keys,
                )
            )
        validate_or_stop(run, stack)  # while the program and the packs start
        evaluation = run.result()
        chosen = _replace_builtin(packs, configs)
        levels: dict[str, str] = {}
        for pack, config_file in chosen:
            preset = pack.dir / "config" / f"{env}.json"
            reconciled = pack.configure(config_file, preset=preset if preset.is_file() else None)
            levels.update(
                {name: cfg.get("enforcementLevel") or "advisory" for name, cfg in reconciled.items()}
            )
        from tierup.waivers import load as load_waivers  # pydantic: only once there is something to read

        stack_file = run.project.relative(run.config.file)
        waivers = load_waivers(run.config.values, file=stack_file, levels=levels)
        violations: list[Violation] = []
        for pack, _ in chosen:
            violations.extend(pack.analyze(evaluation))
        kept, suppressed = apply_waivers(violations, waivers)
        main_file = run.project.main / "__main__.py" if run.project.main.is_dir() else run.project.main
        return CheckReport(
            project=evaluation.project,
            stack=evaluation.stack,
            environment=env,
            packs=[p.info() for p, _ in chosen],
            violations=kept,
            resources=len(evaluation.custom_resources()),
            sources={r.urn: r.source for r in evaluation.resources if r.source},
            program_file=str(main_file.resolve().relative_to(run.project.root.resolve())),
            waivers=waivers,
            suppressed=suppressed,
            keys=config_keys(evaluation, [*kept, *suppressed], env),
            notes=list(evaluation.notes),
        )
    finally:
        for pack in packs:
            pack.close()
        if run.process.poll() is None:
            run.process.kill()


def apply_waivers(
    violations: list[Violation], waivers: list[Waiver]
) -> tuple[list[Violation], list[Violation]]:
    """(violations at their waived enforcement, violations a ``disabled`` waiver suppresses)."""
    by_policy = {w.policy: w for w in waivers}
    kept: list[Violation] = []
    suppressed: list[Violation] = []
    for v in violations:
        waiver = by_policy.get(v.policy)
        if waiver is None or not waiver.covers(v.name):
            kept.append(v)
        elif waiver.enforcement == "disabled":
            suppressed.append(v)
        else:
            kept.append(replace(v, enforcement=waiver.enforcement))
    return kept, suppressed


def _replace_builtin(
    packs: list[PolicyPack], configs: list[Path | None]
) -> list[tuple[PolicyPack, Path | None]]:
    """Every pack with its config file; a user pack named like the built-in one replaces it."""
    builtin, extras = packs[0], list(zip(packs[1:], configs[1:], strict=True))
    names = {pack.info().name for pack, _ in extras}
    chosen = [] if builtin.info().name in names else [(builtin, configs[0])]
    return chosen + extras
