"""What every API process runs beside serving requests, and the HTTP routes
beyond /graphql. Each domain adds its own here; app.py only starts them."""
from __future__ import annotations

from typing import Awaitable, Callable

from starlette.routing import BaseRoute

from oms.events.consumers import Consumer
from oms.settings import Settings


def event_consumers() -> list[Consumer]:
    """Every durable consumer of the event log (oms.events.consumers)."""
    return []


def background_loops(settings: Settings) -> list[Callable[[], Awaitable[None]]]:
    """Long-running loops started in the app's lifespan and cancelled at shutdown."""
    from oms.events import consumers
    from oms.orders import sweeper

    loops: list[Callable[[], Awaitable[None]]] = []
    if settings.sweep_interval_seconds:
        loops.append(lambda: sweeper.run_forever(settings.sweep_interval_seconds))
    if settings.consumer_interval_seconds and event_consumers():
        loops.append(lambda: consumers.run_forever(event_consumers(),
                                                   settings.consumer_interval_seconds))
    return loops


def http_routes(settings: Settings) -> list[BaseRoute]:
    """Routes beside /graphql and /healthz (documents, inbound webhooks)."""
    return []
