"""Issue 10's "must hold", end to end through the CLI as a user runs it.

- a config-built prod stack without a domain or certificate is a one-line validation error;
- a hand-written prod stack with an HTTP-only internet-facing ALB is a mandatory ``alb-https`` violation;
- a ``secure:`` value under a service's ``env`` is refused with one line naming the key and ``secrets``,
  printing no part of the value;
- the same value under ``secrets`` appears in no output of ``plan``, ``check``, ``cost`` or ``graph``,
  and in no file tierup leaves behind (the project folder, TMPDIR and HOME are scanned).

Offline, the engine replaces each ``secure:`` ciphertext with a placeholder (``secret_placeholder``):
that placeholder is the secret value the program sees, so neither it nor the ciphertext may leak.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tierup.testing
from tests.helpers import REPO
from tierup.engine.project import secret_placeholder

#: A distinctive fake ciphertext: a piece of it anywhere in an output is a leak.
CIPHERTEXT = "v1:Zm9vYmFyYmF6cXV4:S3cr3tStr1peKeyCiphertextQwErTy9876ZyXwVu"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-web:1.4.2"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f5e8a3b-1c2d-4e6f-8a9b-0c1d2e3f4a5b"


def _stack(load_balancer: str, web_extra: str) -> str:
    return f"""\
config:
  aws:region: us-east-1
  tierup:environment: prod
  tierup:loadBalancer:
{load_balancer}
  tierup:services:
    web:
      image: {IMAGE}
{web_extra}
  tierup:alarms:
    emails: [oncall@example.com]
"""


SECRET_IN_SECRETS = _stack(
    f"    certificateArn: {CERTIFICATE}",
    f"      env:\n        RAILS_ENV: production\n      secrets:\n        STRIPE_KEY:\n          secure: {CIPHERTEXT}",
)
SECRET_IN_ENV = _stack(
    f"    certificateArn: {CERTIFICATE}",
    f"      env:\n        RAILS_ENV: production\n        STRIPE_KEY:\n          secure: {CIPHERTEXT}",
)
NO_DOMAIN = _stack("    idleTimeoutSeconds: 60", "      env:\n        RAILS_ENV: production")

HTTP_ONLY_PROGRAM = """\
import pulumi_aws as aws

vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
subnets = [
    aws.ec2.Subnet(f"public-{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24", availability_zone=zone)
    for i, zone in enumerate(["us-east-1a", "us-east-1b"])
]
group = aws.ec2.SecurityGroup("alb", vpc_id=vpc.id, description="the ALB")
alb = aws.lb.LoadBalancer(
    "alb", load_balancer_type="application", internal=False,
    subnets=[s.id for s in subnets], security_groups=[group.id],
)
target = aws.lb.TargetGroup("web", port=8080, protocol="HTTP", vpc_id=vpc.id)
aws.lb.Listener(
    "http", load_balancer_arn=alb.arn, port=80, protocol="HTTP",
    default_actions=[{"type": "forward", "target_group_arn": target.arn}],
)
"""


def _project(root: Path, name: str, stacks: dict[str, str], program: str | None = None) -> Path:
    """A config-built project (the reference program) or a hand-written one (``program``)."""
    project = root / name
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime: python\nmain: stacks/\nstackConfigDir: stacks\n"
    )
    if program is None:
        shutil.copy(REPO / "stacks" / "__main__.py", project / "stacks" / "__main__.py")
    else:
        (project / "stacks" / "__main__.py").write_text(program)
    for stack, text in stacks.items():
        (project / "stacks" / f"Pulumi.{stack}.yaml").write_text(text)
    return project


class Sandbox:
    """Runs ``tierup`` with its own TMPDIR and HOME, so every file it may leave behind can be scanned."""

    def __init__(self, root: Path) -> None:
        self.tmp, self.home = root / "tmp", root / "home"
        self.tmp.mkdir()
        self.home.mkdir()

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "XDG_"))}
        env.update({"TMPDIR": str(self.tmp), "HOME": str(self.home), "PYTHONDONTWRITEBYTECODE": "1"})
        return subprocess.run(
            [sys.executable, "-m", "tierup.cli", *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            timeout=300,
        )


def _pieces(secret: str, size: int) -> set[str]:
    """Every ``size``-character piece of ``secret`` (and the whole)."""
    return {secret[i : i + size] for i in range(len(secret) - size + 1)} | {secret}


def _leaks(text: str, secrets: list[str]) -> list[str]:
    """Pieces of the ciphertext (8 characters) or of a placeholder's random part (12 hex digits) in ``text``:
    the placeholder's ``offline-secret-`` prefix is shared by every placeholder, so only its hash counts."""
    pieces: set[str] = set()
    for secret in secrets:
        if secret.startswith("offline-secret-"):
            pieces |= _pieces(secret.removeprefix("offline-secret-"), 12) | {secret}
        else:
            pieces |= _pieces(secret, 8)
    return sorted(piece for piece in pieces if piece in text)


def _files(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


# ---- HTTPS ------------------------------------------------------------------------------------------


def test_a_config_built_prod_stack_without_domain_or_certificate_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path, "shop", {"prod": NO_DOMAIN})
    line = _one_line_error(Sandbox(tmp_path).run("check", ".", "--stack", "prod", cwd=project))
    assert line.startswith("error: stacks/Pulumi.prod.yaml: tierup:loadBalancer"), line
    assert "domain" in line and "certificateArn" in line


def test_a_hand_written_http_only_alb_is_a_mandatory_alb_https_violation(tmp_path: Path) -> None:
    project = _project(
        tmp_path, "raw", {"prod": "config:\n  aws:region: us-east-1\n"}, program=HTTP_ONLY_PROGRAM
    )
    result = Sandbox(tmp_path).run(
        "check", ".", "--stack", "prod", "--environment", "prod", "-f", "json", cwd=project
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    report = json.loads(result.stdout)
    https = [v for v in report["violations"] if v["policy"] == "alb-https"]
    assert https, json.dumps(report["violations"], indent=1)
    assert all(v["enforcement"] == "mandatory" for v in https)


# ---- secrets ------------------------------------------------------------------------------------------


def test_a_secret_in_env_is_refused_in_one_line_naming_the_key_and_secrets(tmp_path: Path) -> None:
    project = _project(tmp_path, "shop", {"prod": SECRET_IN_ENV})
    sandbox = Sandbox(tmp_path)
    for command in (("plan",), ("check",), ("cost",), ("graph",)):
        result = sandbox.run(*command, ".", "--stack", "prod", cwd=project)
        line = _one_line_error(result)
        assert line.startswith("error: stacks/Pulumi.prod.yaml: tierup:services.web.env.STRIPE_KEY: "), line
        assert "secrets" in line.split(": ", 3)[-1]
        placeholder = secret_placeholder("tierup:services.web.env.STRIPE_KEY")
        assert not _leaks(result.stdout + result.stderr, [CIPHERTEXT, placeholder]), line


@pytest.fixture(scope="module")
def secret_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Every output command over a prod stack with the secret under ``secrets``, and the files before/after."""
    root = tmp_path_factory.mktemp("secrets")
    project = _project(root, "shop", {"prod": SECRET_IN_SECRETS})
    sandbox = Sandbox(root)
    before = _files(project)
    commands = {
        "plan": ["plan", ".", "--stack", "prod"],
        "plan-json": ["plan", ".", "--stack", "prod", "-f", "json"],
        "check-json": ["check", ".", "--stack", "prod", "-f", "json"],
        "check": ["check", ".", "--stack", "prod"],
        "cost": ["cost", ".", "--stack", "prod"],
        "cost-json": ["cost", ".", "--stack", "prod", "-f", "json"],
        "graph": ["graph", ".", "--stack", "prod"],
        "graph-file": ["graph", ".", "--stack", "prod", "-f", "dot", "-o", "graph.dot"],
    }
    results = {name: sandbox.run(*args, cwd=project) for name, args in commands.items()}
    return {"project": project, "sandbox": sandbox, "before": before, "results": results}


SECRET_PATH = "tierup:services.web.secrets.STRIPE_KEY"


def test_the_secret_is_read_by_the_program(secret_runs: dict) -> None:
    """The stack is valid and the secret reaches the program: stored in Secrets Manager, read at boot."""
    results = secret_runs["results"]
    for name, result in results.items():
        assert result.returncode in (0, 1), f"{name}: {result.stderr[-2000:]}"
    plan = json.loads(results["plan-json"].stdout)
    text = json.dumps(plan)
    assert "web-stripe-key" in text and "aws:secretsmanager/secretVersion:SecretVersion" in text
    # the value the program stores is the placeholder the leak tests look for (so they cannot pass vacuously)
    stack = tierup.testing.evaluate_stack("prod", project_dir=secret_runs["project"])
    version = stack.one(type="aws:secretsmanager/secretVersion:SecretVersion", name="web-stripe-key")
    assert version.is_secret("secretString")
    assert version.unwrap("secretString") == secret_placeholder(SECRET_PATH)


def test_the_secret_value_is_in_no_output(secret_runs: dict) -> None:
    secrets = [CIPHERTEXT, secret_placeholder(SECRET_PATH)]
    for name, result in secret_runs["results"].items():
        assert result.stdout or name == "graph-file", name
        assert not _leaks(result.stdout + result.stderr, secrets), name


def test_the_secret_value_is_in_no_file_tierup_leaves_behind(secret_runs: dict) -> None:
    secrets = [CIPHERTEXT, secret_placeholder(SECRET_PATH)]
    project: Path = secret_runs["project"]
    sandbox: Sandbox = secret_runs["sandbox"]
    after = _files(project)
    written = {p: data for p, data in after.items() if secret_runs["before"].get(p) != data}
    assert project / "graph.dot" in written  # the scan sees what tierup writes
    left = {**written, **_files(sandbox.tmp), **_files(sandbox.home)}
    for path, data in left.items():
        assert not _leaks(data.decode("utf-8", "replace"), secrets), path


# ---- the build passes the load balancer's production settings -------------------------------------------

DOMAIN_STACK = _stack(
    "    domain: shop.example.com\n    rateLimitPer5Minutes: 500",
    "      env:\n        RAILS_ENV: production",
)
NO_WAF_STACK = _stack(f"    certificateArn: {CERTIFICATE}\n    waf: false", "")


@pytest.fixture(scope="module")
def domain_stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tierup.testing.Stack]:
    project = _project(
        tmp_path_factory.mktemp("domain"), "shop", {"prod": DOMAIN_STACK, "nowaf": NO_WAF_STACK}
    )
    return {stack: tierup.testing.evaluate_stack(stack, project_dir=project) for stack in ("prod", "nowaf")}


def test_a_domain_gets_a_dns_validated_certificate_and_alias_records(domain_stacks: dict) -> None:
    prod = domain_stacks["prod"]
    certificate = prod.one(type="aws:acm/certificate:Certificate")
    assert (certificate.inputs["domainName"], certificate.inputs["validationMethod"]) == (
        "shop.example.com",
        "DNS",
    )
    validation = prod.one(type="aws:acm/certificateValidation:CertificateValidation")
    assert validation.inputs["certificateArn"] == certificate.outputs["arn"]
    records = prod.resources(type="aws:route53/record:Record")
    aliases = [r for r in records if r.inputs.get("aliases")]
    assert sorted(r.inputs["type"] for r in aliases) == ["A", "AAAA"]
    assert {r.inputs["name"] for r in aliases} == {"shop.example.com"}
    https = [
        r for r in prod.resources(type="aws:lb/listener:Listener") if r.inputs.get("protocol") == "HTTPS"
    ]
    assert len(https) == 1 and https[0].inputs["certificateArn"] == validation.outputs["certificateArn"]
    assert prod.outputs["serviceUrls"]["web"].startswith("https://")


def test_prod_has_a_waf_with_the_configured_rate_limit_unless_turned_off(domain_stacks: dict) -> None:
    prod = domain_stacks["prod"]
    acl = prod.one(type="aws:wafv2/webAcl:WebAcl")
    limits = [
        rule["statement"]["rateBasedStatement"]["limit"]
        for rule in acl.inputs["rules"]
        if "rateBasedStatement" in rule["statement"]
    ]
    assert limits == [500]
    association = prod.one(type="aws:wafv2/webAclAssociation:WebAclAssociation")
    assert association.inputs["webAclArn"] == acl.outputs["arn"]
    assert (
        association.inputs["resourceArn"] == prod.one(type="aws:lb/loadBalancer:LoadBalancer").outputs["arn"]
    )
    assert not domain_stacks["nowaf"].resources(type="aws:wafv2/webAcl:WebAcl")


def test_a_prod_stack_with_a_domain_passes_its_check(domain_stacks: dict) -> None:
    report = domain_stacks["prod"].check()
    assert not report.mandatory, report.render_text()
    assert "alb-https" not in {v.policy for v in report.violations}
    assert "alb-waf" in {v.policy for v in domain_stacks["nowaf"].check().violations}


def test_a_config_built_service_rolls_back_on_alarms_that_exist_on_its_target_group(
    domain_stacks: dict,
) -> None:
    """tierup.build creates the Alarms after the services; the names the ASG was given are the ones it made."""
    prod = domain_stacks["prod"]
    asg = prod.one(type="aws:autoscaling/group:Group", component="web")
    preferences = asg.inputs["instanceRefresh"]["preferences"]
    assert preferences["autoRollback"] is True
    names = preferences["alarmSpecification"]["alarms"]
    assert names == ["shop-prod-web-5xx-rate", "shop-prod-web-unhealthy-hosts"]
    target_group = prod.one(type="aws:lb/targetGroup:TargetGroup", component="web")
    alarms = {a.inputs["name"]: a for a in prod.resources(type="aws:cloudwatch/metricAlarm:MetricAlarm")}
    for name in names:
        assert target_group.outputs["arnSuffix"] in json.dumps(alarms[name].inputs), name
        assert alarms[name].inputs["alarmActions"], name
