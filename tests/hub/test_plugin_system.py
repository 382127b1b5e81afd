"""A third-party plugin distribution, found through its own ``atlas_hub`` entry point."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.app import create_app
from hub.hookspecs import hookimpl
from hub.plugins import load_plugins
from hub.runtime import Hub
from tests.conftest import REPO, Keys, make_settings
from tests.hub.api.helpers import small_msp

EXAMPLE = REPO / "examples" / "acme_plugin"


def install_distribution(site: Path) -> None:
    """Lay the example out as an installed distribution: package + dist-info."""
    shutil.copytree(EXAMPLE / "acme_atlas", site / "acme_atlas")
    info = site / "acme_atlas_plugin-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-atlas-plugin\nVersion: 1.0.0\n"
    )
    (info / "entry_points.txt").write_text("[atlas_hub]\nacme = acme_atlas.plugin\n")


@pytest.fixture
def acme_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_distribution(site)
    monkeypatch.syspath_prepend(str(site))


def test_third_party_plugin_is_listed_with_distribution_and_hooks(acme_installed: None) -> None:
    pm = load_plugins()
    info = pm.infos["acme"]
    assert info.distribution == "acme-atlas-plugin"
    assert info.version == "1.0.0"
    assert info.hooks == ["hub_routes", "hub_shutdown", "hub_startup", "hub_task_event"]
    assert pm.infos["sla"].hooks == ["hub_sla_policy"]


def test_plugins_toml_disables_a_plugin(acme_installed: None) -> None:
    pm = load_plugins({"acme": False})
    assert pm.infos["acme"].enabled is False
    assert pm.get_plugin("acme") is None


async def test_plugin_gets_settings_mounts_route_and_receives_events(
    acme_installed: None, tmp_path: Path, database_url: str | None
) -> None:
    settings = make_settings(
        tmp_path / "home", database_url, plugins={"acme": {"greeting": "moin"}}
    )
    hub = Hub(settings)
    await hub.start()
    try:
        from hub.services import apikeys

        admin = Keys.header((await apikeys.create_key("admin", "a")).key)
        transport = httpx.ASGITransport(app=create_app(hub=hub))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            status = (await client.get("/hooks/acme/status")).json()
            assert status == {"greeting": "moin", "events": []}
            msp = await small_msp(client, admin)
            r = await client.post(
                "/api/v1/tasks",
                json={"customer_id": msp["customer"]["id"], "title": "hello"},
                headers=admin,
            )
            task_id = r.json()["id"]
            status = (await client.get("/hooks/acme/status")).json()
            assert status["events"] == [f"created:{task_id}"]
    finally:
        await hub.stop()
    assert "acme" not in hub.state  # hub_shutdown ran


def test_misspelled_hookimpl_is_a_startup_error() -> None:
    class Broken:
        @hookimpl
        def hub_startpu(self, hub: Any) -> None:  # typo on purpose
            pass

    from pluggy import PluginValidationError

    with pytest.raises(PluginValidationError):
        load_plugins(extra=[("broken", Broken())])


def test_readme_shows_the_tested_example() -> None:
    readme = (REPO / "README.md").read_text()
    code = (EXAMPLE / "acme_atlas" / "plugin.py").read_text()
    assert code.strip() in readme, "README's plugin example must be examples/acme_plugin's code"


async def test_await_all_closes_the_rest_when_one_hook_fails() -> None:
    import inspect

    from hub.plugins import await_all

    async def boom() -> None:
        raise RuntimeError("first plugin fails")

    async def later() -> str:
        return "ran"

    rest = later()
    with pytest.raises(RuntimeError):
        await await_all([boom(), rest, "plain value"])
    # closed, so never reported as "coroutine ... was never awaited"
    assert inspect.getcoroutinestate(rest) == inspect.CORO_CLOSED
    assert await await_all([later(), 3]) == ["ran", 3]
