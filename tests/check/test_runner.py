"""The analyzer client: a pack started as the Pulumi CLI starts it, driven over gRPC."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tierup.engine import evaluate
from tierup.engine.evaluation import Evaluation
from tierup.errors import TierupError
from tierup.policy_runner import PackInfo, PolicyInfo, PolicyPack, load_policy_config, reconcile_config

SAMPLE_PACK = Path(__file__).parent / "sample_pack"
PROJECT = Path(__file__).parent / "projects" / "queues"


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluate(PROJECT, "prod")


@pytest.fixture
def pack() -> Iterator[PolicyPack]:
    started = PolicyPack(
        SAMPLE_PACK, project="queues", stack="prod", config={"aws:region": "us-east-1"}, secret_keys=[]
    )
    yield started
    started.close()


def test_pack_info_comes_from_get_analyzer_info(pack: PolicyPack) -> None:
    info = pack.info()
    assert (info.name, info.version) == ("sample-pack", "0.0.1")
    kinds = {p.name: (p.kind, p.enforcement) for p in info.policies}
    assert kinds == {"queue-retention": ("resource", "mandatory"), "no-public-bucket": ("stack", "advisory")}
    schema = next(p for p in info.policies if p.name == "queue-retention").config_schema
    assert schema == {"minRetentionSeconds": {"type": "integer", "default": 86400, "minimum": 60}}


def test_analyze_and_analyze_stack_report_violations_with_urns(
    pack: PolicyPack, evaluation: Evaluation
) -> None:
    pack.configure(None)
    found = {(v.policy, v.enforcement, v.urn) for v in pack.analyze(evaluation)}
    base = "urn:pulumi:prod::queues::"
    assert found == {
        ("queue-retention", "mandatory", f"{base}aws:sqs/queue:Queue::short"),
        ("no-public-bucket", "advisory", f"{base}aws:s3/bucket:Bucket::site"),
    }


def test_config_file_changes_thresholds_and_enforcement(
    pack: PolicyPack, evaluation: Evaluation, tmp_path: Path
) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"all": "advisory", "queue-retention": {"minRetentionSeconds": 7200000}}))
    pack.configure(config)
    found = {(v.policy, v.enforcement, v.name) for v in pack.analyze(evaluation)}
    assert ("queue-retention", "advisory", "long") in found  # the new threshold catches the 14-day queue too
    assert ("queue-retention", "advisory", "short") in found


def test_a_disabled_policy_reports_nothing(pack: PolicyPack, evaluation: Evaluation, tmp_path: Path) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"queue-retention": "disabled"}))
    pack.configure(config)
    assert {v.policy for v in pack.analyze(evaluation)} == {"no-public-bucket"}


def test_stack_violations_without_a_resource_carry_the_stack_urn(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: empty\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("import pulumi_aws as aws\naws.s3.Bucket('b')\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    evaluation = evaluate(tmp_path, "dev")
    pack = PolicyPack(SAMPLE_PACK, project="empty", stack="dev", config={}, secret_keys=[])
    try:
        pack.configure(None)
        violations = pack.analyze(evaluation)
    finally:
        pack.close()
    assert [(v.policy, v.urn, v.type) for v in violations] == [
        ("no-public-bucket", "urn:pulumi:dev::empty::pulumi:pulumi:Stack::empty-dev", "pulumi:pulumi:Stack")
    ]


def test_a_pack_that_fails_to_start_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (tmp_path / "__main__.py").write_text("raise RuntimeError('pack is broken')\n")
    pack = PolicyPack(tmp_path, project="p", stack="s", config={}, secret_keys=[])
    try:
        with pytest.raises(TierupError, match="the policy pack failed to start"):
            pack.info()
    finally:
        pack.close()


def test_not_a_pack(tmp_path: Path) -> None:
    with pytest.raises(TierupError, match="not a policy pack"):
        PolicyPack(tmp_path, project="p", stack="s", config={}, secret_keys=[])


# ---- config reconciliation, as the Pulumi CLI does it --------------------------------------


def info(initial: dict | None = None) -> PackInfo:
    return PackInfo(
        name="p",
        version="1",
        description="",
        policies=[
            PolicyInfo(
                "a", "", "mandatory", "", "resource", config_schema={"min": {"type": "integer", "default": 2}}
            ),
            PolicyInfo("b", "", "advisory", "", "stack"),
        ],
        initial_config=initial or {},
    )


def test_reconcile_starts_from_schema_defaults_and_policy_levels() -> None:
    assert reconcile_config(info(), {}, file="f") == {
        "a": {"enforcementLevel": "mandatory", "properties": {"min": 2}},
        "b": {"enforcementLevel": "advisory", "properties": {}},
    }


def test_reconcile_applies_initial_config_then_the_file_with_all_first() -> None:
    initial = {"b": {"enforcementLevel": "mandatory", "properties": {}}}
    given = {
        "all": {"enforcementLevel": "advisory", "properties": {}},
        "a": {"enforcementLevel": "", "properties": {"min": 5}},
    }
    result = reconcile_config(info(initial), given, file="f")
    assert result["a"] == {"enforcementLevel": "advisory", "properties": {"min": 5}}
    assert result["b"]["enforcementLevel"] == "advisory"  # "all" in the file overrides the initial config


def test_reconcile_validates_against_the_schema() -> None:
    with pytest.raises(TierupError, match=r"f: a: invalid policy config: min: 'x' is not of type 'integer'"):
        reconcile_config(info(), {"a": {"enforcementLevel": "", "properties": {"min": "x"}}}, file="f")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": "mandatory"}', {"a": {"enforcementLevel": "mandatory", "properties": {}}}),
        (
            '{"a": {"enforcementLevel": "disabled", "min": 3}}',
            {"a": {"enforcementLevel": "disabled", "properties": {"min": 3}}},
        ),
        ("", {}),
    ],
)
def test_policy_config_file_format(tmp_path: Path, text: str, expected: dict) -> None:
    path = tmp_path / "c.json"
    path.write_text(text)
    assert load_policy_config(path) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": "strict"}', "a: 'strict' is not a valid enforcement level"),
        ('{"a": 3}', "a: must be an enforcement level or an object"),
        ("[1]", "must be a JSON object"),
        ("{", "invalid JSON"),
    ],
)
def test_bad_policy_config_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text)
    with pytest.raises(TierupError, match=message):
        load_policy_config(path)


def test_an_unknown_policy_name_in_the_config_file_is_an_error_with_a_hint() -> None:
    with pytest.raises(TierupError, match=r"^f: aa: unknown policy in p; did you mean 'a'\?$"):
        reconcile_config(info(), {"aa": {"enforcementLevel": "disabled", "properties": {}}}, file="f")
    # no close name: the error says how many policies the pack has and where to see them
    with pytest.raises(
        TierupError, match=r"^f: zzz: unknown policy in p; p has 2 policies \(tierup check lists them\)$"
    ):
        reconcile_config(info(), {"zzz": {"enforcementLevel": "disabled", "properties": {}}}, file="f")


RAISING_PACK = """
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy


def fine(args, report_violation):
    pass


def explodes(args, report_violation):
    if args.resource_type == "aws:sqs/queue:Queue":
        raise KeyError("visibilityTimeout")


PolicyPack(
    name="raising-pack",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(name="a-fine-one", description="fine", validate=fine),
        ResourceValidationPolicy(name="explodes", description="raises", validate=explodes),
        StackValidationPolicy(name="stack-fine", description="fine", validate=fine),
    ],
)
"""


def test_a_policy_that_raises_is_one_line_naming_pack_and_policy(
    evaluation: Evaluation, tmp_path: Path
) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text((SAMPLE_PACK / "PulumiPolicy.yaml").read_text())
    (tmp_path / "__main__.py").write_text(RAISING_PACK)
    pack = PolicyPack(tmp_path, project="queues", stack="prod", config={}, secret_keys=[])
    try:
        pack.configure(None)
        with pytest.raises(TierupError) as caught:
            pack.analyze(evaluation)
    finally:
        pack.close()
    message = str(caught.value)
    queue = evaluation.find(type="aws:sqs/queue:Queue")[0]
    assert message == (
        f"{tmp_path}: policy 'explodes' of pack 'raising-pack' raised on aws:sqs/queue:Queue "
        f"'{queue.name}': 'visibilityTimeout'"
    )


def test_thousands_of_resources_check_without_a_message_size_failure(tmp_path: Path) -> None:
    """5,000 queues: the AnalyzeStack request is far over gRPC's 4 MB default."""
    from tests.engine._projects import project

    root = project(
        tmp_path / "big",
        """
        import pulumi_aws as aws

        for n in range(5000):
            aws.sqs.Queue(f"jobs-{n}", message_retention_seconds=60 if n == 4999 else 86400,
                          tags={"team": "platform", "purpose": "load test " * 20})
        """,
        config="aws:region: us-east-1",
    )
    big = evaluate(root, "dev", timeout=240)
    assert len(big.custom_resources()) == 5000
    pack = PolicyPack(SAMPLE_PACK, project="probe", stack="dev", config={}, secret_keys=[])
    try:
        pack.configure(None)
        violations = pack.analyze(big)
    finally:
        pack.close()
    assert [(v.policy, v.name) for v in violations] == [("queue-retention", "jobs-4999")]
