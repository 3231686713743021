"""alb-https and no-secrets-in-user-data (revision 2) over the real analyzer protocol.

Each raw pulumi_aws program under tests/policies/prodsafe is evaluated by ``tierup check``, which starts
the pack as the Pulumi CLI does and calls it over gRPC: secrets reach it with Pulumi's secret signature,
exactly as in ``pulumi preview --policy-pack``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.helpers import TESTS, run_cli
from tierup.engine.project import secret_placeholder

PROJECTS = TESTS / "policies" / "prodsafe"


def check(tmp_path: Path, project: str, stack: str, config: dict[str, Any] | None = None) -> tuple[int, str]:
    copy = tmp_path / project
    shutil.copytree(PROJECTS / project, copy)
    if config:
        stack_file = copy / f"Pulumi.{stack}.yaml"
        text = stack_file.read_text()
        stack_file.write_text(text + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in config.items()))
    result = run_cli("check", copy, "--stack", stack, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, result.stdout


def violations(stdout: str, policy: str) -> list[dict[str, Any]]:
    return [v for v in json.loads(stdout)["violations"] if v["policy"] == policy]


def test_hand_written_prod_alb_serving_http_only_is_a_mandatory_violation(tmp_path: Path) -> None:
    code, out = check(tmp_path, "http_only", "prod")
    found = violations(out, "alb-https")
    assert code == 1
    on_alb = [v for v in found if v["type"] == "aws:lb/loadBalancer:LoadBalancer"]
    assert len(on_alb) == 1 and on_alb[0]["enforcement"] == "mandatory"
    assert "no HTTPS listener" in on_alb[0]["message"]
    assert any(v["name"] == "http" and v["enforcement"] == "mandatory" for v in found)


def test_the_same_stack_in_dev_is_advisory(tmp_path: Path) -> None:
    code, out = check(tmp_path, "http_only", "dev")
    assert code == 0
    found = violations(out, "alb-https")
    assert found and {v["enforcement"] for v in found} == {"advisory"}


def test_https_with_a_redirect_passes_alb_https(tmp_path: Path) -> None:
    _, out = check(tmp_path, "http_only", "prod", {"http:https": True})
    assert violations(out, "alb-https") == []


def test_user_data_from_a_secret_config_value_is_flagged_and_never_echoed(tmp_path: Path) -> None:
    code, out = check(tmp_path, "secret_user_data", "prod")
    [found] = violations(out, "no-secrets-in-user-data")
    assert code == 1 and found["enforcement"] == "mandatory" and found["name"] == "app"
    assert "userData is a Pulumi secret" in found["message"]
    # the literal scan alone would pass it: only the value's secretness tells; nothing of it is printed
    placeholder = secret_placeholder("secret-user-data:appConfig")
    assert placeholder not in out and "c2VjcmV0LWNpcGhlcnRleHQ" not in out


def test_user_data_carrying_only_the_secret_arn_passes(tmp_path: Path) -> None:
    code, out = check(tmp_path, "secret_user_data", "prod", {"secret-user-data:viaArn": True})
    assert violations(out, "no-secrets-in-user-data") == []
    assert code == 0
