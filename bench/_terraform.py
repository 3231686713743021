"""A Terraform equivalent of the reference architecture, N times in one file, for the Checkov comparison.

The main resources of each tier (VPC, subnets, NAT, ALB + listeners, target group, launch templates,
ASGs, ElastiCache, SQS + DLQ, alarms, SNS), so Checkov scans a comparable graph. Used by
``bench/scale.py`` only when ``checkov`` is importable.
"""

from __future__ import annotations

from pathlib import Path

COPY = """
resource "aws_vpc" "c{i}" {{
  cidr_block = "10.{i}.0.0/16"
}}
resource "aws_flow_log" "c{i}" {{
  vpc_id = aws_vpc.c{i}.id
  traffic_type = "ALL"
  log_destination = aws_cloudwatch_log_group.c{i}.arn
}}
resource "aws_cloudwatch_log_group" "c{i}" {{
  name = "c{i}-flow-logs"
  retention_in_days = 365
}}
{subnets}
resource "aws_internet_gateway" "c{i}" {{
  vpc_id = aws_vpc.c{i}.id
}}
resource "aws_security_group" "c{i}_alb" {{
  vpc_id = aws_vpc.c{i}.id
  description = "alb"
  ingress {{
    description = "https"
    from_port = 443
    to_port = 443
    protocol = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
resource "aws_lb" "c{i}" {{
  subnets = [aws_subnet.c{i}_public_0.id, aws_subnet.c{i}_public_1.id, aws_subnet.c{i}_public_2.id]
  security_groups = [aws_security_group.c{i}_alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = true
}}
resource "aws_lb_target_group" "c{i}" {{
  port = 8080
  protocol = "HTTP"
  vpc_id = aws_vpc.c{i}.id
  health_check {{
    path = "/health"
  }}
}}
resource "aws_lb_listener" "c{i}_https" {{
  load_balancer_arn = aws_lb.c{i}.arn
  port = 443
  protocol = "HTTPS"
  ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/x"
  default_action {{
    type = "forward"
    target_group_arn = aws_lb_target_group.c{i}.arn
  }}
}}
{tiers}
resource "aws_elasticache_replication_group" "c{i}" {{
  replication_group_id = "c{i}-redis"
  description = "redis"
  node_type = "cache.t4g.small"
  num_cache_clusters = 3
  automatic_failover_enabled = true
  multi_az_enabled = true
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  snapshot_retention_limit = 7
}}
resource "aws_sqs_queue" "c{i}_dlq" {{
  sqs_managed_sse_enabled = true
}}
resource "aws_sqs_queue" "c{i}" {{
  sqs_managed_sse_enabled = true
  redrive_policy = jsonencode({{ deadLetterTargetArn = aws_sqs_queue.c{i}_dlq.arn, maxReceiveCount = 5 }})
}}
resource "aws_sns_topic" "c{i}" {{
  kms_master_key_id = "alias/aws/sns"
}}
{alarms}
"""

SUBNET = """
resource "aws_subnet" "c{i}_{kind}_{az}" {{
  vpc_id = aws_vpc.c{i}.id
  cidr_block = "10.{i}.{slot}.0/24"
}}"""

NAT = """
resource "aws_eip" "c{i}_{az}" {{
  domain = "vpc"
}}
resource "aws_nat_gateway" "c{i}_{az}" {{
  allocation_id = aws_eip.c{i}_{az}.id
  subnet_id = aws_subnet.c{i}_public_{az}.id
}}"""

TIER = """
resource "aws_launch_template" "c{i}_{tier}" {{
  image_id = "ami-0123456789abcdef0"
  instance_type = "t4g.small"
  metadata_options {{
    http_tokens = "required"
    http_put_response_hop_limit = 1
  }}
  block_device_mappings {{
    device_name = "/dev/xvda"
    ebs {{
      encrypted = true
      volume_type = "gp3"
    }}
  }}
}}
resource "aws_autoscaling_group" "c{i}_{tier}" {{
  min_size = 2
  max_size = 10
  vpc_zone_identifier = [aws_subnet.c{i}_private_0.id, aws_subnet.c{i}_private_1.id, aws_subnet.c{i}_private_2.id]
  launch_template {{
    id = aws_launch_template.c{i}_{tier}.id
  }}
}}"""

ALARM = """
resource "aws_cloudwatch_metric_alarm" "c{i}_{n}" {{
  alarm_name = "c{i}-{n}"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods = 1
  metric_name = "CPUUtilization"
  namespace = "AWS/EC2"
  period = 60
  statistic = "Average"
  threshold = 80
  alarm_actions = [aws_sns_topic.c{i}.arn]
}}"""


def write_terraform(folder: Path, copies: int) -> int:
    """Write ``main.tf`` with ``copies`` architectures; return how many resources it declares."""
    folder.mkdir(parents=True, exist_ok=True)
    blocks = []
    for i in range(copies):
        subnets = "".join(
            SUBNET.format(i=i, kind=kind, az=az, slot=slot + az)
            for kind, slot in (("public", 0), ("private", 10))
            for az in range(3)
        ) + "".join(NAT.format(i=i, az=az) for az in range(3))
        tiers = "".join(TIER.format(i=i, tier=tier) for tier in ("app", "workers"))
        alarms = "".join(ALARM.format(i=i, n=n) for n in range(6))
        blocks.append(COPY.format(i=i, subnets=subnets, tiers=tiers, alarms=alarms))
    text = 'provider "aws" {\n  region = "us-east-1"\n}\n' + "".join(blocks)
    (folder / "main.tf").write_text(text)
    return text.count('\nresource "')
