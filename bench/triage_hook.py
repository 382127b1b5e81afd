"""Benchmark what the triage plugin adds per item on the intake path, in a real hub.

Run by hand: ``python bench/triage_hook.py``. Starts a hub in a temporary home (embedded
NATS, SQLite), loads the demo MSP (teams Service Desk and Infrastructure), then times, over
the same held-out tickets:

* baseline: ``preprocess`` + ``CategoryModel.predict`` alone (the model's own cost);
* ``hub.services.triage.run_triage`` with every plugin (the triage plugin's hook: model,
  priority cues, roster from cache, routing, round robin; plus the core's combining).

The difference is what the plugin's integration adds per item; the roster cache is warm
(default ``cache_seconds`` 5), so no database query is made per item.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hub.contracts import TriageContext, TriageItem  # noqa: E402
from hub.runtime import Hub  # noqa: E402
from hub.services.demo import load_demo  # noqa: E402
from hub.services.triage import run_triage  # noqa: E402
from hub.settings import HostPort, Settings  # noqa: E402
from plugins.triage.preprocess import preprocess  # noqa: E402
from plugins.triage.training import read_corpus, split_corpus  # noqa: E402

CORPUS = (
    Path(os.environ.get("ATLAS_CORPORA", REPO.parent / "shared" / "corpora"))
    / "tickets"
    / "it-service-tickets"
    / "all_tickets_processed_improved_v3.csv"
)
ITEMS = 2000


async def run() -> None:
    texts, labels = read_corpus(CORPUS)
    _, test_x, _, _ = split_corpus(texts, labels, seed=42)
    # corpus documents have no subject line: the first eight words stand in for one
    items = [(" ".join(t.split()[:8]), " ".join(t.split()[8:])) for t in test_x[:ITEMS]]
    home = Path(tempfile.mkdtemp(prefix="atlas-bench-triage-"))
    settings = Settings(
        home=home,
        http=HostPort("127.0.0.1", 0),
        smtp=HostPort("127.0.0.1", 0),
        database_url=None,
        plugins={"inbox": {"serve_smtp": False}},
        secret=b"bench-secret-0123456789abcdef",
    )
    hub = Hub(settings)
    started = time.perf_counter()
    await hub.start()
    start_s = time.perf_counter() - started
    try:
        await load_demo()
        runtime = hub.state["triage.runtime"]
        model = runtime.active.model
        context = TriageContext(
            customer_name="Acme", sla_tier="Gold", tier_floor="normal", teams=["Service Desk"]
        )
        now = datetime.now(UTC)
        triage_items = [
            TriageItem(kind="email", subject=s, body=b, sender="a@b.example", received_at=now)
            for s, b in items
        ]
        await run_triage(hub.pm, triage_items[0], context)  # warm the roster cache

        started = time.perf_counter()
        for subject, body in items:
            model.predict(preprocess(subject, body))
        base_ms = (time.perf_counter() - started) * 1000 / len(items)

        started = time.perf_counter()
        routed = 0
        for item in triage_items:
            result = await run_triage(hub.pm, item, context)
            routed += result.technician_id is not None
        hook_ms = (time.perf_counter() - started) * 1000 / len(items)
    finally:
        await hub.stop()
    print(f"items: {len(items)} held-out tickets; {routed} routed to a technician")
    print(f"hub start (all plugins, model load {runtime.active.load_ms:.0f} ms): {start_s:.2f} s")
    print(f"baseline preprocess+predict: {base_ms:.3f} ms/item  {1000 / base_ms:,.0f} items/s")
    print(f"run_triage (all plugins):    {hook_ms:.3f} ms/item  {1000 / hook_ms:,.0f} items/s")
    print(f"added by hook, routing, combining: {hook_ms - base_ms:.3f} ms/item")
    print(f"ratio run_triage / bare model: {hook_ms / base_ms:.2f}")


if __name__ == "__main__":
    asyncio.run(run())
