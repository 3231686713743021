"""A Fargate service behind an ALB in the account's default VPC (data-source lookups)."""

import json

import pulumi
import pulumi_aws as aws

vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])
cluster = aws.ecs.Cluster("cluster", settings=[{"name": "containerInsights", "value": "enabled"}])
lb_sg = aws.ec2.SecurityGroup(
    "lb",
    vpc_id=vpc.id,
    ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]}],
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
)
task_sg = aws.ec2.SecurityGroup(
    "task",
    vpc_id=vpc.id,
    ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "security_groups": [lb_sg.id]}],
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
)
alb = aws.lb.LoadBalancer("web", security_groups=[lb_sg.id], subnets=subnets.ids)
tg = aws.lb.TargetGroup(
    "web",
    port=80,
    protocol="HTTP",
    target_type="ip",
    vpc_id=vpc.id,
    health_check={"path": "/health", "enabled": True},
)
listener = aws.lb.Listener(
    "web",
    load_balancer_arn=alb.arn,
    port=80,
    default_actions=[{"type": "forward", "target_group_arn": tg.arn}],
)
exec_role = aws.iam.Role(
    "exec",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                }
            ],
        }
    ),
)
aws.iam.RolePolicyAttachment(
    "exec",
    role=exec_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)
logs = aws.cloudwatch.LogGroup("app", retention_in_days=7)
task = aws.ecs.TaskDefinition(
    "app",
    family="app",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=exec_role.arn,
    container_definitions=logs.name.apply(
        lambda group: json.dumps(
            [
                {
                    "name": "app",
                    "image": "nginx:1.27",
                    "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": group,
                            "awslogs-region": "us-east-1",
                            "awslogs-stream-prefix": "app",
                        },
                    },
                }
            ]
        )
    ),
)
service = aws.ecs.Service(
    "app",
    cluster=cluster.arn,
    desired_count=2,
    launch_type="FARGATE",
    task_definition=task.arn,
    network_configuration={"assign_public_ip": True, "subnets": subnets.ids, "security_groups": [task_sg.id]},
    load_balancers=[{"target_group_arn": tg.arn, "container_name": "app", "container_port": 80}],
    opts=pulumi.ResourceOptions(depends_on=[listener]),
)
pulumi.export("url", alb.dns_name.apply(lambda d: f"http://{d}"))
