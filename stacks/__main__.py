"""The reference architecture: every tier from the stack's validated settings, and what it exports.

`tierup.build` wires the tiers (see tierup/architecture.py): one load balancer in front of each named
service on its own routes; each queue with its own worker pool and schedules; each tier with its own
security group, role, scaling and alarms, sending only to its `sendsTo` queues (`<QUEUE>_QUEUE_URL`)
and reading only its own `secrets` at boot (plus the Redis token and the RDS-managed database password).
"""

import pulumi

import tierup
from tierup.settings import StackSettings

settings = StackSettings.from_pulumi_config()
arch = tierup.build(settings)

pulumi.export("environment", settings.environment)
pulumi.export("url", arch.load_balancer.url)
pulumi.export("serviceUrls", arch.urls())
pulumi.export("queueUrls", {name: queue.url for name, queue in arch.queues.items()})
pulumi.export("deadLetterQueueUrls", {name: queue.dlq_url for name, queue in arch.queues.items()})
pulumi.export("vpcId", arch.network.vpc_id)
pulumi.export("alarmTopicArn", arch.alarms.topic.arn)
if arch.redis is not None:
    pulumi.export("redisHost", arch.redis.primary_endpoint)
    pulumi.export("redisAuthSecretArn", arch.redis.auth_secret_arn)
if arch.database is not None:
    pulumi.export("databaseEndpoint", arch.database.endpoint)
    pulumi.export("databaseSecretArn", arch.database.master_user_secret_arn)
