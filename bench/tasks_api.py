"""Task API throughput and queue latency, next to a bare Litestar endpoint (same run).

    python bench/tasks_api.py [--tasks 100000] [--seconds 8] [--connections 16]

Figures: task creation requests/s as a share of a bare msgspec POST endpoint
(target >= 30%), and the p99 latency of a queue page with 100,000 tasks in the store
(target < 50 ms). The bare endpoint is measured before and after the hub and the mean is
used, so load from other work on the machine drifts into both sides alike. Needs wrk
(Debian package).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import admin_key, api, atlas_hub, free_port, post_script, wait_http, wrk


def _mean(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    return {k: (a[k] + b[k]) / 2 for k in a}


def bare(seconds: int, connections: int) -> dict[str, dict[str, float]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "_bare_app.py"), str(port)]
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/items")
        post = wrk(
            f"http://127.0.0.1:{port}/items",
            seconds=seconds,
            connections=connections,
            script=post_script({"customer_id": 1, "title": "Printer jam"}),
        )
        page = wrk(f"http://127.0.0.1:{port}/items", seconds=seconds, connections=4)
        return {"post": post, "get": page}
    finally:
        proc.terminate()
        proc.wait()


async def _fill(home: Path, customer_id: int, total: int) -> None:
    """Insert tasks straight into the store (the API path is measured separately)."""
    from hub.db import engine as db
    from hub.db.tables import Task
    from hub.services.sla import FAR_FUTURE

    engine = db.make_engine(None, home / "atlas.sqlite3")
    db.use_engine(engine)
    now = datetime.now(UTC)
    have = await Task.count()
    prios = ("critical", "high", "normal", "low")
    statuses = ("open", "in_progress", "waiting_on_customer", "resolved", "closed")
    batch = 2000
    for start in range(have, total, batch):
        rows = []
        for i in range(start, min(total, start + batch)):
            due = now + timedelta(minutes=(i * 37) % 10_000)
            rows.append(
                Task(
                    customer=customer_id,
                    title=f"Task {i} printer" if i % 10 == 0 else f"Task {i}",
                    priority=prios[i % 4],
                    priority_rank=i % 4,
                    status=statuses[i % 5],
                    source="manual",
                    arrived_at=now,
                    created_at=now - timedelta(seconds=i),
                    updated_at=now,
                    queue_due_at=due if i % 5 < 3 else FAR_FUTURE,
                    resolution_due_at=due,
                    sla="{}",
                )
            )
        async with engine.transaction():
            await Task.insert(*rows)
    await db.stop(engine)  # pooled connections hold non-daemon threads


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    print("load average at the start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    before = bare(args.seconds, args.connections)
    print("baseline measured", flush=True)
    with atlas_hub() as (base, home):
        key = admin_key(home)
        targets = {
            p: {"first_response_minutes": 60, "resolution_minutes": 480, "coverage": "24x7"}
            for p in ("critical", "high", "normal", "low")
        }
        tier = api(base, key, "POST", "/api/v1/sla-tiers", {"name": "Gold", "targets": targets})
        cust = api(
            base, key, "POST", "/api/v1/customers", {"name": "Bench", "sla_tier_id": tier["id"]}
        )
        auth = {"Authorization": f"Bearer {key}"}
        create = wrk(
            f"{base}/api/v1/tasks",
            seconds=args.seconds,
            connections=args.connections,
            headers=auth,
            script=post_script({"customer_id": cust["id"], "title": "Printer jam"}),
        )
        asyncio.run(_fill(home, cust["id"], args.tasks))
        # latency a technician sees (one connection), then the same page under 4 at once
        single = wrk(
            f"{base}/api/v1/tasks?limit=50",
            seconds=args.seconds,
            connections=1,
            threads=1,
            headers=auth,
        )
        queue = wrk(
            f"{base}/api/v1/tasks?limit=50", seconds=args.seconds, connections=4, headers=auth
        )
        filtered = wrk(
            f"{base}/api/v1/tasks?limit=50&status=open&priority=high&sort=priority",
            seconds=args.seconds,
            connections=4,
            headers=auth,
        )
        search = wrk(
            f"{base}/api/v1/tasks?limit=50&q=printer&sort=-created",
            seconds=args.seconds,
            connections=4,
            headers=auth,
        )

    after = bare(args.seconds, args.connections)
    b_post, b_get = _mean(before["post"], after["post"]), _mean(before["get"], after["get"])
    print(f"bare POST before {before['post']['rps']:.0f} req/s, after {after['post']['rps']:.0f}")
    print(f"{'':34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>9}")
    rows = [
        ("bare Litestar POST (baseline)", b_post),
        ("POST /api/v1/tasks", create),
        ("bare Litestar GET 50 (baseline)", b_get),
        (f"queue page, {args.tasks:,} tasks, 1 conn", single),
        ("queue page, 4 connections", queue),
        ("queue, status+priority", filtered),
        ("queue, title search", search),
    ]
    for name, r in rows:
        print(f"{name:34}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['non2xx']:>9.0f}")
    print("load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    ratio = create["rps"] / b_post["rps"]
    print(f"\ntask creation: {ratio:.1%} of the bare endpoint (target >= 30%)")
    print(
        f"queue page p99 at {args.tasks:,} tasks: {single['p99']:.1f} ms with one connection, "
        f"{queue['p99']:.1f} ms with 4 at once (target < 50 ms)"
    )


if __name__ == "__main__":
    main()
