"""One error hierarchy for the hub; the app maps it to HTTP responses.

Services raise these; they never import Litestar. ``ClientError`` subclasses are the
caller's fault (4xx) and carry a reason a person can act on.
"""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    status_code = 500

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class ClientError(HubError):
    status_code = 400


class BadRequest(ClientError):
    status_code = 400


class Unauthorized(ClientError):
    status_code = 401


class Forbidden(ClientError):
    status_code = 403


class NotFound(ClientError):
    status_code = 404

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found", kind=kind, id=str(ident))


class Conflict(ClientError):
    status_code = 409


class PreconditionFailed(ClientError):
    status_code = 412


class PayloadTooLarge(ClientError):
    status_code = 413


class Unavailable(HubError):
    """A dependency (bus, database) is down; the caller may retry."""

    status_code = 503


class PreconditionRequired(ClientError):
    """An update without the version it is based on (lost-update protection)."""

    status_code = 428
