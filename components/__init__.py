"""tierup.components: one module per tier, each a ``pulumi.ComponentResource`` you can use alone.

    from tierup.components import Network, NetworkArgs, LoadBalancer, LoadBalancerArgs

    network = Network("net", NetworkArgs(az_count=3, nat="per-az"))
    lb = LoadBalancer("web", LoadBalancerArgs(network=network, certificate_arn=cert_arn))

Every component takes ``(name, args, opts)``, parents its children to itself, exposes typed
outputs, and accepts ``transform={...}`` in its args to adjust any child's arguments.
"""

from ._base import TierComponent, Transform, Transforms
from .alarms import Alarms, AlarmsArgs
from .app_tier import AppTier, AppTierArgs
from .compute import Container, InstanceGroup, InstanceGroupArgs
from .database import Database, DatabaseArgs
from .image import ContainerImage, ContainerImageArgs
from .load_balancer import LoadBalancer, LoadBalancerArgs
from .network import Network, NetworkArgs
from .queue import Queue, QueueArgs
from .redis_cache import RedisCache, RedisCacheArgs
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
    "TierComponent",
    "Transform",
    "Transforms",
    "WorkerPool",
    "WorkerPoolArgs",
]
