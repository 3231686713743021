"""Listener-rule priorities: unique per listener, assigned so that more specific routes win (pulumi-free).

An ALB evaluates a listener's rules by ascending priority and the first match wins, so a catch-all
``/*`` given priority 1 would swallow every other route. :class:`RouteTable` keeps one listener's
routes, refuses a duplicate priority or an identical route set, and, when no priority is given,
picks one by specificity::

    table = RouteTable()
    table.add("web", paths=["/*"])                       # 40000: the catch-all goes last
    table.add("api", hosts=["api.example.com"])          # 10000 + …: host rules before path rules
    table.add("admin", paths=["/admin/*"], priority=5)   # given: kept as is, if free

Bands, most specific first: host **and** path conditions, host only, specific paths, catch-all
paths (``/*``). Within a band a longer literal prefix (the text before the first wildcard) comes
first; when that number is taken the next free one in the band is used. The result depends only
on the routes and the order they are added, never on anything random.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: AWS's bounds for a listener-rule priority.
PRIORITY_RANGE = (1, 50000)
#: First and last priority of each band, most specific first.
BANDS: tuple[tuple[str, int, int], ...] = (
    ("host and path", 1000, 9999),
    ("host", 10000, 19999),
    ("path", 20000, 39999),
    ("catch-all", 40000, 50000),
)
#: Literal prefixes longer than this count as this long (keeps every offset inside its band).
_MAX_LITERAL = 250
_STEP = 10
_CATCH_ALL = frozenset({"*", "/*"})


def literal_length(pattern: str) -> int:
    """Characters before the first wildcard (``*`` or ``?``): ``/api/v1/*`` → 8."""
    for index, char in enumerate(pattern):
        if char in "*?":
            return index
    return len(pattern)


def band_of(hosts: Sequence[str], paths: Sequence[str]) -> int:
    """Index into :data:`BANDS` of a route with these conditions."""
    if hosts and paths and not set(paths) <= _CATCH_ALL:
        return 0
    if hosts:
        return 1
    if set(paths) <= _CATCH_ALL:
        return 3
    return 2


def preferred_priority(hosts: Sequence[str], paths: Sequence[str]) -> int:
    """Where a route starts looking for a free priority: its band, minus its specificity."""
    index = band_of(hosts, paths)
    _, start, _ = BANDS[index]
    if index == 3:
        return start
    measured = paths if index in (0, 2) else hosts
    specificity = min(min(literal_length(p) for p in measured), _MAX_LITERAL)
    return start + (_MAX_LITERAL - specificity) * _STEP


@dataclass(frozen=True)
class Route:
    """One listener rule: its name, conditions and priority."""

    name: str
    hosts: tuple[str, ...]
    paths: tuple[str, ...]
    priority: int

    @property
    def conditions(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(self.hosts), frozenset(self.paths)

    def describe(self) -> str:
        parts = [f"hosts {list(self.hosts)}"] if self.hosts else []
        parts += [f"paths {list(self.paths)}"] if self.paths else []
        return f"'{self.name}' ({', '.join(parts)}, priority {self.priority})"


class RouteTable:
    """The routes of one listener; :meth:`add` raises ``ValueError`` naming both routes on a conflict."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self,
        name: str,
        *,
        hosts: Sequence[str] | None = None,
        paths: Sequence[str] | None = None,
        priority: int | None = None,
    ) -> Route:
        hosts_t, paths_t = tuple(hosts or ()), tuple(paths or ())
        if not hosts_t and not paths_t:
            raise ValueError(f"route '{name}': give host patterns or path patterns")
        low, high = PRIORITY_RANGE
        if priority is not None and not low <= priority <= high:
            raise ValueError(f"route '{name}': priority must be {low} to {high} (got {priority})")
        conditions = (frozenset(hosts_t), frozenset(paths_t))
        for other in self.routes:
            if other.conditions == conditions:
                raise ValueError(
                    f"routes '{other.name}' and '{name}' match the same requests "
                    f"({other.describe()}); give one of them other hosts or paths"
                )
        used = {route.priority for route in self.routes}
        if priority is None:
            priority = self._next_free(name, hosts_t, paths_t, used)
        elif priority in used:
            other = next(route for route in self.routes if route.priority == priority)
            raise ValueError(
                f"routes '{other.name}' and '{name}' both have priority {priority} on one listener; "
                "priorities must be unique (leave priority unset to have one assigned)"
            )
        route = Route(name, hosts_t, paths_t, priority)
        self.routes.append(route)
        return route

    @staticmethod
    def _next_free(name: str, hosts: tuple[str, ...], paths: tuple[str, ...], used: set[int]) -> int:
        label, _, end = BANDS[band_of(hosts, paths)]
        candidate = preferred_priority(hosts, paths)
        while candidate in used:
            candidate += 1
        if candidate > end:
            raise ValueError(f"route '{name}': no free priority left among {label} routes (ends at {end})")
        return candidate


def assign_priorities(
    routes: Sequence[tuple[str, Sequence[str], Sequence[str], int | None]],
) -> dict[str, int]:
    """Priorities of ``(name, hosts, paths, priority or None)`` routes on one listener.

    Given priorities are placed first (so an assigned one never takes a number the user chose), then
    the others in order. Raises ``ValueError`` on duplicate priorities or identical route sets.
    """
    table = RouteTable()
    given = [r for r in routes if r[3] is not None]
    assigned = [r for r in routes if r[3] is None]
    for name, hosts, paths, priority in [*given, *assigned]:
        table.add(name, hosts=hosts, paths=paths, priority=priority)
    return {route.name: route.priority for route in table.routes}
