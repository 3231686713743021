"""tierup.components: one module per tier, each a ``pulumi.ComponentResource`` you can use alone.

    from tierup.components import Network, NetworkArgs, LoadBalancer, LoadBalancerArgs

    network = Network("net", NetworkArgs(az_count=3, nat="per-az"))
    lb = LoadBalancer("lb", LoadBalancerArgs(network=network, certificate_arn=cert_arn))
    emails = Queue("emails")
    api = AppTier("api", AppTierArgs(network=network, load_balancer=lb, image=uri,
                                     host_patterns=["api.example.com"], sends_to=[emails]))
    mailer = WorkerPool("mailer", WorkerPoolArgs(network=network, queue=emails, image=uri))
    cache.allow_from(api); cache.allow_from(mailer)   # wiring takes the tier

A tier (:class:`Tier`) is anything with ``role``, ``security_group`` and ``tier_name``: grants
(``queue.grant_send(tier)``) and connections (``cache.allow_from(tier)``) accept it.

Every component takes ``(name, args, opts)``, parents its children to itself, exposes typed
outputs, and accepts ``transform={...}`` in its args to adjust any child's arguments.
"""

from ._base import TierComponent, Transform, Transforms
from ._tier import Tier
from .alarms import Alarms, AlarmsArgs
from .app_tier import AppTier, AppTierArgs
from .compute import Container, InstanceGroup, InstanceGroupArgs
from .database import Database, DatabaseArgs
from .image import ContainerImage, ContainerImageArgs
from .load_balancer import LoadBalancer, LoadBalancerArgs
from .network import Network, NetworkArgs
from .queue import Queue, QueueArgs
from .redis_cache import RedisCache, RedisCacheArgs
from .schedule import Schedule, ScheduleArgs
from .worker_pool import WorkerPool, WorkerPoolArgs

__all__ = [
    "Alarms",
    "AlarmsArgs",
    "AppTier",
    "AppTierArgs",
    "Container",
    "ContainerImage",
    "ContainerImageArgs",
    "Database",
    "DatabaseArgs",
    "InstanceGroup",
    "InstanceGroupArgs",
    "LoadBalancer",
    "LoadBalancerArgs",
    "Network",
    "NetworkArgs",
    "Queue",
    "QueueArgs",
    "RedisCache",
    "RedisCacheArgs",
    "Schedule",
    "ScheduleArgs",
    "Tier",
    "TierComponent",
    "Transform",
    "Transforms",
    "WorkerPool",
    "WorkerPoolArgs",
]
