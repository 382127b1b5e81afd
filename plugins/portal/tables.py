"""The portal's own tables (piccolo app ``portal``).

Only hashes of secrets are stored: a login token or session token read from a backup
cannot be replayed.
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hub.db.tables import Contact, Customer, Message, Task


class PortalLoginToken(Table, tablename="portal_login_token"):
    """A magic link: one use, expires; ``token_hash`` is the sha256 of the mailed token."""

    token_hash = Varchar(length=64, unique=True)
    contact = ForeignKey(references=Contact, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class PortalSession(Table, tablename="portal_session"):
    """A signed-in contact: the cookie (or bearer token) holds the token, we its hash."""

    token_hash = Varchar(length=64, unique=True)
    contact = ForeignKey(references=Contact, index=True)
    #: per-session CSRF token, echoed in every form / X-CSRF-Token header
    csrf_token = Varchar(length=64)
    kind = Varchar(length=16, default="cookie")  # cookie | bearer
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(index=True)
    last_seen_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class PortalRequest(Table, tablename="portal_request"):
    """A submission that became a task: who submitted it (the task has no contact column)."""

    submission_id = Varchar(length=120, unique=True)
    task = ForeignKey(references=Task, index=True)
    contact = ForeignKey(references=Contact, index=True)
    customer = ForeignKey(references=Customer, index=True)
    affected = Varchar(length=200, default="")
    submitted_at = Timestamptz()


class PortalReplyNotice(Table, tablename="portal_reply_notice"):
    """A technician's public message already mailed to the contact (mail once)."""

    message = ForeignKey(references=Message, unique=True)
    mailed_at = Timestamptz(default=TimestamptzNow())


class PortalAttempt(Table, tablename="portal_attempt"):
    """One sign-in attempt, counted per key ("ip:..." / "addr:<sha256>") for rate limits."""

    key = Varchar(length=100, index=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)


PORTAL_TABLES: list[type[Table]] = [
    PortalLoginToken,
    PortalSession,
    PortalRequest,
    PortalReplyNotice,
    PortalAttempt,
]
