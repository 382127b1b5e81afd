"""Which task a reply belongs to, decided safely.

In order of trust:

1. a Message-ID *we signed* in In-Reply-To / References (HMAC, :mod:`plugins.inbox.tokens`);
2. a signed plus-address reply token in the envelope recipients or To/Cc (survives
   providers such as Amazon SES that rewrite our Message-ID);
3. a Message-ID of mail we *received* on a task (unsigned, so only for a sender already
   on that task);
4. the ``[#1234]`` subject reference, again only for a sender already on that task.

"On the task" means: the sender wrote inbound mail on it before, or is a known contact
of the task's customer. So a stranger who guesses ``[#1234]`` or copies a Message-ID
cannot inject text into another customer's task; such mail becomes a new inbox item.
"""

from __future__ import annotations

import msgspec

from hub.db.tables import Contact, Message, Task
from plugins.inbox.parsing import ParsedMail
from plugins.inbox.tables import InboxMail
from plugins.inbox.tokens import find_task_in_ids, parse_reply_address, subject_reference


class ThreadMatch(msgspec.Struct, frozen=True, kw_only=True):
    task_id: int
    method: str  # signed_message_id | reply_token | message_id | subject


async def sender_on_task(sender: str | None, task_id: int) -> bool:
    """True if ``sender`` wrote inbound mail on the task or is a contact of its customer."""
    if not sender:
        return False
    sender = sender.lower()
    wrote = await Message.exists().where(
        (Message.task == task_id) & (Message.direction == "inbound") & (Message.author == sender)
    )
    if wrote:
        return True
    task = await Task.select(Task.customer).where(Task.id == task_id).first()
    if task is None:
        return False
    return await Contact.exists().where(
        (Contact.email == sender) & (Contact.customer == task["customer"])
    )


async def _task_exists(task_id: int) -> bool:
    return await Task.exists().where(Task.id == task_id)


async def _received_id_task(ids: list[str]) -> int | None:
    if not ids:
        return None
    row = (
        await Message.select(Message.task)
        .where(Message.message_id.is_in(ids))
        .order_by(Message.id, ascending=False)
        .first()
    )
    if row:
        return int(row["task"])
    mail = (
        await InboxMail.select(InboxMail.task)
        .where(InboxMail.message_id.is_in(ids) & InboxMail.task.is_not_null())
        .first()
    )
    return int(mail["task"]) if mail else None


async def find_thread(
    parsed: ParsedMail, envelope_rcpts: list[str], secret: bytes
) -> ThreadMatch | None:
    """The task this mail replies to, or None when it starts a new conversation."""
    ids = [i for i in [parsed.in_reply_to, *reversed(parsed.references)] if i]
    task_id = find_task_in_ids(ids, secret)
    if task_id is not None and await _task_exists(task_id):
        return ThreadMatch(task_id=task_id, method="signed_message_id")
    for address in [*envelope_rcpts, *parsed.to, *parsed.cc]:
        task_id = parse_reply_address(address, secret)
        if task_id is not None and await _task_exists(task_id):
            return ThreadMatch(task_id=task_id, method="reply_token")
    task_id = await _received_id_task(ids)
    if task_id is not None and await sender_on_task(parsed.from_addr, task_id):
        return ThreadMatch(task_id=task_id, method="message_id")
    task_id = subject_reference(parsed.subject)
    if (
        task_id is not None
        and await _task_exists(task_id)
        and await sender_on_task(parsed.from_addr, task_id)
    ):
        return ThreadMatch(task_id=task_id, method="subject")
    return None
