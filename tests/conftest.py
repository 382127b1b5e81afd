"""Shared fixtures: a real hub (real nats-server child, real SQLite file or PostgreSQL).

Every test that uses ``hub`` gets its own home folder, its own nats-server child on a
free loopback port and a clean database. The SQLite database is copied from a template
migrated once per session; PostgreSQL (when ``ATLAS_TEST_DATABASE_URL`` is set) uses one
database per session whose tables are emptied between tests.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from hub.app import create_app
from hub.db import engine as db
from hub.runtime import Hub
from hub.services import apikeys
from hub.settings import HostPort, Settings

REPO = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("ATLAS_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]


def corpora_dir() -> Path:
    return Path(os.environ.get("ATLAS_CORPORA", REPO.parent / "shared" / "corpora"))


@pytest.fixture(scope="session")
def corpora() -> Path:
    path = corpora_dir()
    if not path.is_dir():
        pytest.skip(f"corpora folder {path} absent (set ATLAS_CORPORA)")
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "atlas.sqlite3"

    async def build() -> None:
        async with db.database(None, path):
            pass

    asyncio.run(build())
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    if not PG_URL:
        yield None
        return
    name = f"atlas_test_{uuid.uuid4().hex[:10]}"
    base = PG_URL.rsplit("/", 1)[0]

    async def admin(sql: str) -> None:
        con = await asyncpg.connect(PG_URL)
        try:
            await con.execute(sql)
        finally:
            await con.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield f"{base}/{name}"
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate_pg(url: str) -> None:
    con = await asyncpg.connect(url)
    try:
        rows = await con.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'migration'"
        )
        if rows:
            names = ", ".join(f'"{r["tablename"]}"' for r in rows)
            await con.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await con.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_settings(home: Path, database_url: str | None, **extra: Any) -> Settings:
    plugins = extra.pop("plugins", {})
    return Settings(
        home=home,
        http=HostPort("127.0.0.1", 0),
        smtp=extra.pop("smtp", HostPort("127.0.0.1", 0)),
        database_url=database_url,
        plugins=plugins,
        secret=b"test-secret-0123456789abcdef",
        **extra,
    )


@pytest.fixture
async def database_url(
    backend: str, tmp_path: Path, sqlite_template: Path, pg_database: str | None
) -> str | None:
    if backend == "postgres":
        assert pg_database is not None
        # first use creates the schema via the hub's migrations; later uses start empty
        try:
            await _truncate_pg(pg_database)
        except asyncpg.UndefinedTableError:
            pass
        return pg_database
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    shutil.copy(sqlite_template, home / "atlas.sqlite3")
    return None


@pytest.fixture
def plugin_config() -> dict[str, dict[str, Any]]:
    """Override in a test module to configure plugins for its hub."""
    return {}


@pytest.fixture
async def hub(
    tmp_path: Path, database_url: str | None, plugin_config: dict[str, dict[str, Any]]
) -> AsyncIterator[Hub]:
    settings = make_settings(tmp_path / "home", database_url, plugins=plugin_config)
    instance = Hub(settings)
    await instance.start()
    try:
        yield instance
    finally:
        await instance.stop()


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    # Same event loop as the hub (Litestar's test client runs the app on another loop,
    # which a NATS connection made in this loop cannot serve).
    app = create_app(hub=hub)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class Keys:
    def __init__(self, admin: str, integration: str) -> None:
        self.admin = admin
        self.integration = integration
        self.technicians: dict[int, str] = {}

    @staticmethod
    def header(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    @property
    def admin_h(self) -> dict[str, str]:
        return self.header(self.admin)

    async def technician(self, technician_id: int) -> dict[str, str]:
        if technician_id not in self.technicians:
            created = await apikeys.create_key("technician", f"tech{technician_id}", technician_id)
            self.technicians[technician_id] = created.key
        return self.header(self.technicians[technician_id])


@pytest.fixture
async def keys(hub: Hub) -> Keys:
    admin = await apikeys.create_key("admin", "test admin")
    integration = await apikeys.create_key("integration", "test integration")
    return Keys(admin.key, integration.key)
