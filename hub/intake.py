"""Running intake consumers: decode, handle within a time budget, ack after commit.

A plugin's consumer handler can be built with :func:`batch_handler`: it gets one item
at a time, already decoded, and the runner takes care of the rules every channel
shares:

* a message is acknowledged only after its handler returned (its effects committed);
* each item has a time budget, so one bad message cannot stall the queue;
* an item that keeps failing is moved to ``hub.dead.<subject>`` after ``max_attempts``
  deliveries (kept, logged, visible), never silently dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import msgspec
from nats.aio.msg import Msg

from hub.bus import Bus
from hub.logs import get_logger

log = get_logger("hub.intake")
T = TypeVar("T")


def batch_handler(
    bus: Bus,
    item_type: type[T],
    handle: Callable[[T, Msg], Awaitable[Any]],
    *,
    budget_seconds: float = 30.0,
    max_attempts: int = 5,
    name: str = "intake",
) -> Callable[[Sequence[Msg]], Awaitable[None]]:
    """A consumer handler that runs ``handle(item, msg)`` for each message of a batch."""
    decoder = msgspec.json.Decoder(item_type)

    async def run(msgs: Sequence[Msg]) -> None:
        for msg in msgs:
            attempts = msg.metadata.num_delivered if msg.metadata else 1
            bound = log.bind(consumer=name, subject=msg.subject, attempt=attempts)
            try:
                item = decoder.decode(msg.data)
            except msgspec.DecodeError as exc:
                bound.error("intake_undecodable", error=str(exc))
                await bus.dead_letter(msg, f"undecodable: {exc}")
                continue
            try:
                await asyncio.wait_for(handle(item, msg), budget_seconds)
            except Exception as exc:  # includes TimeoutError
                reason = "time budget exceeded" if isinstance(exc, TimeoutError) else repr(exc)
                if attempts >= max_attempts:
                    bound.error("intake_gave_up", error=reason)
                    await bus.dead_letter(msg, reason)
                else:
                    bound.warning("intake_failed_will_retry", error=reason)
                    await msg.nak(delay=min(30.0, 2.0**attempts))
                continue
            await msg.ack()

    return run
