"""Alarms for existing resources named in config, an SNS topic with e-mail subscriptions, a dashboard."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
emails = config.get_object("emails") or []
topic = aws.sns.Topic("oncall")
for i, email in enumerate(emails):
    aws.sns.TopicSubscription(f"oncall-{i}", topic=topic.arn, protocol="email", endpoint=email)
for fn in config.require_object("functions"):
    aws.cloudwatch.MetricAlarm(
        f"{fn}-errors",
        namespace="AWS/Lambda",
        metric_name="Errors",
        dimensions={"FunctionName": fn},
        statistic="Sum",
        period=60,
        evaluation_periods=5,
        threshold=1,
        comparison_operator="GreaterThanOrEqualToThreshold",
        alarm_actions=[topic.arn],
        ok_actions=[topic.arn],
        treat_missing_data="notBreaching",
    )
aws.cloudwatch.Dashboard("ops", dashboard_name="ops", dashboard_body=json.dumps({"widgets": []}))
pulumi.export("topic", topic.arn)
