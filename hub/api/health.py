"""Liveness and readiness probes (no authentication)."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency

from hub.runtime import Hub


class HealthController(Controller):
    path = ""
    tags = ["health"]

    @get("/healthz", operation_id="healthz", exclude_from_auth=True)
    async def healthz(self) -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @get("/readyz", operation_id="readyz")
    async def readyz(self, hub: NamedDependency[Hub]) -> Response[dict[str, object]]:
        """The database and NATS are reachable (503 otherwise)."""
        checks = await hub.ready()
        ok = all(checks.values())
        return Response(
            {"status": "ready" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )
