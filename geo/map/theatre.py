"""Where a map opens when its link does not say: the theatre, the smallest box that holds most of
the events.

A story's events cluster where it happens, with a few far away: a statement at the UN in New
York, a sanction decided in Brussels. A box around every event would open on half the world
and pile the story into one knot. So far-off groups are left out of the opening view, as long
as they are few (at most a quarter of the events) and clearly apart: the gap between them and
the rest is wider than the rest itself. The map counts what is left out at its edge, with one
click to show everything.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from geo.store import BBox

# The opening view holds at least this share of the located events.
KEEP_AT_LEAST = 0.75
# A group is far off when its gap to the rest is wider than the rest's own extent, and at
# least this many degrees (about 220 km), so that a tight cluster keeps its near neighbours.
MIN_GAP_DEGREES = 2.0

Weighted = tuple[float, float, int]  # latitude, longitude, how many events


def theatre_box(points: Sequence[Weighted], keep: float = KEEP_AT_LEAST) -> BBox | None:
    """The box around the events once the far-off groups are left out."""
    kept = [p for p in points if p[2] > 0]
    if not kept:
        return None
    total = sum(p[2] for p in kept)
    may_leave = total - math.ceil(keep * total)
    while (cut := _widest_gap_cut(kept, may_leave)) is not None:
        kept, left = cut
        may_leave -= left
    return _box(kept)


def _box(points: Sequence[Weighted]) -> BBox:
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return BBox(min(lats), min(lons), max(lats), max(lons))


def _widest_gap_cut(points: list[Weighted], may_leave: int) -> tuple[list[Weighted], int] | None:
    """The points without the far-off group whose gap is widest against the rest; None if no
    group is far off, or each would leave out too many events."""
    best: tuple[float, list[Weighted], int] | None = None
    for axis in (0, 1):
        for ordered in (sorted(points, key=lambda p: p[axis]), _descending(points, axis)):
            found = _cut_from_end(ordered, axis, may_leave)
            if found is not None and (best is None or found[0] > best[0]):
                best = found
    return (best[1], best[2]) if best is not None else None


def _descending(points: list[Weighted], axis: int) -> list[Weighted]:
    return sorted(points, key=lambda p: -p[axis])


def _cut_from_end(
    ordered: list[Weighted], axis: int, may_leave: int
) -> tuple[float, list[Weighted], int] | None:
    """The best cut of a run of points from the start of `ordered`: (how far apart, rest, left)."""
    best: tuple[float, list[Weighted], int] | None = None
    left = 0
    for i in range(len(ordered) - 1):
        left += ordered[i][2]
        if left > may_leave:
            break
        gap = abs(ordered[i + 1][axis] - ordered[i][axis])
        rest = abs(ordered[-1][axis] - ordered[i + 1][axis])
        if gap < MIN_GAP_DEGREES or gap <= rest:
            continue
        apart = gap / max(rest, MIN_GAP_DEGREES)
        if best is None or apart > best[0]:
            best = (apart, ordered[i + 1 :], left)
    return best
