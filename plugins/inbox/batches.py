"""Mail of concurrent SMTP sessions shares one JetStream write; the consumer acks it once.

With JetStream fsyncing before it acknowledges (the hub's default), every publish costs
a disk flush, and nats-server flushes each message on its own: four SMTP sessions
delivering at once wait for four flushes in a row. :class:`GroupPublisher` publishes the
way a database group-commits: a mail arriving while a publish is in flight waits for it,
then goes out together with every other mail that arrived meanwhile, as one bus message
(an *envelope*: header ``Atlas-Batch`` = item count, payload the msgpack list of items,
each the raw bytes and the receiver's headers). An idle receiver publishes each mail
alone, at once, in the plain format (raw bytes, headers on the message). Each session
still answers ``250`` only after the write that holds its mail was acknowledged.

On the consumer side a bus message may so carry several mails. :class:`Delivery` is one
bus message: each of its mails is *settled* once (recorded, or given up on and
dead-lettered on its own) or *retried*; when all are accounted for, the message is acked,
or nak'ed if any asked for a retry. A redelivered envelope is harmless: mails already
recorded are recognised by their intake key and skipped.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING

import msgspec
from nats.aio.msg import Msg

from hub.errors import Unavailable

if TYPE_CHECKING:
    from hub.bus import Bus

H_BATCH = "Atlas-Batch"
#: most mails in one envelope (the bus's message size bounds it too)
MAX_ITEMS = 64
#: bytes kept free in a bus message for its headers
HEADER_ROOM = 8192


class BatchItem(msgspec.Struct, array_like=True):
    """One mail inside an envelope: its raw bytes and the receiver's headers."""

    raw: bytes
    headers: dict[str, str]


_encode_items = msgspec.msgpack.Encoder().encode
_decode_items = msgspec.msgpack.Decoder(list[BatchItem]).decode


def envelope_items(msg: Msg) -> list[BatchItem]:
    """The mails a bus message carries: one for a plain message, all of an envelope's.

    An envelope that does not decode is kept as one item of unknown bytes (intake then
    quarantines it as not being mail): nothing is dropped.
    """
    headers = msg.headers or {}
    if headers.get(H_BATCH):
        try:
            return _decode_items(msg.data)
        except msgspec.DecodeError:
            pass
    return [BatchItem(raw=bytes(msg.data), headers=dict(headers))]


class GroupPublisher:
    """Publishes mails to ``subject``, grouping those that arrive during a publish."""

    def __init__(self, bus: Bus, subject: str) -> None:
        self.bus = bus
        self.subject = subject
        self._waiting: list[tuple[BatchItem, str, asyncio.Future[int]]] = []
        self._worker: asyncio.Task[None] | None = None
        #: bus messages and mails published so far (mails / messages = grouping)
        self.messages = 0
        self.mails = 0

    async def publish(self, raw: bytes, headers: dict[str, str], key: str) -> int:
        """Make ``raw`` durable; returns the stream sequence of the write that holds it.

        Raises :class:`Unavailable` when JetStream did not confirm that write.
        """
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append((BatchItem(raw=raw, headers=headers), key, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            group = self._take()
            try:
                seq = await self._publish(group)
            except Exception as exc:
                error = exc if isinstance(exc, Unavailable) else Unavailable(str(exc))
                for _, _, future in group:
                    if not future.done():
                        future.set_exception(error)
                continue
            self.messages += 1
            self.mails += len(group)
            for _, _, future in group:
                if not future.done():
                    future.set_result(seq)

    def _take(self) -> list[tuple[BatchItem, str, asyncio.Future[int]]]:
        """The next group: the oldest mail, then others while they fit one message."""
        limit = (self.bus.max_payload or 1024 * 1024) - HEADER_ROOM
        group = [self._waiting[0]]
        size = len(group[0][0].raw)
        for entry in self._waiting[1:MAX_ITEMS]:
            size += len(entry[0].raw) + 1024  # the item's headers, roughly
            if size > limit:
                break
            group.append(entry)
        del self._waiting[: len(group)]
        return group

    async def _publish(self, group: list[tuple[BatchItem, str, asyncio.Future[int]]]) -> int:
        if len(group) == 1:
            item, key, _ = group[0]
            return await self.bus.publish_durable(
                self.subject, item.raw, key=key, headers=item.headers
            )
        keys = "\n".join(key for _, key, _ in group)
        return await self.bus.publish_durable(
            self.subject,
            _encode_items([item for item, _, _ in group]),
            key="batch:" + hashlib.sha256(keys.encode()).hexdigest(),
            headers={H_BATCH: str(len(group))},
        )


class Delivery:
    """One bus message and the mails it carries (see the module docstring)."""

    def __init__(self, msg: Msg, parts: int) -> None:
        self.msg = msg
        self._open = parts
        self._retry_after: float | None = None

    @property
    def attempts(self) -> int:
        """How often the bus has delivered this message (1 the first time)."""
        return self.msg.metadata.num_delivered if self.msg.metadata else 1

    async def ack(self) -> None:
        """One mail of the message is settled."""
        await self._close_one()

    async def nak(self, delay: float) -> None:
        """One mail of the message must be tried again (the whole message is redelivered)."""
        self._retry_after = max(self._retry_after or 0.0, delay)
        await self._close_one()

    async def _close_one(self) -> None:
        self._open -= 1
        if self._open > 0:
            return
        if self._retry_after is not None:
            await self.msg.nak(delay=self._retry_after)
        else:
            await self.msg.ack()


def deliveries(msgs: list[Msg]) -> list[tuple[Delivery, BatchItem]]:
    """Every mail of ``msgs`` with the delivery it belongs to, in order."""
    out: list[tuple[Delivery, BatchItem]] = []
    for msg in msgs:
        items = envelope_items(msg)
        delivery = Delivery(msg, len(items))
        out.extend((delivery, item) for item in items)
    return out
