"""The ``[inbox]`` table of ``plugins.toml``, parsed into typed settings with clear errors.

Example::

    [inbox]
    accept_domains = []                       # every address at these domains
    accept_addresses = ["support@msp.example"]
    max_message_bytes = 26214400              # 552 above this
    relay_host = "smtp.msp.example"
    relay_port = 587
    relay_tls = "starttls"                    # none | starttls | tls
    from_address = "support@msp.example"
    from_name = "MSP Support"
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import msgspec

from hub.settings import SettingsError


class InboxSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Smart Inbox settings; every field has a working default."""

    #: run the SMTP receiver inside ``atlas-hub run`` (false when ``atlas-hub smtp`` runs it)
    serve_smtp: bool = True
    #: recipient domains accepted (any local part); everything else gets 550
    accept_domains: list[str] = msgspec.field(default_factory=list)
    #: recipient addresses accepted (plus-address variants ``local+tag@`` included)
    accept_addresses: list[str] = msgspec.field(default_factory=lambda: ["support@msp.example"])
    #: largest message accepted (SMTP SIZE; 552 above it)
    max_message_bytes: int = 25 * 1024 * 1024
    #: longest line accepted; RFC 5321 says 1000 but real senders write longer ones
    max_line_bytes: int = 1024 * 1024
    #: the name the receiver announces in its greeting (default: the host name)
    smtp_hostname: str | None = None
    #: STARTTLS: certificate chain and key (PEM); both or neither
    tls_cert: str | None = None
    tls_key: str | None = None
    require_starttls: bool = False
    #: SMTP AUTH for senders: user name -> argon2 hash (``atlas-hub`` uses argon2-cffi)
    auth_users: dict[str, str] = msgspec.field(default_factory=dict)
    auth_required: bool = False

    #: outbound relay (aiosmtplib)
    relay_host: str = "127.0.0.1"
    relay_port: int = 25
    relay_tls: Literal["none", "starttls", "tls"] = "none"
    relay_user: str | None = None
    relay_password: str | None = None
    relay_timeout_seconds: float = 30.0
    send_attempts: int = 8
    from_address: str = "support@msp.example"
    from_name: str = "Support"
    #: domain of our signed Message-IDs (default: the from address's domain)
    message_id_domain: str | None = None

    #: loop protection: at most this many messages per sender per window
    rate_limit_messages: int = 20
    rate_limit_window_seconds: float = 600.0
    #: per-message processing budget in the intake consumer
    budget_seconds: float = 10.0
    intake_batch: int = 200

    @property
    def mid_domain(self) -> str:
        return self.message_id_domain or self.from_address.rpartition("@")[2]

    def own_addresses(self) -> list[str]:
        """Addresses that are us: mail *from* them is a loop."""
        return sorted({self.from_address.lower(), *(a.lower() for a in self.accept_addresses)})

    def accepts(self, address: str) -> bool:
        """True if ``address`` (an envelope recipient) is one of our mailboxes."""
        local, _, domain = address.strip().strip("<>").lower().rpartition("@")
        if not local or not domain:
            return False
        if domain in {d.lower().lstrip("@") for d in self.accept_domains}:
            return True
        base = local.split("+", 1)[0]
        wanted = {a.lower() for a in self.accept_addresses}
        return f"{local}@{domain}" in wanted or f"{base}@{domain}" in wanted


def load_inbox_settings(raw: dict[str, Any]) -> InboxSettings:
    """Parse ``[inbox]``; raise :class:`SettingsError` naming the bad key."""
    try:
        cfg = msgspec.convert(raw, InboxSettings)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"plugins.toml [inbox]: {exc}") from exc
    if bool(cfg.tls_cert) != bool(cfg.tls_key):
        raise SettingsError("plugins.toml [inbox]: set both tls_cert and tls_key, or neither")
    for path in (cfg.tls_cert, cfg.tls_key):
        if path and not Path(path).is_file():
            raise SettingsError(f"plugins.toml [inbox]: file {path} does not exist")
    if cfg.require_starttls and not cfg.tls_cert:
        raise SettingsError("plugins.toml [inbox]: require_starttls needs tls_cert and tls_key")
    if cfg.auth_required and not cfg.auth_users:
        raise SettingsError("plugins.toml [inbox]: auth_required needs auth_users")
    if "@" not in cfg.from_address:
        raise SettingsError(f"plugins.toml [inbox]: from_address {cfg.from_address!r} invalid")
    if cfg.max_message_bytes < 1024 or cfg.max_line_bytes < 1001:
        raise SettingsError("plugins.toml [inbox]: max_message_bytes/max_line_bytes too small")
    return cfg
