"""Data sources, stack references and multi-language components in real programs: realistic built-in
answers, a fixtures file beside the stack, and one-line errors naming the program's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierup.engine import evaluate
from tierup.errors import TierupError

from ._projects import project

LOOKUPS = """
import json
import pulumi
import pulumi_aws as aws

pulumi.export("region", aws.config.region)
pulumi.export("profile", aws.config.profile)
vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])
subnet = aws.ec2.get_subnet(id=subnets.ids[0])
sg = aws.ec2.get_security_group(vpc_id=vpc.id, name="default")
zone = aws.route53.get_zone(name="example.com.")
cert = aws.acm.get_certificate_output(domain="*.example.com", statuses=["ISSUED"])
creds = aws.ecr.get_credentials(registry_id="123456789012")
role = aws.iam.get_role(name="deployer")
key = aws.kms.get_alias(name="alias/aws/s3")
secret = aws.secretsmanager.get_secret_version(secret_id="prod/db")
param = aws.ssm.get_parameter(name="/app/feature-flags")
elb = aws.elb.get_service_account()
pulumi.export("vpc", {"id": vpc.id, "cidr": vpc.cidr_block, "default": vpc.default})
pulumi.export("subnets", subnets.ids)
pulumi.export("subnet", [subnet.availability_zone, subnet.vpc_id])
pulumi.export("sg", sg.id)
pulumi.export("zone", [zone.zone_id, zone.name])
pulumi.export("cert", cert.arn)
pulumi.export("registry", creds.proxy_endpoint)
pulumi.export("role", role.arn)
pulumi.export("key", key.target_key_arn)
pulumi.export("secret", pulumi.Output.secret(secret.secret_string))
pulumi.export("param", pulumi.Output.secret(param.value))
pulumi.export("elb", elb.arn)
"""


def test_common_aws_lookups_answer_with_aws_shapes(tmp_path: Path) -> None:
    outputs = evaluate(
        project(tmp_path / "p", LOOKUPS, config="aws:region: eu-west-1\naws:profile: ci"), "dev"
    ).plan()["outputs"]
    assert outputs["region"] == "eu-west-1" and outputs["profile"] == "ci"
    assert outputs["vpc"]["id"].startswith("vpc-0") and outputs["vpc"]["cidr"] == "172.31.0.0/16"
    assert outputs["vpc"]["default"] is True
    assert len(outputs["subnets"]) == 3 and all(s.startswith("subnet-0") for s in outputs["subnets"])
    assert outputs["subnet"][0] == "eu-west-1a" and outputs["subnet"][1].startswith("vpc-0")
    assert outputs["sg"].startswith("sg-0")
    assert outputs["zone"][0].startswith("Z") and outputs["zone"][1] == "example.com"
    assert outputs["cert"].startswith("arn:aws:acm:eu-west-1:123456789012:certificate/")
    assert outputs["registry"] == "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert outputs["role"] == "arn:aws:iam::123456789012:role/deployer"
    assert outputs["key"].startswith("arn:aws:kms:eu-west-1:123456789012:key/")
    assert outputs["secret"] == "[secret]" and outputs["param"] == "[secret]"
    assert outputs["elb"] == "arn:aws:iam::156460612806:root"


def test_an_unanswerable_invoke_names_the_program_line_and_the_fixtures_file(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        """
        import pulumi
        import pulumi_aws as aws

        queue = aws.sqs.Queue("q")
        version = aws.rds.get_engine_version_output(engine="postgres")
        pulumi.export("v", version.version)
        """,
    )
    with pytest.raises(TierupError) as caught:
        evaluate(root, "dev")
    message = str(caught.value)
    assert message.startswith(
        "__main__.py:6: no offline answer for the invoke 'aws:rds/getEngineVersion:getEngineVersion': "
        f"add it to {root / 'Pulumi.dev.fixtures.yaml'}"
    )
    assert "\n" not in message


FIXTURED = """
import pulumi
import pulumi_aws as aws

network = pulumi.StackReference("acme/network/prod")
version = aws.rds.get_engine_version(engine="postgres", default_only=True)
other = aws.rds.get_engine_version(engine="mysql")
db = aws.rds.Instance(
    "db",
    engine="postgres",
    engine_version=version.version,
    instance_class="db.t4g.micro",
    allocated_storage=20,
    db_subnet_group_name=network.get_output("dbSubnetGroup"),
    vpc_security_group_ids=network.require_output("dbSecurityGroupIds"),
    manage_master_user_password=True,
    username="app",
)
pulumi.export("versions", [version.version, other.version])
"""

FIXTURES = """
invokes:
  - token: aws:rds/getEngineVersion:getEngineVersion
    args: {engine: postgres}
    result: {version: "16.4", engine: postgres}
  - token: aws:rds/getEngineVersion:getEngineVersion
    result: {version: "8.0.39", engine: mysql}
stackReferences:
  acme/network/prod:
    dbSubnetGroup: shared-db
    dbSecurityGroupIds: [sg-0123456789abcdef0]
"""


def test_fixtures_answer_invokes_by_token_and_args_and_stack_references_by_name(tmp_path: Path) -> None:
    root = project(tmp_path / "p", FIXTURED)
    (root / "Pulumi.dev.fixtures.yaml").write_text(FIXTURES)
    evaluation = evaluate(root, "dev")
    assert evaluation.outputs["versions"] == ["16.4", "8.0.39"]
    db = evaluation.one(type="aws:rds/instance:Instance")
    assert db.inputs["engineVersion"] == "16.4"
    assert db.inputs["dbSubnetGroupName"] == "shared-db"
    assert db.inputs["vpcSecurityGroupIds"] == ["sg-0123456789abcdef0"]


def test_a_stack_reference_without_fixture_is_one_line_naming_the_program_line(tmp_path: Path) -> None:
    root = project(tmp_path / "p", FIXTURED)
    (root / "Pulumi.dev.fixtures.yaml").write_text(FIXTURES.split("stackReferences")[0])
    with pytest.raises(TierupError, match=r"^__main__\.py:5: no offline outputs for the stack reference "):
        evaluate(root, "dev")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("invoke: []", "invoke: unknown section (expected invokes or stackReferences)"),
        ("invokes: {}", "invokes: must be a list of {token, args, result}"),
        ("invokes: [{token: getVpc, result: {}}]", "invokes[0].token: required: the invoke's token"),
        ("invokes: [{token: a:b:c}]", "invokes[0].result: required: a mapping of result field"),
        ("invokes: [{token: a:b:c, result: {}, arg: {}}]", "invokes[0].arg: unknown key"),
        ("stackReferences: {a/b/c: [1]}", "stackReferences.a/b/c: must be a mapping of output name"),
        ("invokes: [{token: a:b:c, result: {}}]\ninvokes: []", "line 2: 'invokes' is given twice"),
    ],
)
def test_a_bad_fixtures_file_is_one_line_naming_file_and_key(tmp_path: Path, text: str, error: str) -> None:
    root = project(tmp_path / "p", "import pulumi\n")
    (root / "Pulumi.dev.fixtures.yaml").write_text(text)
    with pytest.raises(TierupError) as caught:
        evaluate(root, "dev")
    assert str(caught.value).startswith(f"{root / 'Pulumi.dev.fixtures.yaml'}: {error}")


def test_a_multi_language_component_gets_unknown_outputs_and_a_note(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        """
        import pulumi
        import pulumi_aws as aws


        class Vpc(pulumi.ComponentResource):  # what pulumi_awsx.ec2.Vpc declares
            def __init__(self, name, opts=None):
                super().__init__("awsx:ec2:Vpc", name, {"vpc_id": None, "private_subnet_ids": None}, opts, remote=True)


        vpc = Vpc("main")
        group = aws.ec2.SecurityGroup("web", vpc_id=vpc.vpc_id)
        pulumi.export("vpcId", vpc.vpc_id)
        pulumi.export("ran", vpc.private_subnet_ids.apply(lambda ids: ids[0]))
        """,
    )
    evaluation = evaluate(root, "dev")
    plan = evaluation.plan("dev")
    assert plan["outputs"] == {"vpcId": "[unknown]", "ran": "[unknown]"}
    group = next(r for r in plan["resources"] if r["name"] == "web")
    assert group["inputs"]["vpcId"] == "[unknown]"
    assert plan["notes"] == [
        "awsx:ec2:Vpc 'main' is a multi-language component of the 'awsx' package: its children are not "
        "evaluated offline and its outputs are unknown"
    ]


def test_a_multi_language_component_given_resources_as_props_does_not_hang(tmp_path: Path) -> None:
    """As ``eks.ManagedNodeGroup(cluster=..., node_role=role)``: the props hold Resource objects."""
    root = project(
        tmp_path / "p",
        """
        import pulumi
        import pulumi_aws as aws


        class Remote(pulumi.ComponentResource):
            def __init__(self, token, name, props, opts=None):
                super().__init__(token, name, props, opts, remote=True)


        role = aws.iam.Role("node-role", assume_role_policy="{}")
        cluster = Remote("eks:index:Cluster", "cluster", {"instanceRoles": [role], "core": None})
        group = Remote("eks:index:ManagedNodeGroup", "nodes", {"cluster": cluster, "nodeRole": role})
        pulumi.export("group", group.urn)
        """,
    )
    plan = evaluate(root, "dev", timeout=30).plan("dev")
    by_name = {r["name"]: r for r in plan["resources"]}
    role_id = by_name["node-role"]["inputs"]["name"]  # an IAM role's ID is its name
    assert by_name["cluster"]["inputs"]["instanceRoles"] == [role_id]
    assert by_name["nodes"]["inputs"] == {
        "cluster": by_name["cluster"]["urn"],
        "nodeRole": role_id,
    }
    assert plan["outputs"] == {"group": by_name["nodes"]["urn"]}


def test_a_method_call_on_a_multi_language_component_is_unknown_with_a_note(tmp_path: Path) -> None:
    """As ``eks.Cluster.get_kubeconfig()``: the package's provider would run it; offline it is unknown."""
    root = project(
        tmp_path / "p",
        """
        import pulumi


        class Cluster(pulumi.ComponentResource):  # what pulumi_eks declares
            def __init__(self, name, opts=None):
                super().__init__("eks:index:Cluster", name, {"kubeconfig": None}, opts, remote=True)

            def get_kubeconfig(self):
                return pulumi.runtime.call("eks:index:Cluster/getKubeconfig", {"__self__": self}, res=self)


        kubeconfig = Cluster("cluster").get_kubeconfig()
        pulumi.export("kubeconfig", kubeconfig)
        pulumi.export("server", kubeconfig.apply(lambda k: k["clusters"][0]["cluster"]["server"]))
        """,
    )
    plan = evaluate(root, "dev", timeout=30).plan("dev")
    assert plan["outputs"] == {"kubeconfig": "[unknown]", "server": "[unknown]"}
    assert (
        "eks:index:Cluster/getKubeconfig is a method of the 'eks' package, run by its provider: "
        "its result is unknown offline"
    ) in plan["notes"]


@pytest.mark.parametrize(
    ("stack_text", "error"),
    [
        (b'config:\n  a: "\xff"\n', "not UTF-8 text (byte 0xff at offset 14)"),
        (b"config:\n  a: !!binary aGVsbG8=\n", "line 2: binary values are not config values"),
        (b"config:\n  a: !!set {x, y}\n", "line 2: set values are not config values"),
        (b"config:\n  a: &x [*x]\n", "config.a[0]: a recursive alias"),
        (b"config:\n  a: 1\n  a: 2\n", "line 3: 'a' is given twice (first on line 2)"),
        (b"config:\n  a: " + b"9" * 4400 + b"\n", "line 2: the number is too large"),
        (b"config:\n  a: .nan\n", "line 2: NaN and infinity are not config values"),
        (
            b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
            b"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nconfig: {x: *g}\n",
            "too large once its aliases are expanded",
        ),
    ],
)
def test_hostile_stack_yaml_is_one_line_naming_the_file(
    tmp_path: Path, stack_text: bytes, error: str
) -> None:
    root = project(tmp_path / "p", "import pulumi\n")
    (root / "Pulumi.dev.yaml").write_bytes(stack_text)
    with pytest.raises(TierupError) as caught:
        evaluate(root, "dev")
    assert str(caught.value).endswith(f"Pulumi.dev.yaml: {error}")


def test_yaml_dates_stay_strings(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        "import pulumi\npulumi.export('d', pulumi.Config().get('since'))\n",
        config="since: 2026-01-01",
    )
    assert evaluate(root, "dev").outputs["d"] == "2026-01-01"
