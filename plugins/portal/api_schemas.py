"""Request and response bodies of the portal's JSON API (``/portal/api``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class EmailIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email


class ExchangeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    #: the token from the magic link (the last path segment of the mailed URL)
    token: Token


class PasswordSignIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    password: Annotated[str, msgspec.Meta(max_length=1000)]


class PasswordSet(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    password: Annotated[str, msgspec.Meta(max_length=1000)]


class FileIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    filename: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    content_type: Annotated[str, msgspec.Meta(max_length=100)] = "application/octet-stream"
    #: the file's bytes, base64-encoded
    content: bytes


class RequestIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    subject: str
    description: str
    priority: str
    category: str
    affected: str = ""
    #: 32 hex characters chosen by the client: retrying with it never makes a second request
    submission_id: str | None = None
    attachments: list[FileIn] = []


class ReplyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    body: str
    attachments: list[FileIn] = []


class Me(msgspec.Struct, kw_only=True):
    contact_id: int
    email: str
    name: str
    customer: str
    portal_admin: bool
    allowed_priorities: list[str]
    categories: list[str]
    #: echo in the X-CSRF-Token header on writes authenticated by the session cookie
    csrf_token: str


class SessionOut(msgspec.Struct, kw_only=True):
    token: str
    token_type: str
    expires_at: datetime
    csrf_token: str


class Accepted(msgspec.Struct, kw_only=True):
    detail: str


class SubmissionOut(msgspec.Struct, kw_only=True):
    submission_id: str
    #: "created" once the request exists, "pending" while the hub is still filing it
    state: str
    request_id: int | None


class FileOut(msgspec.Struct, kw_only=True):
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class MessageOut(msgspec.Struct, kw_only=True):
    id: int
    author: str
    from_customer: bool
    body: str
    created_at: datetime
    attachments: list[FileOut]


class RequestOut(msgspec.Struct, kw_only=True):
    id: int
    reference: str
    title: str
    status: str
    priority: str
    category: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None


class RequestDetail(RequestOut, kw_only=True):
    messages: list[MessageOut]


class StatusOut(msgspec.Struct, kw_only=True):
    id: int
    status: str
