"""tierup.routing: listener-rule priorities by specificity, duplicates and identical routes refused."""

from __future__ import annotations

import pytest

from tierup.routing import BANDS, RouteTable, assign_priorities, band_of, literal_length


def test_literal_length_stops_at_the_first_wildcard() -> None:
    assert [literal_length(p) for p in ("/api/v1/*", "/*", "*", "/exact", "/a?c")] == [8, 1, 0, 6, 2]


@pytest.mark.parametrize(
    ("hosts", "paths", "band"),
    [
        (["a.example.com"], ["/x/*"], 0),
        (["a.example.com"], [], 1),
        (["a.example.com"], ["/*"], 1),
        ([], ["/x/*"], 2),
        ([], ["/*"], 3),
        ([], ["*", "/*"], 3),
    ],
)
def test_bands(hosts: list[str], paths: list[str], band: int) -> None:
    assert band_of(hosts, paths) == band


def test_more_specific_routes_get_lower_priorities_in_any_order() -> None:
    routes = [
        ("site", [], ["/*"], None),
        ("api", [], ["/api/*"], None),
        ("v1", [], ["/api/v1/*"], None),
        ("admin", ["admin.example.com"], [], None),
        ("ops", ["admin.example.com"], ["/ops/*"], None),
    ]
    forward = assign_priorities(routes)
    backward = assign_priorities(list(reversed(routes)))
    for p in (forward, backward):
        assert p["ops"] < p["admin"] < p["v1"] < p["api"] < p["site"]
    assert forward == backward  # distinct specificities: independent of the order
    assert forward["site"] == BANDS[3][1]


def test_equal_specificity_takes_the_next_free_number_deterministically() -> None:
    routes = [("a", [], ["/a/*"], None), ("b", [], ["/b/*"], None)]
    p = assign_priorities(routes)
    assert p["b"] == p["a"] + 1
    assert assign_priorities(routes) == p


def test_given_priorities_are_kept_and_placed_first() -> None:
    start = assign_priorities([("x", [], ["/x/*"], None)])["x"]
    p = assign_priorities([("x", [], ["/x/*"], None), ("y", [], ["/y/*"], start)])
    assert p == {"y": start, "x": start + 1}


def test_duplicates_are_refused_naming_both_routes() -> None:
    table = RouteTable()
    table.add("web", paths=["/*"], priority=100)
    with pytest.raises(ValueError, match="routes 'web' and 'api' both have priority 100"):
        table.add("api", hosts=["api.example.com"], priority=100)
    with pytest.raises(ValueError, match="routes 'web' and 'www' match the same requests"):
        table.add("www", paths=["/*"])
    with pytest.raises(ValueError, match="priority must be 1 to 50000"):
        table.add("z", paths=["/z"], priority=50001)
    with pytest.raises(ValueError, match="give host patterns or path patterns"):
        table.add("n")
