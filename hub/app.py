"""Litestar app factory: ``create_app(settings) -> Litestar``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from litestar import Litestar, Request, Response, Router
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPlugin

from hub import __version__
from hub.api import ROUTERS
from hub.api.health import HealthController
from hub.auth import BearerKeyMiddleware
from hub.errors import HubError
from hub.logs import get_logger
from hub.plugins import flatten
from hub.runtime import Hub
from hub.settings import Settings

log = get_logger("hub.app")


def _hub_error(_: Request[Any, Any, Any], exc: HubError) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"status_code": exc.status_code, "detail": exc.detail}
    if exc.extra:
        body["extra"] = exc.extra
    return Response(body, status_code=exc.status_code)


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"status_code": exc.status_code, "detail": exc.detail}
    if exc.extra:
        body["extra"] = exc.extra
    return Response(body, status_code=exc.status_code, headers=exc.headers)


def _nul_character(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    # PostgreSQL text cannot hold U+0000; the statement failed, the transaction rolled back
    detail = "text fields must not contain NUL (U+0000) characters"
    return Response({"status_code": 400, "detail": detail}, status_code=400)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled_error", path=request.url.path, error=repr(exc))
    return Response({"status_code": 500, "detail": "internal error"}, status_code=500)


class HubCore(InitPlugin):
    """Wires routes, dependencies, errors, OpenAPI and the hub's lifespan."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        self._configure_routes(app_config)
        self._configure_dependencies(app_config)
        self._configure_errors(app_config)
        self._configure_openapi(app_config)
        app_config.lifespan.append(self._lifespan)
        app_config.state["hub"] = self.hub
        return app_config

    def _configure_routes(self, config: AppConfig) -> None:
        hub = self.hub
        api = Router(
            path="/api/v1",
            route_handlers=[*ROUTERS, *flatten(hub.pm.hook.hub_api_routes(hub=hub))],
            middleware=[DefineMiddleware(BearerKeyMiddleware)],
            security=[{"bearer": []}],
        )
        config.route_handlers.extend(
            [HealthController, api, *flatten(hub.pm.hook.hub_routes(hub=hub))]
        )

    def _configure_dependencies(self, config: AppConfig) -> None:
        hub = self.hub

        def provide_hub() -> Hub:
            return hub

        config.dependencies["hub"] = Provide(provide_hub, sync_to_thread=False)

    def _configure_errors(self, config: AppConfig) -> None:
        config.exception_handlers.update(
            {
                HubError: _hub_error,
                asyncpg.CharacterNotInRepertoireError: _nul_character,
                ValidationException: _http_error,
                HTTPException: _http_error,
                Exception: _unexpected,
            }
        )

    def _configure_openapi(self, config: AppConfig) -> None:
        config.openapi_config = OpenAPIConfig(
            title="Atlas Hub",
            version=__version__,
            description="Headless service-ticket hub for IT managed service providers.",
            path="/schema",
            render_plugins=[JsonRenderPlugin(path="/openapi.json"), SwaggerRenderPlugin()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http", scheme="bearer", description="Atlas Hub API key"
                    )
                }
            ),
        )

    @asynccontextmanager
    async def _lifespan(self, _: Litestar) -> AsyncIterator[None]:
        if not self.hub.started:
            await self.hub.start()
            try:
                yield
            finally:
                await self.hub.stop()
        else:
            yield


def create_app(settings: Settings | None = None, hub: Hub | None = None) -> Litestar:
    """Build the ASGI app. Starting it (lifespan) starts the hub unless already started."""
    if hub is None:
        if settings is None:
            from hub.settings import load_settings

            settings = load_settings()
        hub = Hub(settings)
    return Litestar(plugins=[HubCore(hub)], debug=False, request_max_body_size=50 * 1024 * 1024)
