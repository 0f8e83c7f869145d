"""Per-request DataLoaders: anything a resolver reaches across rows goes
through one of these, so a page costs a fixed number of queries.

Built per HTTP request and per subscription event (a socket's context lives
for the whole connection; loaders cached there would serve stale rows)."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Awaitable, Callable, Hashable, Iterable, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from oms.core.batches import grouped_by
from oms.catalog.models import Channel, ChannelLocation, Location, Product, ProductPrice
from oms.customers.models import Customer
from oms.events import queries as event_queries
from oms.events.record import EventRecord
from oms.fulfillment.models import RoutingDecision, Shipment, ShipmentLine, TrackingEvent
from oms.inventory import queries as inventory_queries
from oms.orders.events import ORDER_STATUS_CHANGED
from oms.orders.models import Order, OrderLine

K = TypeVar("K", bound=Hashable)


def _by_id(model: type[Model]) -> Callable[[list[int]], Awaitable[list[Any]]]:
    async def load(ids: list[int]) -> list[Any]:
        rows = {r.id: r for r in await model.filter(id__in=ids)}
        return [rows.get(i) for i in ids]
    return load


def _grouped(model: type[Model], key: str, order: Iterable[str] = ("id",)
             ) -> Callable[[list[int]], Awaitable[list[list[Any]]]]:
    async def load(ids: list[int]) -> list[list[Any]]:
        return await grouped_by(model, key, ids, order)
    return load


async def _order_events(order_ids: list[int]) -> list[list[EventRecord]]:
    groups: dict[int, list[EventRecord]] = defaultdict(list)
    for e in await event_queries.for_order(order_ids, (ORDER_STATUS_CHANGED,)):
        groups[e.order_id].append(e)
    return [groups.get(i, []) for i in order_ids]


async def _prices(keys: list[tuple[int, str]]) -> list[tuple[Any, str] | None]:
    product_ids = {p for p, _ in keys}
    codes = {c for _, c in keys}
    rows = await ProductPrice.filter(product_id__in=product_ids, channel__code__in=codes).values(
        "product_id", "amount", "channel__code", "channel__currency")
    found = {(r["product_id"], r["channel__code"]): (r["amount"], r["channel__currency"])
             for r in rows}
    return [found.get(k) for k in keys]


async def _channel_locations(channel_ids: list[int]) -> list[list[Location]]:
    links = await ChannelLocation.filter(channel_id__in=channel_ids).order_by(
        "priority").prefetch_related("location")
    groups: dict[int, list[Location]] = defaultdict(list)
    for link in links:
        groups[link.channel_id].append(link.location)
    return [groups.get(i, []) for i in channel_ids]


async def _channels_by_code(codes: list[str]) -> list[Channel | None]:
    rows = {c.code: c for c in await Channel.filter(code__in=codes)}
    return [rows.get(c) for c in codes]


async def _products_by_sku(skus: list[str]) -> list[Product | None]:
    rows = {p.sku: p for p in await Product.filter(sku__in=skus)}
    return [rows.get(s) for s in skus]


class Loaders:
    """One DataLoader per kind of read, each made on first use: a request
    uses two or three of these, and making all of them cost more than the
    reads they save on a simple mutation (bench/)."""

    _SOURCES: dict[str, Callable[[], Callable[[list[Any]], Awaitable[list[Any]]]]] = {
        "channel": lambda: _by_id(Channel),
        "channel_by_code": lambda: _channels_by_code,
        "location": lambda: _by_id(Location),
        "product": lambda: _by_id(Product),
        "product_by_sku": lambda: _products_by_sku,
        "customer": lambda: _by_id(Customer),
        "order": lambda: _by_id(Order),
        "order_line": lambda: _by_id(OrderLine),
        "shipment": lambda: _by_id(Shipment),
        "lines_of_order": lambda: _grouped(OrderLine, "order_id"),
        "shipments_of_order": lambda: _grouped(Shipment, "order_id"),
        "lines_of_shipment": lambda: _grouped(ShipmentLine, "shipment_id"),
        "tracking_of_shipment": lambda: _grouped(TrackingEvent, "shipment_id",
                                                 ("occurred_at", "id")),
        "events_of_order": lambda: _order_events,
        "routing_decisions_of_order": lambda: _grouped(RoutingDecision, "order_id",
                                                       ("attempt",)),
        "price": lambda: _prices,
        "locations_of_channel": lambda: _channel_locations,
        "levels_of_sku": lambda: inventory_queries.levels_by_product,
        "channel_stock": lambda: inventory_queries.channel_stock,
        "payments_of_order": lambda: _payment_loader("payments_of_orders"),
        "transactions_of_payment": lambda: _payment_loader("transactions_of_payments"),
        "receivables_of_order": lambda: _payment_loader("receivables_of_orders"),
        "notifications_of_order": lambda: _notifications,
        "attempts_of_delivery": lambda: _delivery_attempts,
        "return_": lambda: _returns_loader("returns_by_id"),
        "returns_of_order": lambda: _returns_loader("returns_of_orders"),
        "lines_of_return": lambda: _returns_loader("lines_of_returns"),
        "tracking_of_return": lambda: _returns_loader("tracking_of_returns"),
    }

    def __getattr__(self, name: str) -> DataLoader:
        # Only called for loaders not made yet; the new one is kept on the instance.
        try:
            source = self._SOURCES[name]
        except KeyError:
            raise AttributeError(name) from None
        loader = DataLoader(source())
        setattr(self, name, loader)
        return loader

    # Typed names for the loaders above (mypy and readers; made lazily).
    channel: DataLoader
    channel_by_code: DataLoader
    location: DataLoader
    product: DataLoader
    product_by_sku: DataLoader
    customer: DataLoader
    order: DataLoader
    order_line: DataLoader
    shipment: DataLoader
    lines_of_order: DataLoader
    shipments_of_order: DataLoader
    lines_of_shipment: DataLoader
    tracking_of_shipment: DataLoader
    events_of_order: DataLoader
    routing_decisions_of_order: DataLoader
    price: DataLoader
    locations_of_channel: DataLoader
    levels_of_sku: DataLoader
    channel_stock: DataLoader
    payments_of_order: DataLoader
    transactions_of_payment: DataLoader
    receivables_of_order: DataLoader
    notifications_of_order: DataLoader
    attempts_of_delivery: DataLoader
    return_: DataLoader
    returns_of_order: DataLoader
    lines_of_return: DataLoader
    tracking_of_return: DataLoader


async def _delivery_attempts(delivery_ids: list[int]) -> list[list[Any]]:
    from oms.handoff import queries as handoff_queries
    return await handoff_queries.attempts_of(delivery_ids)


def _returns_loader(name: str) -> Callable[[list[int]], Awaitable[list[Any]]]:
    from oms.returns import queries as return_queries
    return getattr(return_queries, name)


def _payment_loader(name: str) -> Callable[[list[int]], Awaitable[list[Any]]]:
    from oms.payments import queries as payment_queries
    return getattr(payment_queries, name)


async def _notifications(order_ids: list[int]) -> list[list[Any]]:
    from oms.notifications.models import Notification
    return await _grouped(Notification, "order_id")(order_ids)
