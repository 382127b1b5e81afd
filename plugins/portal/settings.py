"""The ``[portal]`` table of plugins.toml, parsed once into a typed struct."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from hub.settings import SettingsError

DEFAULT_CATEGORIES = [
    "General question",
    "Hardware",
    "Software",
    "Email",
    "Network / internet",
    "Account / access",
    "Printing",
]

Positive = Annotated[int, msgspec.Meta(ge=1)]


class PortalSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Portal settings; every field has a default so an empty table works."""

    #: shown in the header, page titles and mails
    msp_name: str = "Atlas Hub"
    #: absolute URL of the logo image shown in the header ("" for none)
    logo_url: str = ""
    #: public address of the hub; magic links and mails point here
    base_url: str = "http://127.0.0.1:8080"
    #: the magic link in the mail; "{token}" is replaced. Default: <base_url>/portal/auth/{token}.
    #: MSPs embedding the portal point it at their own page, which calls the exchange API.
    magic_link_url: str = ""
    #: the `Secure` cookie flag; None = true exactly when base_url is https
    cookie_secure: bool | None = None
    session_days: Positive = 14
    magic_link_minutes: Positive = 20
    max_attachment_mb: Positive = 10
    max_attachments: Positive = 5
    #: sign-in attempts (magic-link requests, passwords, exchanges) per address / per IP
    sign_in_per_address: Positive = 5
    sign_in_per_ip: Positive = 30
    sign_in_window_minutes: Positive = 15
    categories: list[str] = msgspec.field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    #: how long a form submission waits for its task before showing "received"
    submit_wait_seconds: Annotated[float, msgspec.Meta(ge=0, le=10)] = 3.0
    min_password_length: Annotated[int, msgspec.Meta(ge=8)] = 10
    #: CSP frame-ancestors: who may frame the pages ("'none'", "'self'", or origins)
    frame_ancestors: str = "'self'"
    #: take the client address from X-Forwarded-For (only behind a trusted proxy)
    trust_forwarded_for: bool = False

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.base_url.lower().startswith("https://")

    @property
    def max_attachment_bytes(self) -> int:
        return self.max_attachment_mb * 1024 * 1024

    def link_for(self, token: str) -> str:
        template = self.magic_link_url or self.base_url.rstrip("/") + "/portal/auth/{token}"
        return template.replace("{token}", token)


def parse_settings(raw: dict[str, Any]) -> PortalSettings:
    """Validate the ``[portal]`` table; a bad value names the key (SettingsError)."""
    try:
        settings = msgspec.convert(raw, PortalSettings)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"[portal] {exc}") from exc
    if not settings.base_url.lower().startswith(("http://", "https://")):
        raise SettingsError(
            f"[portal] base_url must start with http:// or https://, got {settings.base_url!r}"
        )
    if settings.magic_link_url and "{token}" not in settings.magic_link_url:
        raise SettingsError("[portal] magic_link_url must contain {token}")
    if not settings.categories:
        raise SettingsError("[portal] categories must not be empty")
    return settings
