"""What every tierup component shares: the component base class and the ``transform`` escape hatch.

Every child resource a component creates goes through :meth:`TierComponent.child`, which parents it
to the component and applies the user's transform for that child, so any argument of any child can
be adjusted without forking the component (the way SST's ``transform`` does)::

    cache = RedisCache("cache", RedisCacheArgs(
        network=network,
        transform={
            # a dict is deep-merged into the child's args ...
            "replication_group": {"maintenance_window": "sun:05:00-sun:06:00"},
            # ... a callable receives (args, opts) and may change them in place or return new args
            "security_group": lambda args, opts: args["tags"].update({"team": "payments"}),
        },
    ))

Transform keys are the names listed in each component's ``TRANSFORMABLE``; an unknown key is an error
raised at construction, naming the keys that exist.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import pulumi

#: A transform: a partial args dict to deep-merge, or ``fn(args, opts)`` that edits them in place
#: (returning ``None``), or returns new ``args`` or ``(args, opts)``.
Transform = Mapping[str, Any] | Callable[[dict[str, Any], pulumi.ResourceOptions], Any]
Transforms = Mapping[str, Transform]

R = TypeVar("R", bound=pulumi.Resource)


def deep_merge(base: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``patch`` merged in: nested dicts merge, everything else replaces."""
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def apply_transform(
    transform: Transform | None, args: dict[str, Any], opts: pulumi.ResourceOptions
) -> tuple[dict[str, Any], pulumi.ResourceOptions]:
    """Apply one user transform to a child's ``(args, opts)``."""
    if transform is None:
        return args, opts
    if isinstance(transform, Mapping):
        return deep_merge(args, transform), opts
    result = transform(args, opts)
    if result is None:
        return args, opts
    if isinstance(result, tuple):
        new_args, new_opts = result
        return dict(new_args), new_opts
    return dict(result), opts


class TierComponent(pulumi.ComponentResource):
    """Base of every tierup component: validates transform keys and creates parented children."""

    #: The child keys a user may transform; each component lists its own.
    TRANSFORMABLE: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        type_: str,
        name: str,
        transform: Transforms | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(type_, name, None, opts)
        self._name = name
        self._transforms: dict[str, Transform] = dict(transform or {})
        unknown = sorted(set(self._transforms) - self.TRANSFORMABLE)
        if unknown:
            raise ValueError(
                f"{type(self).__name__} '{name}': unknown transform key(s) {', '.join(unknown)}; "
                f"valid keys: {', '.join(sorted(self.TRANSFORMABLE))}"
            )

    def child(
        self,
        key: str,
        resource_cls: type[R],
        name: str,
        args: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> R:
        """Create a child resource of ``resource_cls`` after the user's transform for ``key``.

        ``args`` are the keyword arguments of the pulumi_aws class (snake_case); the child is
        always parented to this component.
        """
        if key not in self.TRANSFORMABLE:
            raise AssertionError(f"{type(self).__name__}: child key '{key}' missing from TRANSFORMABLE")
        base_opts = pulumi.ResourceOptions.merge(
            opts or pulumi.ResourceOptions(), pulumi.ResourceOptions(parent=self)
        )
        args, final_opts = apply_transform(self._transforms.get(key), copy.copy(args), base_opts)
        final_opts = pulumi.ResourceOptions.merge(final_opts, pulumi.ResourceOptions(parent=self))
        return resource_cls(name, **args, opts=final_opts)


def tags(name: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The tags every tierup child carries: a Name and the managing tool, plus ``extra``."""
    return {"Name": name, "managed-by": "tierup", **(extra or {})}
