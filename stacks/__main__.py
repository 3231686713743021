"""The reference architecture: every tier from the stack's validated settings, and what it exports.

`tierup.build` wires the tiers (see tierup/architecture.py): network → load balancer → app tier;
Redis and the queue feed their connection details to the app and the workers as environment
variables (secrets by ARN only); alarms watch every tier.
"""

import pulumi

import tierup
from tierup.settings import StackSettings

settings = StackSettings.from_pulumi_config()
arch = tierup.build(settings)

pulumi.export("environment", settings.environment)
pulumi.export("url", arch.load_balancer.url)
pulumi.export("vpcId", arch.network.vpc_id)
pulumi.export("alarmTopicArn", arch.alarms.topic.arn)
if arch.redis is not None:
    pulumi.export("redisHost", arch.redis.primary_endpoint)
    pulumi.export("redisAuthSecretArn", arch.redis.auth_secret_arn)
if arch.queue is not None:
    pulumi.export("queueUrl", arch.queue.url)
    pulumi.export("deadLetterQueueUrl", arch.queue.dlq_url)
