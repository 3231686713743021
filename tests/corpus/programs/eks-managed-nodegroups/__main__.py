"""An EKS cluster from pulumi_eks (a multi-language package) with a managed node group.

``pulumi_eks.Cluster`` and ``ManagedNodeGroup`` are remote components: the classes below are what
that SDK declares (``remote=True``; ``get_kubeconfig`` is a method its provider runs). The node
group is given Resource objects as props (the cluster and an IAM role), as in Pulumi's EKS examples.
"""

import json

import pulumi
import pulumi_aws as aws


class Cluster(pulumi.ComponentResource):
    kubeconfig: pulumi.Output[dict]
    eks_cluster: pulumi.Output

    def __init__(self, name, vpc_id, subnet_ids, instance_roles, opts=None):
        props = {
            "vpcId": vpc_id,
            "subnetIds": subnet_ids,
            "skipDefaultNodeGroup": True,
            "instanceRoles": instance_roles,
            "kubeconfig": None,
            "eksCluster": None,
        }
        super().__init__("eks:index:Cluster", name, props, opts, remote=True)

    def get_kubeconfig(self, profile_name=None):
        args = {"__self__": self, "profileName": profile_name}
        return pulumi.runtime.call("eks:index:Cluster/getKubeconfig", args, res=self)


class ManagedNodeGroup(pulumi.ComponentResource):
    node_group: pulumi.Output

    def __init__(self, name, cluster, node_role, scaling_config, instance_types, opts=None):
        props = {
            "cluster": cluster,
            "nodeRole": node_role,
            "scalingConfig": scaling_config,
            "instanceTypes": instance_types,
            "nodeGroup": None,
        }
        super().__init__("eks:index:ManagedNodeGroup", name, props, opts, remote=True)


vpc = aws.ec2.Vpc("eks", cidr_block="10.100.0.0/16", enable_dns_hostnames=True)
zones = aws.get_availability_zones(state="available").names[:2]
subnets = [
    aws.ec2.Subnet(f"eks-{zone}", vpc_id=vpc.id, cidr_block=f"10.100.{i}.0/24", availability_zone=zone)
    for i, zone in enumerate(zones)
]

node_role = aws.iam.Role(
    "nodes",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
for i, policy in enumerate(
    [
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    ]
):
    aws.iam.RolePolicyAttachment(f"nodes-{i}", role=node_role.name, policy_arn=policy)

cluster = Cluster("cluster", vpc.id, [s.id for s in subnets], [node_role])
ManagedNodeGroup(
    "workers",
    cluster=cluster,
    node_role=node_role,
    scaling_config={"desiredSize": 2, "minSize": 2, "maxSize": 4},
    instance_types=["t3.medium"],
)

pulumi.export("kubeconfig", pulumi.Output.secret(cluster.get_kubeconfig()))
pulumi.export("nodeRoleArn", node_role.arn)
