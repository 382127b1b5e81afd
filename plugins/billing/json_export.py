"""JSON export of an invoice (msgspec) and the HMAC signature billing sinks send.

Decimals are encoded as JSON strings ("1234.50"), so a receiver never parses an amount
as a float. A webhook sink sends the body with a header ``X-Atlas-Signature:
sha256=<hex>``, the HMAC-SHA256 of the exact body bytes under a shared secret.
"""

from __future__ import annotations

import hashlib
import hmac

import msgspec

from .model import InvoiceDraft

_encoder = msgspec.json.Encoder(decimal_format="string")
_decoder = msgspec.json.Decoder(InvoiceDraft)


def to_json(invoice: InvoiceDraft) -> bytes:
    """The invoice (lines, totals, bookkeeping) as compact JSON bytes."""
    return _encoder.encode(invoice)


def from_json(body: bytes | str) -> InvoiceDraft:
    """Decode JSON written by ``to_json`` (validated against ``InvoiceDraft``)."""
    return _decoder.decode(body)


def sign(body: bytes, secret: str | bytes) -> str:
    """``"sha256=<hex>"``: HMAC-SHA256 of ``body`` under ``secret``."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str | bytes, signature: str) -> bool:
    """True when ``signature`` is ``sign(body, secret)``, compared in constant time."""
    return hmac.compare_digest(sign(body, secret), signature)
