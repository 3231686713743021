"""tierup: from one prototype server to separate production tiers on AWS.

Importing ``tierup`` is cheap (the CLI starts fast); the components and Pulumi are imported only
when used::

    import tierup
    from tierup.settings import StackSettings

    arch = tierup.build(StackSettings.from_pulumi_config())
    arch.services["web"], arch.queues["emails"], arch.workers["emails"], arch.schedules["nightly"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from tierup.architecture import Architecture
    from tierup.settings import StackSettings


def build(settings: StackSettings, **kwargs: Any) -> Architecture:
    """Compose the whole architecture from validated stack settings (see ``tierup.architecture``)."""
    from tierup.architecture import build as _build

    return _build(settings, **kwargs)
