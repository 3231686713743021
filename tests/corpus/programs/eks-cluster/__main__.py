"""An EKS control plane and a managed node group with raw aws.eks resources (no pulumi_eks)."""

import json

import pulumi
import pulumi_aws as aws

azs = aws.get_availability_zones(state="available")
vpc = aws.ec2.Vpc("eks", cidr_block="10.100.0.0/16", enable_dns_hostnames=True, enable_dns_support=True)
subnets = [
    aws.ec2.Subnet(
        f"eks-{i}",
        vpc_id=vpc.id,
        cidr_block=f"10.100.{i * 16}.0/20",
        availability_zone=az,
        tags={"kubernetes.io/role/internal-elb": "1"},
    )
    for i, az in enumerate(azs.names[:2])
]


def assume(service):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}],
        }
    )


cluster_role = aws.iam.Role("cluster", assume_role_policy=assume("eks.amazonaws.com"))
aws.iam.RolePolicyAttachment(
    "cluster", role=cluster_role.name, policy_arn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
)
node_role = aws.iam.Role("nodes", assume_role_policy=assume("ec2.amazonaws.com"))
for i, policy in enumerate(
    ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"]
):
    aws.iam.RolePolicyAttachment(
        f"nodes-{i}", role=node_role.name, policy_arn=f"arn:aws:iam::aws:policy/{policy}"
    )
cluster = aws.eks.Cluster(
    "cluster",
    role_arn=cluster_role.arn,
    version="1.31",
    vpc_config={"subnet_ids": [s.id for s in subnets], "endpoint_private_access": True},
)
nodes = aws.eks.NodeGroup(
    "default",
    cluster_name=cluster.name,
    node_role_arn=node_role.arn,
    subnet_ids=[s.id for s in subnets],
    instance_types=["t3.medium"],
    scaling_config={"desired_size": 2, "min_size": 2, "max_size": 4},
)
kubeconfig = pulumi.Output.all(cluster.endpoint, cluster.certificate_authority, cluster.name).apply(
    lambda args: json.dumps(
        {
            "apiVersion": "v1",
            "clusters": [
                {
                    "cluster": {"server": args[0], "certificate-authority-data": args[1]["data"]},
                    "name": args[2],
                }
            ],
        }
    )
)
pulumi.export("kubeconfig", pulumi.Output.secret(kubeconfig))
pulumi.export("clusterName", cluster.name)
