"""The embedded nats-server: JetStream fsyncs before it acknowledges, unless told not to."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from hub.nats_server import EmbeddedNats, free_port
from hub.settings import SettingsError, load_settings


def _jetstream_config(monitor_port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{monitor_port}/varz", timeout=5) as r:
        return json.loads(r.read())["jetstream"]["config"]


@pytest.mark.parametrize(
    ("sync", "always", "interval_ns"),
    [("always", True, None), ("250ms", False, 250_000_000), ("2m", False, 120_000_000_000)],
)
async def test_sync_setting_reaches_the_server(
    tmp_path: Path, sync: str, always: bool, interval_ns: int | None
) -> None:
    monitor = free_port()
    server = EmbeddedNats(tmp_path / "nats", sync=sync, monitor_port=monitor)
    await server.start()
    try:
        config = _jetstream_config(monitor)
        assert bool(config.get("sync_always")) is always
        if interval_ns is not None:
            assert config["sync_interval"] == interval_ns
    finally:
        await server.stop()


def test_the_default_is_always(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_NATS_SYNC", raising=False)
    assert EmbeddedNats(tmp_path).sync == "always"
    assert load_settings(home=str(tmp_path)).nats_sync == "always"
    monkeypatch.setenv("ATLAS_NATS_SYNC", "1s")
    assert load_settings(home=str(tmp_path)).nats_sync == "1s"


@pytest.mark.parametrize("bad", ["never", "1 s", "10", "always; rm -rf /"])
def test_bad_sync_values_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    with pytest.raises(ValueError, match="sync"):
        EmbeddedNats(tmp_path, sync=bad)
    monkeypatch.setenv("ATLAS_NATS_SYNC", bad)
    with pytest.raises(SettingsError, match="ATLAS_NATS_SYNC"):
        load_settings(home=str(tmp_path))
