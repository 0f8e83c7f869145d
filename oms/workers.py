"""What every API process runs beside serving requests, and the HTTP routes
beyond /graphql. Each domain adds its own here; app.py only starts them."""
from __future__ import annotations

from typing import Awaitable, Callable

from starlette.routing import BaseRoute

from oms.events.consumers import Consumer
from oms.settings import Settings


def event_consumers() -> list[Consumer]:
    """Every durable consumer of the event log (oms.events.consumers)."""
    from oms.customers import consumer as customers
    from oms.handoff import consumer as handoff
    from oms.notifications import consumer as notifications
    from oms.payments import consumer as payments
    from oms.returns import consumer as returns

    return [handoff.consumer(), payments.consumer(), notifications.consumer(),
            customers.consumer(), returns.consumer()]


def background_loops(settings: Settings) -> list[Callable[[], Awaitable[None]]]:
    """Long-running loops started in the app's lifespan and cancelled at shutdown."""
    from oms.events import consumers
    from oms.orders import sweeper

    loops: list[Callable[[], Awaitable[None]]] = []
    if settings.sweep_interval_seconds:
        loops.append(lambda: sweeper.run_forever(settings.sweep_interval_seconds))
    if settings.handoff_interval_seconds:
        from oms.handoff import delivery

        policy = delivery.SendPolicy(base_delay_seconds=settings.handoff_retry_base_seconds)
        loops.append(lambda: delivery.run_forever(settings.handoff_interval_seconds, policy))
    if settings.recovery_interval_seconds:
        from oms.notifications import consumer as notifications
        from oms.payments import recovery

        loops.append(lambda: recovery.run_forever(settings.recovery_interval_seconds))
        if settings.smtp_url:
            loops.append(lambda: notifications.retry_forever(
                settings, settings.recovery_interval_seconds))
    if settings.segment_interval_seconds:
        from oms.customers import schedule as segment_schedule

        loops.append(lambda: segment_schedule.run_forever(settings.segment_interval_seconds))
    if settings.consumer_interval_seconds and event_consumers():
        loops.append(lambda: consumers.run_forever(event_consumers(),
                                                   settings.consumer_interval_seconds))
    return loops


def http_routes(settings: Settings) -> list[BaseRoute]:
    """Routes beside /graphql and /healthz (documents, inbound webhooks)."""
    from oms.fulfillment import http as fulfillment_http
    from oms.handoff import http as handoff_http
    from oms.returns import http as returns_http

    return [*fulfillment_http.routes(settings), *handoff_http.routes(),
            *returns_http.routes(settings)]
