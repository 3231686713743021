"""The tierup-resilience policy pack: ``pulumi preview --policy-pack <this dir>`` and ``tierup check``.

Started as ``python -m pulumi.policy <engine address> <this dir>``: the directory is on ``sys.path[0]``,
so the rules import as the local package ``rules`` (and the decoding cache as ``_decode_cache``).
"""

import _decode_cache
from pulumi_policy import EnforcementLevel, PolicyPack
from rules import ALL_POLICIES

_decode_cache.install()  # each resource decoded once per request, not once per policy

PolicyPack(
    "tierup-resilience",
    ALL_POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Resilience and security rules for tiered web products on AWS (ALB, ASG, ElastiCache, SQS).",
    display_name="tierup resilience",
    provider="aws",
    tags=["aws", "resilience", "security", "tierup"],
)
