"""Authenticating alert webhooks: HMAC signatures, tokens and replay protection.

Each alert source has its own secret (DESIGN.md, security model). Monitoring tools
differ in what they can send, so a source picks one mode:

* ``hmac_sha256``: hex HMAC-SHA256 of the raw body in a header (``X-Signature`` by
  default), bare or as ``sha256=<hex>`` (GitHub style). With ``timestamp_header`` and
  ``sign_timestamp`` the signed message is ``<timestamp>.<body>`` (Stripe style), so
  an old signature cannot be replayed with a fresh timestamp.
* ``bearer``: ``Authorization: Bearer <token>`` (Alertmanager's ``http_config``,
  Grafana's webhook "Authorization header", a Zabbix media type).
* ``header_token``: a token in a named header (Tactical RMM and Uptime Kuma let you add
  any header).
* ``none``: no check; only for sources on a trusted network, and only when set explicitly.

Comparisons are constant-time. A timestamp header, when configured, must be within
``tolerance_seconds`` of ``now``. ``ReplayCache`` remembers nonces (or body hashes)
for the tolerance window; ``verify`` consults it when one is passed in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec

AuthMode = Literal["none", "hmac_sha256", "bearer", "header_token"]


class AuthError(Exception):
    """The request is not from the configured source; ``reason`` says why (for logs/401)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReplayError(AuthError):
    """A correctly signed request seen before within the window.

    Separate from ``AuthError`` so the endpoint can choose its answer: a sender
    retrying after a lost response is not an attacker, and intake is idempotent.
    """


class WebhookAuth(msgspec.Struct, frozen=True, kw_only=True):
    """One source's authentication settings (the ``auth`` table of its config)."""

    mode: AuthMode
    secret: str = ""
    previous_secret: str = ""
    """Still accepted while a rotated-out secret is replaced at the sender."""
    header: str = "X-Signature"
    """Signature header (``hmac_sha256``) or token header (``header_token``)."""
    timestamp_header: str | None = None
    """E.g. ``X-Timestamp``: Unix seconds or RFC 3339; required when set."""
    sign_timestamp: bool = False
    tolerance_seconds: int = 300
    nonce_header: str | None = None
    """E.g. ``X-Request-Id``: the replay-cache key; the body hash when unset."""

    def __post_init__(self) -> None:
        if self.mode != "none" and not self.secret:
            raise ValueError(f"auth mode {self.mode!r} needs a secret")
        if self.sign_timestamp and not self.timestamp_header:
            raise ValueError("sign_timestamp needs timestamp_header")
        if self.tolerance_seconds <= 0:
            raise ValueError("tolerance_seconds must be positive")


def auth_from_settings(settings: Mapping[str, Any]) -> WebhookAuth:
    """Build a ``WebhookAuth`` from a plain settings table (plugins.toml)."""
    try:
        return msgspec.convert(dict(settings), WebhookAuth)
    except msgspec.ValidationError as exc:
        raise ValueError(f"invalid webhook auth settings: {exc}") from None


class ReplayCache:
    """Keys seen within ``window``; pure apart from the injectable ``clock``.

    Bounded by ``max_entries`` (oldest dropped first) so a flood cannot grow it
    without limit. One per process: across processes the signature timestamp window
    and idempotent intake still bound the damage of a replay.
    """

    def __init__(
        self,
        window: timedelta,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_entries: int = 100_000,
    ) -> None:
        self._window = window
        self._clock = clock
        self._max = max_entries
        self._seen: OrderedDict[str, datetime] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def check_and_remember(self, key: str) -> bool:
        """Return ``True`` if ``key`` is new (and remember it), ``False`` if a replay."""
        now = self._clock()
        self._expire(now)
        if key in self._seen:
            return False
        self._seen[key] = now
        while len(self._seen) > self._max:
            self._seen.popitem(last=False)
        return True

    def forget(self, key: str) -> None:
        """Drop ``key`` (a request that was refused after the check may be retried)."""
        self._seen.pop(key, None)

    def _expire(self, now: datetime) -> None:
        cutoff = now - self._window
        while self._seen:
            key, seen_at = next(iter(self._seen.items()))
            if seen_at >= cutoff:
                break
            del self._seen[key]


def sign(secret: str, body: bytes, timestamp: str | None = None) -> str:
    """The hex signature a sender computes (used by tests and the docs' examples)."""
    message = body if timestamp is None else timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    settings: WebhookAuth | Mapping[str, Any],
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    replay_cache: ReplayCache | None = None,
) -> None:
    """Check one webhook request; return ``None`` or raise ``AuthError``/``ReplayError``."""
    auth = settings if isinstance(settings, WebhookAuth) else auth_from_settings(settings)
    if auth.mode == "none":
        return
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = _check_timestamp(auth, lowered, now)
    secrets = [s for s in (auth.secret, auth.previous_secret) if s]
    if auth.mode == "hmac_sha256":
        _check_hmac(auth, lowered, body, timestamp, secrets)
    elif auth.mode == "bearer":
        scheme, _, token = lowered.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("missing bearer token in Authorization header")
        _check_token(token.strip(), secrets)
    else:
        token = lowered.get(auth.header.lower(), "").strip()
        if not token:
            raise AuthError(f"missing {auth.header} header")
        _check_token(token, secrets)
    if replay_cache is not None:
        key = _replay_key(auth, lowered, body, timestamp)
        if not replay_cache.check_and_remember(key):
            raise ReplayError("request already received (replay)")


def _check_timestamp(auth: WebhookAuth, headers: Mapping[str, str], now: datetime) -> str | None:
    if not auth.timestamp_header:
        return None
    value = headers.get(auth.timestamp_header.lower(), "").strip()
    if not value:
        raise AuthError(f"missing {auth.timestamp_header} header")
    sent = _parse_timestamp(value)
    if sent is None:
        raise AuthError(f"{auth.timestamp_header} is not a Unix or RFC 3339 time")
    skew = abs((now - sent).total_seconds())
    if skew > auth.tolerance_seconds:
        raise AuthError(
            f"{auth.timestamp_header} is {skew:.0f} s from now "
            f"(tolerance {auth.tolerance_seconds} s)"
        )
    return value


def _parse_timestamp(value: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _check_hmac(
    auth: WebhookAuth,
    headers: Mapping[str, str],
    body: bytes,
    timestamp: str | None,
    secrets: list[str],
) -> None:
    given = headers.get(auth.header.lower(), "").strip()
    if not given:
        raise AuthError(f"missing {auth.header} header")
    if given.lower().startswith("sha256="):
        given = given[len("sha256=") :]
    signed_ts = timestamp if auth.sign_timestamp else None
    # Check every secret, not stopping at the first match, so timing does not
    # reveal which one matched.
    matches = [
        hmac.compare_digest(given.lower().encode(), sign(secret, body, signed_ts).encode())
        for secret in secrets
    ]
    if not any(matches):
        raise AuthError(f"{auth.header} does not match the body")


def _check_token(token: str, secrets: list[str]) -> None:
    matches = [hmac.compare_digest(token.encode(), secret.encode()) for secret in secrets]
    if not any(matches):
        raise AuthError("token does not match")


def _replay_key(
    auth: WebhookAuth, headers: Mapping[str, str], body: bytes, timestamp: str | None
) -> str:
    if auth.nonce_header:
        nonce = headers.get(auth.nonce_header.lower(), "").strip()
        if not nonce:
            raise AuthError(f"missing {auth.nonce_header} header")
        return "nonce:" + nonce
    # Without a nonce the same body with a new timestamp is a new request.
    digest = hashlib.sha256((timestamp or "").encode() + b"." + body).hexdigest()
    return "body:" + digest
