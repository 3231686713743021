"""The one model of how resources link (``policies/rules/_graph.py``), on plain objects and on an evaluation.

The model is duck-typed, so the pack's ``PolicyResource`` objects and tierup's evaluated records (through
``tierup.inventory``) are read by the same functions; the last test shows both agree on an ASG reached
only through an ``aws.autoscaling.Attachment`` (where the two models of 0.1 disagreed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tierup.policies.rules import _graph

from tests.helpers import TESTS


@dataclass(eq=False)
class Res:
    urn: str
    resource_type: str
    props: dict[str, Any]
    property_dependencies: dict[str, list[Any]] = field(default_factory=dict)


def res(type_: str, logical: str, **props: Any) -> Res:
    return Res(f"urn:pulumi:s::p::{type_}::{logical}", type_, props)


SUBNETS = [
    res("aws:ec2/subnet:Subnet", f"s{i}", id=f"subnet-{i}", availabilityZone=f"eu-west-1{z}")
    for i, z in enumerate("abc")
]


def test_asg_attachment_links_target_group_and_listener_rule_labels_the_route():
    lb = res("aws:lb/loadBalancer:LoadBalancer", "lb", arn="arn:lb")
    listener = res("aws:lb/listener:Listener", "https", arn="arn:listener", loadBalancerArn="arn:lb")
    tg = res("aws:lb/targetGroup:TargetGroup", "tg", arn="arn:tg")
    rule = res(
        "aws:lb/listenerRule:ListenerRule", "api", listenerArn="arn:listener", priority=10,
        actions=[{"type": "forward", "targetGroupArn": "arn:tg"}],
        conditions=[{"hostHeader": {"values": ["api.example.com"]}}, {"pathPattern": {"values": ["/v1/*"]}}],
    )  # fmt: skip
    asg = res("aws:autoscaling/group:Group", "asg", name="asg-1", vpcZoneIdentifiers=["subnet-0", "subnet-1"])
    attachment = res(
        "aws:autoscaling/attachment:Attachment", "a", autoscalingGroupName="asg-1", lbTargetGroupArn="arn:tg"
    )
    model = _graph.StackModel([lb, listener, tg, rule, asg, attachment, *SUBNETS])
    assert _graph.asg_target_groups(model, asg) == [tg]
    assert _graph.asg_load_balancing(model)[asg.urn] is True
    assert _graph.asg_load_balancers(model, asg) == [lb]
    (route,) = _graph.target_group_routes(model, tg)
    assert (route.rule, route.label, route.priority) == (rule, "api.example.com /v1/*", 10)
    assert _graph.asg_placement(model, asg).azs == {"eu-west-1a", "eu-west-1b"}


def test_security_group_reachability_through_a_launch_template():
    db_sg = res("aws:ec2/securityGroup:SecurityGroup", "db", id="sg-db")
    app_sg = res("aws:ec2/securityGroup:SecurityGroup", "app", id="sg-app")
    other_sg = res("aws:ec2/securityGroup:SecurityGroup", "other", id="sg-other")
    rule = res(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r", securityGroupId="sg-db",
        referencedSecurityGroupId="sg-app",
    )  # fmt: skip
    template = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", id="lt-1", vpcSecurityGroupIds=["sg-app"])
    other_template = res(
        "aws:ec2/launchTemplate:LaunchTemplate", "lt2", id="lt-2", vpcSecurityGroupIds=["sg-other"]
    )
    app = res("aws:autoscaling/group:Group", "app", launchTemplate={"id": "lt-1"})
    other = res("aws:autoscaling/group:Group", "other", launchTemplate={"id": "lt-2"})
    db = res("aws:rds/instance:Instance", "db", vpcSecurityGroupIds=["sg-db"])
    model = _graph.StackModel([db_sg, app_sg, other_sg, rule, template, other_template, app, other, db])
    assert _graph.asg_launch_template(model, app) is template
    assert _graph.ingress_sources(model, db_sg) == [app_sg]
    assert _graph.admits(model, db, app) and not _graph.admits(model, db, other)


def test_database_nodes_primary_standby_replica_and_aurora():
    group = res(
        "aws:rds/subnetGroup:SubnetGroup",
        "g",
        name="db-subnets",
        subnetIds=["subnet-0", "subnet-1", "subnet-2"],
    )
    primary = res(
        "aws:rds/instance:Instance", "main", identifier="main", multiAz=True, instanceClass="db.t4g.small",
        dbSubnetGroupName="db-subnets",
    )  # fmt: skip
    replica = res("aws:rds/instance:Instance", "r1", replicateSourceDb="main", availabilityZone="eu-west-1c")
    cluster = res(
        "aws:rds/cluster:Cluster", "aurora", clusterIdentifier="aurora", dbSubnetGroupName="db-subnets"
    )
    members = [
        res(
            "aws:rds/clusterInstance:ClusterInstance",
            f"aurora-{i}",
            clusterIdentifier="aurora",
            instanceClass="db.r7g.large",
        )
        for i in range(2)
    ]
    model = _graph.StackModel([group, primary, replica, cluster, *members, *SUBNETS])
    nodes = _graph.database_nodes(model, primary)
    assert [(n.role, n.az) for n in nodes] == [("primary", "eu-west-1a"), ("standby", "eu-west-1b")]
    assert _graph.replica_source(model, replica) is primary
    assert [(n.role, n.az) for n in _graph.database_nodes(model, replica)] == [("replica", "eu-west-1c")]
    aurora = _graph.database_nodes(model, cluster)
    assert [(n.role, n.az, n.resource) for n in aurora] == [
        ("writer", "eu-west-1a", members[0]),
        ("reader", "eu-west-1b", members[1]),
    ]


def test_dead_letter_target_inline_and_through_a_redrive_policy_resource():
    dlq = res("aws:sqs/queue:Queue", "dlq", arn="arn:dlq", url="https://q/dlq")
    inline = res(
        "aws:sqs/queue:Queue", "a", arn="arn:a", redrivePolicy=json.dumps({"deadLetterTargetArn": "arn:dlq"})
    )
    attached = res("aws:sqs/queue:Queue", "b", arn="arn:b", url="https://q/b")
    policy = res(
        "aws:sqs/redrivePolicy:RedrivePolicy", "p", queueUrl="https://q/b",
        redrivePolicy=json.dumps({"deadLetterTargetArn": "arn:dlq", "maxReceiveCount": 3}),
    )  # fmt: skip
    model = _graph.StackModel([dlq, inline, attached, policy])
    assert _graph.dead_letter_target(model, inline) is dlq
    assert _graph.dead_letter_target(model, attached) is dlq
    assert _graph.dead_letter_target(model, dlq) is None


@pytest.fixture(scope="module")
def inventory():
    from tierup.inventory import Inventory
    from tierup.workflow import evaluate_project

    evaluation, _ = evaluate_project(Path(TESTS / "cost" / "projects" / "tiers"), "prod")
    return Inventory(evaluation)


def test_inventory_and_pack_see_the_same_links(inventory):
    """tierup's records go through the pack's functions: an attachment-only ASG is load balanced for both."""
    legacy = next(r for r in inventory.of_type("aws:autoscaling/group:Group") if r.name == "legacy")
    statuses = _graph.asg_load_balancing(inventory.model)  # what the policies compute
    assert statuses[legacy.urn] is True
    assert [tg.name for tg in inventory.target_groups_of(legacy)] == ["web-tg"]  # what cost and graph read
    assert inventory.group_of(legacy).tier == "app"
    web = next(r for r in inventory.of_type("aws:autoscaling/group:Group") if r.name == "web-asg")
    assert inventory.group_of(web).label == "app web"
    dlqs = {r.name for r in inventory.dead_letter_queues()}
    assert dlqs == {"emails-dlq", "images-dlq"}
