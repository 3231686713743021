"""Two resources with one name: Pulumi refuses them, and so does tierup (exit 2, the second line)."""

import pulumi_aws as aws

for region_queue in ["orders", "orders"]:
    aws.sqs.Queue(region_queue, sqs_managed_sse_enabled=True)
