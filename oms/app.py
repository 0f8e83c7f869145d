"""create_app(settings) -> Starlette. The lifespan opens the database, the
broker and the event hub, and closes them again; nothing happens at import."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from tortoise.contrib.starlette import RegisterTortoise

from oms import db
from oms.events import queries as event_queries, runtime
from oms.events.broker import Broker, MemoryBroker
from oms.events.hub import Hub
from oms.graphql.schema import build_schema
from oms.graphql.view import OmsGraphQL
from oms import workers
from oms.settings import Settings

log = logging.getLogger(__name__)


def make_broker(settings: Settings) -> Broker:
    if settings.redis_url:
        from oms.events.redis import RedisBroker
        return RedisBroker(settings.redis_url, stream=settings.redis_stream)
    return MemoryBroker()


def create_app(settings: Settings) -> Starlette:
    state: dict[str, Hub | None] = {"hub": None}
    schema = build_schema(max_depth=settings.max_query_depth, max_aliases=settings.max_aliases,
                          max_tokens=settings.max_tokens, introspection=settings.introspection)
    graphql = OmsGraphQL(schema, hub_getter=lambda: state["hub"],
                         jwt_secret=settings.resolved_jwt_secret(), graphiql=settings.graphiql,
                         allowed_origins=settings.allowed_origins)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        config = db.tortoise_config(settings.database_url, pool_size=settings.db_pool_size)
        async with RegisterTortoise(app, config=config):
            broker = make_broker(settings)
            await broker.start()
            hub = Hub(broker, read_log=event_queries.read_after, read_head=event_queries.head)
            await hub.start()
            runtime.install(broker.publish)
            state["hub"] = hub
            loops = [asyncio.create_task(start()) for start in workers.background_loops(settings)]
            # What exists now lives as long as the process: keep it out of the
            # collector's scans, and collect young objects less often, so GC
            # pauses do not land in push latency (measured in bench/).
            gc.collect()
            gc.freeze()
            gc.set_threshold(20_000, 20, 20)
            try:
                yield
            finally:
                for loop in loops:
                    loop.cancel()
                for loop in loops:
                    with contextlib.suppress(asyncio.CancelledError):
                        await loop
                state["hub"] = None
                runtime.install(None)
                await hub.close()
                await broker.close()

    async def healthz(request: Request) -> JSONResponse:
        hub = state["hub"]
        return JSONResponse({"status": "ok", "eventPosition": hub.position if hub else None,
                             "subscribers": hub.subscriber_count if hub else 0})

    return Starlette(routes=[
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        *workers.http_routes(settings),
    ], lifespan=lifespan)


def app_from_env() -> Starlette:
    """uvicorn factory: settings from the environment (used by `oms serve`)."""
    from oms.settings import load
    return create_app(load())
