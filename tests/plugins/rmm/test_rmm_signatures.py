"""Webhook authentication: HMAC, tokens, timestamps and replays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plugins.rmm.signatures import (
    AuthError,
    ReplayCache,
    ReplayError,
    WebhookAuth,
    sign,
    verify,
)

BODY = b'{"version":"4","alerts":[]}'
NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
HMAC = {"mode": "hmac_sha256", "secret": "s3cret"}


def test_hmac_bare_hex_and_prefixed_are_accepted() -> None:
    digest = sign("s3cret", BODY)
    verify(HMAC, {"X-Signature": digest}, BODY, NOW)
    verify(HMAC, {"x-signature": "sha256=" + digest.upper()}, BODY, NOW)


def test_hmac_of_other_body_is_rejected() -> None:
    with pytest.raises(AuthError, match="X-Signature does not match the body"):
        verify(HMAC, {"X-Signature": sign("s3cret", BODY + b" ")}, BODY, NOW)


def test_hmac_with_wrong_secret_is_rejected() -> None:
    with pytest.raises(AuthError, match="does not match"):
        verify(HMAC, {"X-Signature": sign("other", BODY)}, BODY, NOW)


def test_missing_signature_header() -> None:
    with pytest.raises(AuthError, match="missing X-Hub-Signature header"):
        verify({**HMAC, "header": "X-Hub-Signature"}, {"X-Signature": "abc"}, BODY, NOW)


def test_previous_secret_still_accepted_during_rotation() -> None:
    settings = {**HMAC, "secret": "new", "previous_secret": "s3cret"}
    verify(settings, {"X-Signature": sign("s3cret", BODY)}, BODY, NOW)
    verify(settings, {"X-Signature": sign("new", BODY)}, BODY, NOW)


def test_bearer_token() -> None:
    settings = {"mode": "bearer", "secret": "tok-123"}
    verify(settings, {"Authorization": "Bearer tok-123"}, BODY, NOW)
    with pytest.raises(AuthError, match="token does not match"):
        verify(settings, {"Authorization": "Bearer tok-124"}, BODY, NOW)
    with pytest.raises(AuthError, match="missing bearer token"):
        verify(settings, {"Authorization": "Basic dXNlcjpwYXNz"}, BODY, NOW)
    with pytest.raises(AuthError, match="missing bearer token"):
        verify(settings, {}, BODY, NOW)


def test_custom_header_token() -> None:
    settings = {"mode": "header_token", "secret": "tok", "header": "X-Atlas-Token"}
    verify(settings, {"X-ATLAS-TOKEN": "tok"}, BODY, NOW)
    with pytest.raises(AuthError, match="missing X-Atlas-Token header"):
        verify(settings, {}, BODY, NOW)


def test_none_mode_accepts_anything_but_needs_no_secret() -> None:
    verify({"mode": "none"}, {}, BODY, NOW)
    with pytest.raises(ValueError, match="needs a secret"):
        verify({"mode": "bearer"}, {}, BODY, NOW)
    with pytest.raises(ValueError, match="invalid webhook auth settings"):
        verify({"mode": "magic", "secret": "x"}, {}, BODY, NOW)


TIMED = WebhookAuth(
    mode="hmac_sha256",
    secret="s3cret",
    timestamp_header="X-Timestamp",
    sign_timestamp=True,
    tolerance_seconds=300,
)


def _timed_headers(sent: datetime, body: bytes = BODY) -> dict[str, str]:
    stamp = str(int(sent.timestamp()))
    return {"X-Timestamp": stamp, "X-Signature": sign("s3cret", body, stamp)}


def test_signed_timestamp_within_tolerance() -> None:
    verify(TIMED, _timed_headers(NOW - timedelta(seconds=299)), BODY, NOW)
    verify(TIMED, _timed_headers(NOW + timedelta(seconds=30)), BODY, NOW)  # sender clock ahead


def test_old_timestamp_is_rejected() -> None:
    with pytest.raises(AuthError, match="X-Timestamp is 301 s from now"):
        verify(TIMED, _timed_headers(NOW - timedelta(seconds=301)), BODY, NOW)


def test_fresh_timestamp_on_an_old_signature_is_rejected() -> None:
    headers = _timed_headers(NOW - timedelta(hours=1))
    headers["X-Timestamp"] = str(int(NOW.timestamp()))
    with pytest.raises(AuthError, match="does not match"):
        verify(TIMED, headers, BODY, NOW)


def test_rfc3339_timestamp_and_garbage() -> None:
    settings = {**HMAC, "timestamp_header": "X-Timestamp"}
    ok = {"X-Timestamp": "2026-12-03T17:59:00Z", "X-Signature": sign("s3cret", BODY)}
    verify(settings, ok, BODY, NOW)
    with pytest.raises(AuthError, match="not a Unix or RFC 3339 time"):
        verify(settings, {**ok, "X-Timestamp": "yesterday"}, BODY, NOW)
    with pytest.raises(AuthError, match="missing X-Timestamp header"):
        verify(settings, {"X-Signature": ok["X-Signature"]}, BODY, NOW)


def test_replayed_request_is_detected_by_body_hash() -> None:
    clock = [NOW]
    cache = ReplayCache(timedelta(minutes=5), clock=lambda: clock[0])
    headers = _timed_headers(NOW)
    verify(TIMED, headers, BODY, NOW, cache)
    with pytest.raises(ReplayError, match="replay"):
        verify(TIMED, headers, BODY, NOW + timedelta(seconds=10), cache)
    # The same body sent again later with a new timestamp is a new request.
    later = NOW + timedelta(seconds=60)
    verify(TIMED, _timed_headers(later), BODY, later, cache)


def test_replay_cache_forgets_after_window_and_is_bounded() -> None:
    clock = [NOW]
    cache = ReplayCache(timedelta(minutes=5), clock=lambda: clock[0], max_entries=3)
    assert cache.check_and_remember("a") is True
    assert cache.check_and_remember("a") is False
    clock[0] = NOW + timedelta(minutes=6)
    assert cache.check_and_remember("a") is True
    for key in "bcd":
        cache.check_and_remember(key)
    assert len(cache) == 3
    assert cache.check_and_remember("a") is True  # evicted as the oldest


def test_nonce_header_replay() -> None:
    settings = {"mode": "bearer", "secret": "t", "nonce_header": "X-Request-Id"}
    cache = ReplayCache(timedelta(minutes=5), clock=lambda: NOW)
    headers = {"Authorization": "Bearer t", "X-Request-Id": "abc"}
    verify(settings, headers, BODY, NOW, cache)
    verify(settings, {**headers, "X-Request-Id": "abd"}, BODY, NOW, cache)
    with pytest.raises(ReplayError):
        verify(settings, headers, b"other body", NOW, cache)
    with pytest.raises(AuthError, match="missing X-Request-Id"):
        verify(settings, {"Authorization": "Bearer t"}, BODY, NOW, cache)


def test_failed_auth_does_not_poison_the_replay_cache() -> None:
    cache = ReplayCache(timedelta(minutes=5), clock=lambda: NOW)
    with pytest.raises(AuthError):
        verify(HMAC, {"X-Signature": "00"}, BODY, NOW, cache)
    assert len(cache) == 0
