"""``POST /hooks/rmm/{source}``: authenticate, parse, publish to JetStream, answer 202.

The order is the contract: a request is refused (401, 400, 413) before anything is
stored; a 202 is sent only after JetStream acknowledged the raw body, so a crash after
that loses nothing (the intake consumer commits it). Identical bodies of one source
share one bus key, so a sender's retry is dropped by JetStream's duplicate window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hub.errors import BadRequest, NotFound, PayloadTooLarge, Unauthorized
from hub.logs import get_logger
from hub.runtime import Hub
from plugins.rmm.adapters.payload import RECEIVED_AT_HEADER
from plugins.rmm.alerts import NormalizedAlert, PayloadError
from plugins.rmm.config import Source
from plugins.rmm.runtime import STATE_KEY, RmmRuntime
from plugins.rmm.signatures import AuthError, ReplayCache, ReplayError, verify

log = get_logger("plugins.rmm.webhook")

SUBJECT = "hub.in.alert.rmm"
SOURCE_HEADER = "Atlas-Source"
# never forwarded onto the bus: they are secrets or meaningless after intake
_DROPPED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "host"})


class Accepted(msgspec.Struct, kw_only=True):
    """What a 202 says: how many alerts the body carried and its intake key."""

    accepted: int
    key: str
    duplicate: bool = False


class _Recorder:
    """Passes replay checks to a cache and remembers the key, to undo it on failure."""

    def __init__(self, cache: ReplayCache) -> None:
        self.cache = cache
        self.key: str | None = None

    def check_and_remember(self, key: str) -> bool:
        self.key = key
        return self.cache.check_and_remember(key)

    def forget(self) -> None:
        if self.key is not None:
            self.cache.forget(self.key)


def intake_key(source: str, body: bytes) -> str:
    """The bus key of a body: sha256 of source name, NUL and the raw body."""
    return hashlib.sha256(source.encode() + b"\0" + body).hexdigest()


def parse_body(
    runtime: RmmRuntime, source: Source, body: bytes, headers: Mapping[str, str]
) -> list[NormalizedAlert]:
    """Decode and parse a body with the source's adapter; ``BadRequest`` naming the problem."""
    try:
        payload = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None
    adapter = runtime.adapter_for(source)
    try:
        return adapter.parse(payload, headers, source.adapter_settings())
    except PayloadError as exc:
        raise BadRequest(
            f"{source.config.adapter} payload: {exc}", field=exc.field, problem=exc.problem
        ) from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # a vendor adapter without PayloadError discipline: still the body's fault
        log.warning("adapter_error", source=source.name, error=repr(exc))
        raise BadRequest(f"{source.config.adapter} payload not understood: {exc}") from None


def _forwarded(headers: Mapping[str, str], source: Source) -> dict[str, str]:
    secret_header = source.auth.header.lower()
    return {
        k: v
        for k, v in headers.items()
        if k.lower() not in _DROPPED_HEADERS and k.lower() != secret_header and "\n" not in v
    }


def _runtime(hub: Hub) -> RmmRuntime:
    runtime = hub.state.get(STATE_KEY)
    if runtime is None:
        raise NotFound("alert source", "(rmm plugin not started)")
    return runtime  # type: ignore[no-any-return]


@post(
    "/hooks/rmm/{source:str}",
    operation_id="receiveRmmAlerts",
    status_code=202,
    tags=["rmm"],
    security=[],
)
async def receive_alerts(
    source: FromPath[str], request: Request[Any, Any, Any], hub: NamedDependency[Hub]
) -> Accepted:
    """Accept a monitoring webhook for a configured source (its own secret, no API key).

    401 for a wrong or missing signature/token, 400 naming what is wrong with the
    body, 413 over ``max_body_bytes``, 503 when the bus did not confirm; 202 once the
    body is durably queued (``duplicate`` when it was already received).
    """
    runtime = _runtime(hub)
    src = runtime.sources.get(source)
    if src is None:
        raise NotFound("alert source", source)
    limit = runtime.settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body over {limit} bytes")
    body = await request.body()
    if len(body) > limit:
        raise PayloadTooLarge(f"body over {limit} bytes")
    headers = dict(request.headers)
    now = datetime.now(UTC)
    key = intake_key(source, body)
    bound = log.bind(source=source, key=key[:16])
    recorder = _Recorder(runtime.replay[source])
    try:
        verify(src.auth, headers, body, now, recorder)  # type: ignore[arg-type]
    except ReplayError:
        # Only keys of durably accepted bodies are remembered: this one is safe already.
        bound.info("webhook_replay_ignored")
        return Accepted(accepted=0, key=key, duplicate=True)
    except AuthError as exc:
        bound.warning("webhook_unauthorized", reason=exc.reason)
        raise Unauthorized(f"{source}: {exc.reason}") from None
    try:
        received = now.isoformat().replace("+00:00", "Z")
        headers[RECEIVED_AT_HEADER] = received
        alerts = parse_body(runtime, src, body, headers)
        forwarded = _forwarded(headers, src) | {SOURCE_HEADER: source}
        if alerts:
            await hub.bus_required.publish_grouped(SUBJECT, body, key=key, headers=forwarded)
    except BaseException:
        recorder.forget()
        raise
    bound.info("webhook_accepted", alerts=len(alerts))
    return Accepted(accepted=len(alerts), key=key)
