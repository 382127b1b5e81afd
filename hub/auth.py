"""Bearer-key authentication for ``/api/v1`` and role guards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from hub.errors import Unauthorized
from hub.services.apikeys import KeyVerifier, Principal

verifier = KeyVerifier()


class BearerKeyMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        # straight from the ASGI scope: building litestar's Headers costs more than the check
        header = next(
            (v for k, v in connection.scope["headers"] if k == b"authorization"), b""
        ).decode("latin-1")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise NotAuthorizedException("missing Authorization: Bearer <api key> header")
        try:
            principal = await verifier.verify(key.strip())
        except Unauthorized as exc:
            raise NotAuthorizedException(exc.detail) from exc
        return AuthenticationResult(user=principal, auth=key)


def requires_role(
    *roles: str,
) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard admitting only callers whose key has one of ``roles``.

    The guard is a coroutine function: Litestar runs a plain function guard in a worker
    thread, a hop that cost more than the check itself on every request.
    """

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, Principal):
            raise NotAuthorizedException("authentication required")
        if user.role not in roles:
            raise PermissionDeniedException(
                f"role {user.role!r} may not do this; needs one of: {', '.join(roles)}"
            )

    return guard


ADMIN = requires_role("admin")
STAFF = requires_role("admin", "technician")
ANY_ROLE = requires_role("admin", "technician", "integration")
