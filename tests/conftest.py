"""Shared fixtures. Every test gets a migrated database (the same aerich
migrations production runs, CHECK constraints included), emptied between
tests, and an event hub on the run's broker (in-process or Redis)."""
from __future__ import annotations

import uuid

import pytest
from tortoise import Tortoise, connections

from oms import db
from oms.events import queries as event_queries, runtime
from oms.events.broker import MemoryBroker
from oms.events.hub import Hub
from oms.migrate import upgrade

from . import backends

TABLES = ["return_document", "return_tracking_event", "return_line", '"return"', "return_policy",
          "event_log", "event_consumer", "webhook_receipt", "carrier_sequence",
          "receivable_entry", "receivable_sequence", "payment_transaction", "payment",
          "gateway_book_key", "gateway_book_payment", "notification",
          "partner_delivery_attempt", "partner_delivery", "shipment_document",
          "routing_decision", "stock_movement", "inbound_expectation", "reservation", "stock_level",
          "tracking_event", "shipment_line", "shipment", "order_line", '"order"', "customer",
          "channel_allocation_rule", "product_price", "product", "channel_location",
          "shipping_method", "location", "channel", "currency_rate", "rfm_quintiles",
          "scheduled_job"]


@pytest.fixture(scope="session")
async def database_url():
    url = backends.new_database_url("suite")
    await upgrade(url)
    yield url
    await backends.drop_database(url)


@pytest.fixture(scope="session")
async def orm(database_url):
    await Tortoise.init(config=db.tortoise_config(database_url, pool_size=60))
    yield
    await Tortoise.close_connections()


async def _empty_all_tables() -> None:
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    else:
        for table in TABLES:
            await conn.execute_script(f"DELETE FROM {table}")
        await conn.execute_script("DELETE FROM sqlite_sequence")
    await conn.execute_script("UPDATE event_sequence SET last_id = 0 WHERE id = 1")


@pytest.fixture
async def clean_db(orm):
    """An empty, migrated database for one test."""
    await _empty_all_tables()
    yield


@pytest.fixture
async def broker():
    if backends.IS_PG:
        from oms.events.redis import RedisBroker

        b = RedisBroker(backends.redis_url(), stream=f"oms:test:{uuid.uuid4().hex}")
    else:
        b = MemoryBroker()
    await b.start()
    yield b
    await b.close()


@pytest.fixture
async def hub(clean_db, broker):
    """The process's event hub, with the broker installed as publisher."""
    h = Hub(broker, read_log=event_queries.read_after, read_head=event_queries.head)
    await h.start()
    runtime.install(broker.publish)
    yield h
    runtime.install(None)
    await h.close()


@pytest.fixture
def frozen_clock(monkeypatch):
    """Orders and shipments read the time as factories.T0."""
    from oms.fulfillment import labels, rejection, service as fulfillment, tracking
    from oms.orders import intake, placement, service as orders

    from .factories import T0

    monkeypatch.setattr(labels, "now", lambda: T0)
    monkeypatch.setattr(tracking, "now", lambda: T0)
    monkeypatch.setattr(rejection, "now", lambda: T0)
    monkeypatch.setattr(orders, "now", lambda: T0)
    monkeypatch.setattr(placement, "now", lambda: T0)
    monkeypatch.setattr(intake, "now", lambda: T0)
    monkeypatch.setattr(fulfillment, "now", lambda: T0)


@pytest.fixture
async def shop(clean_db):
    """WEB served by WH1 then WH2: SKU-A and SKU-B at WH1, SKU-C at WH2, 10 each."""
    from .factories import shop as build_shop

    await build_shop()


@pytest.fixture
def fresh_gateways(monkeypatch):
    """Fresh built-in payment gateway instances (their shared book is in
    tables clean_db empties), and lookups after a timeout without waiting."""
    from oms.payments import gateways, operations

    gateways.reset()
    monkeypatch.setattr(operations, "LOOKUP_DELAYS", (0, 0, 0))
    yield
    gateways.reset()
