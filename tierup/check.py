"""``tierup check``: the report of the policy packs over an evaluated stack — text, JSON or SARIF."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierup import __version__
from tierup.errors import TierupError
from tierup.policy_runner import PackInfo, PolicyPack, Violation
from tierup.workflow import environment_for, start, validate_or_stop

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
        return {
            "project": self.project,
            "stack": self.stack,
            "environment": self.environment,
            "packs": [{"name": p.name, "version": p.version} for p in self.packs],
            "violations": [v.to_dict() for v in self.violations],
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
                if hint and hint not in v.message:
                    lines.append(f"            fix: {hint.strip().splitlines()[0]}")
        lines.append("")
        lines.append(
            f"{self.resources} resources · {self.policy_count} policies · "
            f"{len(self.mandatory)} mandatory · {len(self.advisory)} advisory violation(s)"
        )
        return "\n".join(lines)

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
        for v in self.violations:
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
        violations: list[Violation] = []
        for pack, config_file in chosen:
            default_config = pack.dir / "config" / f"{env}.json"
            pack.configure(config_file or (default_config if default_config.is_file() else None))
            violations.extend(pack.analyze(evaluation))
        main_file = run.project.main / "__main__.py" if run.project.main.is_dir() else run.project.main
        return CheckReport(
            project=evaluation.project,
            stack=evaluation.stack,
            environment=env,
            packs=[p.info() for p, _ in chosen],
            violations=violations,
            resources=len(evaluation.custom_resources()),
            sources={r.urn: r.source for r in evaluation.resources if r.source},
            program_file=str(main_file.resolve().relative_to(run.project.root.resolve())),
        )
    finally:
        for pack in packs:
            pack.close()
        if run.process.poll() is None:
            run.process.kill()


def _replace_builtin(
    packs: list[PolicyPack], configs: list[Path | None]
) -> list[tuple[PolicyPack, Path | None]]:
    """Every pack with its config file; a user pack named like the built-in one replaces it."""
    builtin, extras = packs[0], list(zip(packs[1:], configs[1:], strict=True))
    names = {pack.info().name for pack, _ in extras}
    chosen = [] if builtin.info().name in names else [(builtin, configs[0])]
    return chosen + extras
