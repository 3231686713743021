"""The rules of the tierup-resilience pack, one function per policy, grouped by tier.

Importable as ``tierup.policies.rules`` and, with the pack directory on ``sys.path`` (how the Pulumi CLI
starts a Python pack), as ``rules``; modules here only use relative imports so both work.
"""

from __future__ import annotations

from pulumi_policy import Policy

from . import _secrets, alarms, cache, compute, database, load_balancer, network, queue, resilience

# rules such as no-secrets-in-user-data tell secret values apart (pulumi_policy unwraps them otherwise)
_secrets.install()

ALL_POLICIES: list[Policy] = [
    *compute.POLICIES,
    *load_balancer.POLICIES,
    *cache.POLICIES,
    *database.POLICIES,
    *queue.POLICIES,
    *network.POLICIES,
    *alarms.POLICIES,
    *resilience.POLICIES,
]
"""Every policy of the pack, in report order."""

ADVISORY_ONLY: frozenset[str] = frozenset(
    p.name
    for p in ALL_POLICIES
    if p.enforcement_level is not None and p.enforcement_level.value == "advisory"
)
"""Policies that stay advisory in every environment (see policies/README.md for why)."""

__all__ = ["ADVISORY_ONLY", "ALL_POLICIES"]
