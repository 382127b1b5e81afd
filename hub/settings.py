"""Typed settings for the hub: command-line flags, then environment, then defaults.

Plugin settings come from ``plugins.toml`` (one table per plugin, ``enabled = false``
turns a plugin off). The file is looked up in this order: ``--plugins-config`` /
``ATLAS_PLUGINS_CONFIG``, ``./plugins.toml``, ``<home>/plugins.toml``; without one, every
built-in plugin runs with its defaults.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import msgspec

from hub.nats_server import SYNC_VALUES


class SettingsError(ValueError):
    """A setting has a value the hub cannot use."""


class HostPort(msgspec.Struct, frozen=True):
    host: str
    port: int

    @classmethod
    def parse(cls, value: str, what: str) -> HostPort:
        host, sep, port = value.rpartition(":")
        if not sep or not port.isdigit() or not host:
            raise SettingsError(f"{what}: expected HOST:PORT, got {value!r}")
        number = int(port)
        if not 0 <= number <= 65535:
            raise SettingsError(f"{what}: port {number} out of range")
        return cls(host.strip("[]"), number)

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class Settings(msgspec.Struct, kw_only=True):
    """Everything a hub process needs to start."""

    home: Path
    http: HostPort = HostPort("127.0.0.1", 8080)
    smtp: HostPort = HostPort("127.0.0.1", 2525)
    nats_url: str | None = None
    #: JetStream sync_interval of the embedded nats-server: ``always`` or a duration
    nats_sync: str = "always"
    database_url: str | None = None
    log_format: str = "auto"  # auto | json | console
    log_level: str = "info"
    plugins_config: Path | None = None
    plugins: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)
    demo: bool = False
    #: ``all``: one process does everything. ``web``: HTTP API, SMTP receiver and
    #: plugins, but no intake consumers (``atlas-hub run --workers N``). ``worker``:
    #: intake consumers, background jobs and the SLA monitor, no listeners.
    role: str = "all"
    #: worker processes ``atlas-hub run`` starts beside itself (0: consume in-process;
    #: ``run`` defaults to 1)
    workers: int = 0
    #: Secret for signing tokens (mail threading, feeds). Generated once per home.
    secret: bytes = b""

    @property
    def database_path(self) -> Path:
        return self.home / "atlas.sqlite3"

    @property
    def nats_dir(self) -> Path:
        return self.home / "nats"

    @property
    def files_dir(self) -> Path:
        return self.home / "files"

    def plugin_settings(self, name: str) -> dict[str, Any]:
        """The settings table of one plugin (empty when the file has none)."""
        table = self.plugins.get(name, {})
        return {k: v for k, v in table.items() if k != "enabled"}

    @property
    def consumes(self) -> bool:
        """True when this process runs intake consumers and background jobs."""
        return self.role in ("all", "worker")

    @property
    def listens(self) -> bool:
        """True when this process serves HTTP and SMTP."""
        return self.role in ("all", "web")

    def plugin_enabled(self, name: str) -> bool:
        return bool(self.plugins.get(name, {}).get("enabled", True))


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def load_plugins_file(explicit: Path | None, home: Path) -> tuple[Path | None, dict[str, Any]]:
    candidates = [explicit] if explicit else [Path("plugins.toml"), home / "plugins.toml"]
    for path in candidates:
        if path is not None and path.is_file():
            try:
                with path.open("rb") as fh:
                    data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise SettingsError(f"{path}: {exc}") from exc
            return path, {k: v for k, v in data.items() if isinstance(v, dict)}
        if explicit:
            raise SettingsError(f"plugins config {explicit} does not exist")
    return None, {}


def _secret(home: Path) -> bytes:
    """The per-installation secret, created on first start with 0600 permissions."""
    env = _env("ATLAS_SECRET")
    if env:
        return env.encode()
    path = home / "secret.key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(32).hex().encode())
    return path.read_bytes().strip()


def load_settings(
    *,
    home: str | None = None,
    http: str | None = None,
    smtp: str | None = None,
    nats_url: str | None = None,
    database_url: str | None = None,
    plugins_config: str | None = None,
    log_format: str | None = None,
    demo: bool = False,
    role: str = "all",
    workers: int | None = None,
    default_workers: int = 0,
) -> Settings:
    """Build settings: explicit arguments win over ``ATLAS_*`` environment variables."""
    home_path = Path(home or _env("ATLAS_HOME") or "./atlas-data").expanduser().resolve()
    explicit = plugins_config or _env("ATLAS_PLUGINS_CONFIG")
    cfg_path, plugins = load_plugins_file(Path(explicit) if explicit else None, home_path)
    db_url = database_url or _env("ATLAS_DATABASE_URL")
    if db_url and not db_url.startswith(("postgresql://", "postgres://", "sqlite:///")):
        raise SettingsError(
            f"database url must start with postgresql:// or sqlite:///, got {db_url.split(':')[0]}"
        )
    fmt = log_format or _env("ATLAS_LOG_FORMAT") or "auto"
    if fmt not in ("auto", "json", "console"):
        raise SettingsError(f"log format must be auto, json or console, got {fmt!r}")
    raw_workers = _env("ATLAS_WORKERS") or str(default_workers)
    if workers is None and not raw_workers.isdigit():
        raise SettingsError(f"ATLAS_WORKERS must be a number, got {raw_workers!r}")
    count = workers if workers is not None else int(raw_workers)
    if not 0 <= count <= 16:
        raise SettingsError(f"workers must be between 0 and 16, got {count}")
    if role not in ("all", "web", "worker"):
        raise SettingsError(f"role must be all, web or worker, got {role!r}")
    sync = _env("ATLAS_NATS_SYNC") or "always"
    if not SYNC_VALUES.fullmatch(sync):
        raise SettingsError(f"ATLAS_NATS_SYNC must be 'always' or a duration like 1s, got {sync!r}")
    return Settings(
        home=home_path,
        http=HostPort.parse(http or _env("ATLAS_HTTP") or "127.0.0.1:8080", "http"),
        smtp=HostPort.parse(smtp or _env("ATLAS_SMTP") or "127.0.0.1:2525", "smtp"),
        nats_url=nats_url or _env("ATLAS_NATS_URL"),
        nats_sync=sync,
        database_url=db_url,
        plugins_config=cfg_path,
        plugins=plugins,
        log_format=fmt,
        log_level=(_env("ATLAS_LOG_LEVEL") or "info").lower(),
        demo=demo,
        role="web" if role == "all" and count else role,
        workers=count if role != "worker" else 0,
        secret=_secret(home_path),
    )
