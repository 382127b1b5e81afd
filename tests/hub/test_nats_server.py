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


async def test_events_persist_in_the_background_intake_before_the_ack(tmp_path: Path) -> None:
    from nats.js.api import PersistMode, StreamConfig

    from hub.bus import Bus

    server = EmbeddedNats(tmp_path / "nats")
    await server.start()
    try:
        bus = Bus(server.url)
        await bus.connect()
        modes = {
            n: (await bus.js.stream_info(n)).config.persist_mode for n in ("HUB_IN", "HUB_EVT")
        }
        await bus.close()
        assert modes == {"HUB_IN": None, "HUB_EVT": PersistMode.ASYNC}
        # a HUB_EVT made before (default mode, which cannot be changed): kept, no error
        bus = Bus(server.url)
        await bus.connect()
        await bus.js.delete_stream("HUB_EVT")
        await bus.js.add_stream(StreamConfig(name="HUB_EVT", subjects=["hub.evt.>"]))
        await bus.ensure_streams()
        assert (await bus.js.stream_info("HUB_EVT")).config.persist_mode is None
        await bus.close()
    finally:
        await server.stop()
