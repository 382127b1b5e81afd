"""Grouped durable publishing: items of the same moment share one JetStream write.

With JetStream fsyncing before it acknowledges (the embedded server's default, see
:class:`hub.nats_server.EmbeddedNats`), every publish costs a disk flush, and
nats-server flushes each message on its own: sixteen webhooks or four SMTP sessions
accepted at once wait for as many flushes in a row. :class:`GroupPublisher` publishes the
way a database group-commits. An item arriving while a publish of its subject is in
flight waits for it, then goes out together with every other item that arrived
meanwhile, as one bus message, an *envelope*: header ``Atlas-Batch`` = item count,
payload the msgpack list of ``[data, headers]`` items, each item's headers including its
own ``Nats-Msg-Id``. An idle publisher sends each item alone, at once, as a plain message.
Each caller hears its item is durable only after the write that holds it was acknowledged.

Consumers never see envelopes: :meth:`hub.bus.Bus.consume` unpacks each into one
:class:`PartMsg` per item, with the item's own data and headers and the envelope's
metadata (delivery count, stream sequence). ``ack``, ``nak`` and ``term`` of a part
settle that part; once every part of the envelope is settled, the envelope is acked, or
nak'ed (with the longest delay asked for) when any part asked for a retry. A redelivered
envelope hands every part to the consumer again: intake is idempotent per item key, so
parts already recorded are skipped.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec
from nats.aio.msg import Msg

from hub.errors import Unavailable

if TYPE_CHECKING:
    from hub.bus import Bus

H_BATCH = "Atlas-Batch"
#: most items in one envelope (the server's message size bounds it too)
MAX_ITEMS = 64
#: bytes of a bus message kept free for its headers
HEADER_ROOM = 8192


class Item(msgspec.Struct, array_like=True):
    """One published item inside an envelope."""

    data: bytes
    headers: dict[str, str]


_encode_items = msgspec.msgpack.Encoder().encode
_decode_items = msgspec.msgpack.Decoder(list[Item]).decode


class GroupPublisher:
    """Publishes items to one subject, grouping those that arrive during a publish."""

    def __init__(self, bus: Bus, subject: str) -> None:
        self.bus = bus
        self.subject = subject
        self._waiting: list[tuple[Item, asyncio.Future[int]]] = []
        self._worker: asyncio.Task[None] | None = None
        #: bus messages and items published so far (items / messages = grouping)
        self.messages = 0
        self.items = 0

    async def publish(self, data: bytes, key: str | None, headers: dict[str, str]) -> int:
        """Make ``data`` durable; returns the stream sequence of the write that holds it.

        Raises :class:`Unavailable` when JetStream did not confirm that write.
        """
        item_headers = dict(headers)
        if key:
            item_headers["Nats-Msg-Id"] = key[:900]
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append((Item(data=data, headers=item_headers), future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            group = self._take()
            try:
                seq = await self._publish([item for item, _ in group])
            except Exception as exc:
                error = exc if isinstance(exc, Unavailable) else Unavailable(str(exc))
                for _, future in group:
                    if not future.done():
                        future.set_exception(error)
                continue
            self.messages += 1
            self.items += len(group)
            for _, future in group:
                if not future.done():
                    future.set_result(seq)

    def _take(self) -> list[tuple[Item, asyncio.Future[int]]]:
        """The next group: the oldest item, then others while they fit one message."""
        limit = (self.bus.max_payload or 1024 * 1024) - HEADER_ROOM
        group = self._waiting[:1]
        size = len(group[0][0].data)
        for entry in self._waiting[1:MAX_ITEMS]:
            size += len(entry[0].data) + 1024  # the item's headers, generously
            if size > limit:
                break
            group.append(entry)
        del self._waiting[: len(group)]
        return group

    async def _publish(self, items: list[Item]) -> int:
        if len(items) == 1:
            item = items[0]
            headers = dict(item.headers)
            key = headers.pop("Nats-Msg-Id", None)
            return await self.bus.publish_durable(self.subject, item.data, key=key, headers=headers)
        keys = "\n".join(i.headers.get("Nats-Msg-Id", "") for i in items)
        return await self.bus.publish_durable(
            self.subject,
            _encode_items(items),
            key="batch:" + hashlib.sha256(keys.encode()).hexdigest(),
            headers={H_BATCH: str(len(items))},
        )


class _Envelope:
    """The settling state of one envelope shared by its parts."""

    def __init__(self, msg: Msg, parts: int) -> None:
        self.msg = msg
        self.open = parts
        self.retry_after: float | None = None

    async def settle(self, retry_after: float | None) -> None:
        if retry_after is not None:
            self.retry_after = max(self.retry_after or 0.0, retry_after)
        self.open -= 1
        if self.open:
            return
        if self.retry_after is not None:
            await self.msg.nak(delay=self.retry_after)
        else:
            await self.msg.ack()


class PartMsg:
    """One item of an envelope, handed to consumers in place of a ``nats`` ``Msg``."""

    def __init__(self, envelope: _Envelope, item: Item) -> None:
        self._envelope = envelope
        self.subject = envelope.msg.subject
        self.data = item.data
        self.headers: dict[str, str] | None = item.headers
        self._settled = False

    @property
    def metadata(self) -> Any:
        """The envelope's JetStream metadata (delivery count, sequence, timestamp)."""
        return self._envelope.msg.metadata

    async def _settle(self, retry_after: float | None) -> None:
        if self._settled:
            return
        self._settled = True
        await self._envelope.settle(retry_after)

    async def ack(self) -> None:
        await self._settle(None)

    async def term(self) -> None:
        """Give up on this item (it is not redelivered on its own account)."""
        await self._settle(None)

    async def nak(self, delay: float | None = None) -> None:
        """Ask for this item again: the whole envelope is redelivered."""
        await self._settle(delay or 0.0)

    async def in_progress(self) -> None:
        await self._envelope.msg.in_progress()


def _items(msg: Msg) -> list[Item]:
    """The items of an envelope; none for a plain message or one that does not decode."""
    if not (msg.headers or {}).get(H_BATCH):
        return []
    try:
        return _decode_items(msg.data)
    except msgspec.DecodeError:
        return []


def unpack(msgs: Sequence[Msg]) -> list[Any]:
    """``msgs`` with every envelope replaced by its parts, in order.

    An envelope whose payload does not decode is passed on as it is (the consumer sees
    bytes it cannot read and quarantines or dead-letters them): nothing is dropped.
    """
    out: list[Any] = []
    for msg in msgs:
        items = _items(msg)
        if not items:
            out.append(msg)
            continue
        envelope = _Envelope(msg, len(items))
        out.extend(PartMsg(envelope, item) for item in items)
    return out
