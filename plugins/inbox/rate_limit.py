"""Per-sender sliding-window rate limit: the last line of defence against mail loops.

Two auto-responders that ignore each other's headers ping-pong forever; no header check
catches that, but a count does. The limiter is pure (no I/O) and takes an injectable clock,
so tests drive time by hand and the intake worker can hold one instance per process.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class SenderRateLimiter:
    """Allow at most ``max_messages`` per sender within any ``window_seconds`` window.

    ``hit(sender)`` records an arrival and says whether it is within the limit. Arrivals
    over the limit are recorded too, so a sender that keeps looping stays blocked until it
    pauses for a whole window. Idle senders are forgotten, bounding memory.
    """

    def __init__(
        self,
        max_messages: int = 10,
        window_seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_messages < 1 or window_seconds <= 0:
            raise ValueError("max_messages must be >= 1 and window_seconds > 0")
        self.max_messages = max_messages
        self.window = float(window_seconds)
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._last_sweep = clock()

    def _prune(self, hits: deque[float], now: float) -> None:
        while hits and hits[0] <= now - self.window:
            hits.popleft()

    def hit(self, sender: str) -> bool:
        """Record a message from ``sender``; True if it is within the limit."""
        now = self._clock()
        key = sender.strip().lower()
        hits = self._hits.setdefault(key, deque())
        self._prune(hits, now)
        # Keep at most 2x the limit: enough to stay blocked while the flood continues.
        if len(hits) >= 2 * self.max_messages:
            hits.popleft()
        hits.append(now)
        self._sweep(now)
        return len(hits) <= self.max_messages

    def count(self, sender: str) -> int:
        """Messages from ``sender`` inside the current window (without recording one)."""
        hits = self._hits.get(sender.strip().lower())
        if not hits:
            return 0
        self._prune(hits, self._clock())
        return len(hits)

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]

    def __len__(self) -> int:
        """Number of senders currently tracked."""
        return len(self._hits)
