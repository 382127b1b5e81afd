"""Half-open time-interval arithmetic shared by the conflict checks and free-slot search.

Intervals are ``[start, end)``: touching intervals (one ends when the next starts) do not
overlap. The pair finders are sweep lines, O(n log n + number of pairs), not O(n^2).
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

Span = tuple[datetime, datetime]


class Timed(Protocol):
    """Anything with aware `start` and `end` (an `Occurrence`, for instance)."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


T = TypeVar("T", bound=Timed)
U = TypeVar("U", bound=Timed)


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted union of `spans`; overlapping and touching spans are joined, empty ones dropped."""
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def uncovered(span: Span, merged: Sequence[Span]) -> list[Span]:
    """Parts of `span` not covered by the sorted, disjoint `merged` spans."""
    start, end = span
    gaps: list[Span] = []
    cursor = start
    # Skip the spans that end before `span` starts: O(log n) per call, not O(n).
    first = bisect.bisect_right(merged, start, key=lambda s: s[1])
    for index in range(first, len(merged)):
        left, right = merged[index]
        if left >= end:
            break
        if left > cursor:
            gaps.append((cursor, left))
        cursor = max(cursor, right)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def intersection(a: Timed, b: Timed) -> Span:
    """The common part of two overlapping intervals."""
    return (max(a.start, b.start), min(a.end, b.end))


def overlapping_pairs(items: Iterable[T]) -> Iterator[tuple[T, T]]:
    """Every pair of overlapping items, each once as (earlier-starting, later-starting)."""
    active: list[tuple[datetime, int, T]] = []
    ordered = sorted(items, key=lambda item: (item.start, item.end))
    for number, item in enumerate(ordered):
        while active and active[0][0] <= item.start:
            heapq.heappop(active)
        for _, _, other in active:
            if item.end > item.start:
                yield other, item
        if item.end > item.start:
            heapq.heappush(active, (item.end, number, item))


def cross_pairs(left: Iterable[T], right: Iterable[U]) -> Iterator[tuple[T, U]]:
    """Every overlapping (left item, right item) pair; items within one side are not paired."""
    tagged: list[tuple[datetime, int, int, T | U]] = []
    for side, items in ((0, left), (1, right)):
        for item in items:
            if item.end > item.start:
                tagged.append((item.start, side, len(tagged), item))
    tagged.sort(key=lambda entry: (entry[0], entry[1], entry[2]))
    active: tuple[list[tuple[datetime, int, T | U]], list[tuple[datetime, int, T | U]]] = (
        [],
        [],
    )
    for start, side, number, item in tagged:
        others = active[1 - side]
        while others and others[0][0] <= start:
            heapq.heappop(others)
        for _, _, other in others:
            yield (item, other) if side == 0 else (other, item)  # type: ignore[misc]
        heapq.heappush(active[side], (item.end, number, item))
