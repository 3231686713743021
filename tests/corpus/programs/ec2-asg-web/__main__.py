"""A web tier on EC2: launch template, Auto Scaling group across two AZs, ALB and target group."""

import pulumi
import pulumi_aws as aws

azs = aws.get_availability_zones().names[:2]
vpc = aws.ec2.Vpc("web", cidr_block="10.1.0.0/16")
igw = aws.ec2.InternetGateway("web", vpc_id=vpc.id)
public = [
    aws.ec2.Subnet(
        f"public-{i}",
        vpc_id=vpc.id,
        cidr_block=f"10.1.{i}.0/24",
        availability_zone=az,
        map_public_ip_on_launch=True,
    )
    for i, az in enumerate(azs)
]
routes = aws.ec2.RouteTable(
    "public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
for i, subnet in enumerate(public):
    aws.ec2.RouteTableAssociation(f"public-{i}", subnet_id=subnet.id, route_table_id=routes.id)
lb_sg = aws.ec2.SecurityGroup(
    "lb",
    vpc_id=vpc.id,
    ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]}],
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
)
web_sg = aws.ec2.SecurityGroup(
    "web",
    vpc_id=vpc.id,
    ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "security_groups": [lb_sg.id]}],
)
ami = aws.ec2.get_ami(
    most_recent=True, owners=["amazon"], filters=[{"name": "name", "values": ["al2023-ami-2023.*-x86_64"]}]
)
template = aws.ec2.LaunchTemplate(
    "web",
    image_id=ami.id,
    instance_type="t3.micro",
    vpc_security_group_ids=[web_sg.id],
    user_data="IyEvYmluL2Jhc2gKZG5mIGluc3RhbGwgLXkgbmdpbng=",
)
alb = aws.lb.LoadBalancer("web", subnets=[s.id for s in public], security_groups=[lb_sg.id])
tg = aws.lb.TargetGroup("web", port=80, protocol="HTTP", vpc_id=vpc.id, health_check={"path": "/"})
aws.lb.Listener(
    "http",
    load_balancer_arn=alb.arn,
    port=80,
    default_actions=[{"type": "forward", "target_group_arn": tg.arn}],
)
aws.autoscaling.Group(
    "web",
    min_size=1,
    max_size=3,
    vpc_zone_identifiers=[s.id for s in public],
    launch_template={"id": template.id, "version": "$Latest"},
    target_group_arns=[tg.arn],
    tags=[{"key": "Name", "value": "web", "propagate_at_launch": True}],
)
pulumi.export("url", alb.dns_name)
