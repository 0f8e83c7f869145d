"""Customer figures as a property (hypothesis): any sequence of orders
placed by several customers on two channels in two currencies (paid by card
or not), shipments (which capture), deliveries, cancellations (which void or
refund), refunds of any amount up to what is left, and returns (requested,
approved, received with any mix of resalable, damaged and missing units, then
refunded, or exchanged for a free replacement order) leaves every
customer's stored figures equal to a plain Python model of the definition
(oms.customers.figures) AND to the database's own recomputation (what
`oms check-customers` runs), after the event-log consumers have caught up.

Runs like tests/inventory/test_stock_state_machine.py: the machine in a
worker thread, each step's coroutine handed to pytest-asyncio's loop.
OMS_STATEFUL_SEED / _EXAMPLES / _STEPS explore further.
"""
from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Awaitable

from hypothesis import HealthCheck, seed, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition,
                                 rule, run_state_machine_as_test)

from oms.catalog import rates
from oms.catalog.models import Channel, Location
from oms.customers import service as customers
from oms.fulfillment import tracking
from oms.fulfillment.models import Shipment
from oms.customers.models import Customer
from oms.orders import service as orders
from oms.orders.models import Order
from oms.payments import service as payments
from oms.returns import receiving, resolution, service as returns
from oms.returns.policy import ReceivedEntry, RequestedLine
from oms.core.errors import DomainError

from tests import factories
from tests.conftest import _empty_all_tables

from .support import CARD, D, drain, place, ship_all

EMAILS = ("ann@example.com", "bob@example.com", "cy@example.com")
PRICES = {"SKU-A": "10.00", "SKU-B": "25.50", "SKU-C": "3.99"}
# Orders on US are in dollars, counted in the base currency (EUR) at the rate
# stored on each order when it was placed; the rate changes between orders.
RATES = ("0.9", "0.87654321", "1.1")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
CENT = Decimal("0.01")

SEED = int(os.environ.get("OMS_STATEFUL_SEED", "5"))
SETTINGS = settings(
    max_examples=int(os.environ.get("OMS_STATEFUL_EXAMPLES", "15")),
    stateful_step_count=int(os.environ.get("OMS_STATEFUL_STEPS", "30")),
    deadline=None, derandomize=True, database=None, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)

LINES = st.lists(st.tuples(st.sampled_from(sorted(PRICES)), st.integers(1, 3)),
                 min_size=1, max_size=3, unique_by=lambda t: t[0])


@dataclass
class ModelOrder:
    email: str
    placed_at: datetime
    total: Decimal
    card: bool
    fx_rate: Decimal
    lines: dict[int, int]  # order line id -> units
    status: str = "CONFIRMED"
    captured: Decimal = D("0.00")
    refunded: Decimal = D("0.00")
    delivered: bool = False
    asked_back: dict[int, int] | None = None  # order line id -> units in returns

    @property
    def paid(self) -> Decimal:
        return self.captured - self.refunded

    @property
    def paid_in_base(self) -> Decimal:
        return (self.paid * self.fx_rate).quantize(CENT, rounding=ROUND_HALF_UP)

    def returnable(self) -> dict[int, int]:
        asked = self.asked_back or {}
        return {ln: q - asked.get(ln, 0) for ln, q in self.lines.items() if q > asked.get(ln, 0)}


def expected_figures(model: dict[int, ModelOrder], email: str) -> tuple:
    counted = [o for o in model.values() if o.email == email and o.status != "CANCELLED"]
    if not counted:
        return (0, D("0.00"), None, None, None)
    ltv = sum((o.paid_in_base for o in counted), D("0.00"))
    aov = (ltv / len(counted)).quantize(CENT, rounding=ROUND_HALF_UP)
    return (len(counted), ltv, aov, min(o.placed_at for o in counted),
            max(o.placed_at for o in counted))


async def _status(order_id: int) -> str:
    return (await Order.get(id=order_id)).status


class FiguresMachine(RuleBasedStateMachine):
    loop: asyncio.AbstractEventLoop | None = None
    seen: Counter = Counter()

    def run(self, coro: Awaitable[Any]) -> Any:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    @initialize()
    def fresh_shop(self) -> None:
        self.orders: dict[int, ModelOrder] = {}
        self.clock = T0

        async def build() -> None:
            await _empty_all_tables()
            await factories.shop(prices=PRICES, channels={"WEB": ["WH1", "WH2"],
                                                          "US": ["WH1", "WH2"]},
                                 stock={("SKU-A", "WH1"): 500, ("SKU-B", "WH1"): 500,
                                        ("SKU-C", "WH2"): 500})
            await Channel.filter(code="US").update(currency="USD")
            # Return labels are addressed to the warehouse.
            await Location.all().update(address={"line1": "1 Quai Claude Bernard",
                                                 "city": "Lyon", "postalCode": "69007",
                                                 "country": "FR"})
        self.run(build())

    # ------------------------------------------------------------ steps

    @rule(email=st.sampled_from(EMAILS), lines=LINES, card=st.booleans(),
          hours=st.integers(1, 500), dollars=st.booleans(), rate=st.sampled_from(RATES))
    def place_order(self, email, lines, card, hours, dollars, rate) -> None:
        FiguresMachine.seen['place_order'] += 1
        self.clock += timedelta(hours=hours)

        async def go():
            if dollars:
                await rates.set_rate(currency="USD", rate_to_base=rate)
            order = await place(lines, email=email, payment=CARD if card else None,
                                placed_at=self.clock, channel="US" if dollars else "WEB")
            return order, {ln.id: ln.quantity for ln in await order.lines.all()}
        order, order_lines = self.run(go())
        total = sum((D(PRICES[s]) * q for s, q in lines), D("0.00")) + order.shipping_total \
            + order.tax_total
        assert order.total == total, (order.total, total)
        fx = D(rate) if dollars else D(1)
        assert order.fx_rate == fx, (order.fx_rate, fx)
        self.orders[order.id] = ModelOrder(email, self.clock, order.total, card, fx,
                                           order_lines, status=order.status)

    def _open(self, card_only: bool = False) -> list[int]:
        return sorted(i for i, o in self.orders.items()
                      if o.status in ("CONFIRMED", "PROCESSING") and o.captured == 0
                      and (o.card or not card_only))

    @precondition(lambda self: self._open(card_only=True))
    @rule(pick=st.integers(0, 1000))
    def ship(self, pick) -> None:
        FiguresMachine.seen['ship'] += 1
        ids = self._open(card_only=True)
        order_id = ids[pick % len(ids)]
        self.run(ship_all(order_id))
        o = self.orders[order_id]
        o.captured = o.total
        o.status = self.run(_status(order_id))

    @precondition(lambda self: self._open())
    @rule(pick=st.integers(0, 1000))
    def cancel(self, pick) -> None:
        FiguresMachine.seen['cancel'] += 1
        ids = self._open()
        order_id = ids[pick % len(ids)]
        self.run(orders.cancel_order(order_id, reason="property test"))
        self.orders[order_id].status = "CANCELLED"

    def _refundable(self) -> list[int]:
        return sorted(i for i, o in self.orders.items() if o.paid > 0)

    @precondition(lambda self: self._refundable())
    @rule(pick=st.integers(0, 1000), share=st.integers(1, 100))
    def refund(self, pick, share) -> None:
        FiguresMachine.seen['refund'] += 1
        ids = self._refundable()
        order_id = ids[pick % len(ids)]
        o = self.orders[order_id]
        amount = max(CENT, (o.paid * share / 100).quantize(CENT, rounding=ROUND_HALF_UP))
        key = f"prop-{order_id}-{o.refunded}-{amount}"
        self.run(payments.refund(order_id, amount=amount, reason="property test",
                                 idempotency_key=key))
        o.refunded += amount

    def _shipped(self) -> list[int]:
        return sorted(i for i, o in self.orders.items() if o.status == "SHIPPED")

    @precondition(lambda self: self._shipped())
    @rule(pick=st.integers(0, 1000))
    def deliver(self, pick) -> None:
        FiguresMachine.seen['deliver'] += 1
        ids = self._shipped()
        order_id = ids[pick % len(ids)]

        async def go():
            for s in await Shipment.filter(order_id=order_id):
                await tracking.record_scan(shipment_id=s.id, status="DELIVERED")
        self.run(go())
        o = self.orders[order_id]
        o.delivered = True
        o.status = self.run(_status(order_id))

    def _returnable(self) -> list[int]:
        return sorted(i for i, o in self.orders.items() if o.delivered and o.returnable())

    @precondition(lambda self: self._returnable())
    @rule(pick=st.integers(0, 1000), line_pick=st.integers(0, 1000),
          units=st.integers(1, 3), exchange=st.booleans(),
          conditions=st.lists(st.sampled_from(["RESALABLE", "DAMAGED", "MISSING"]),
                              min_size=3, max_size=3))
    def return_units(self, pick, line_pick, units, exchange, conditions) -> None:
        """Request, approve, receive (each unit in its own condition), then
        refund (the computed amount) or exchange."""
        FiguresMachine.seen['return_units'] += 1
        ids = self._returnable()
        o = self.orders[ids[pick % len(ids)]]
        order_id = ids[pick % len(ids)]
        open_lines = sorted(o.returnable().items())
        line_id, left = open_lines[line_pick % len(open_lines)]
        units = min(units, left)
        counts = {c: conditions[:units].count(c) for c in ("RESALABLE", "DAMAGED", "MISSING")}

        async def go():
            ret = await returns.request_return(
                order_id=order_id, resolution="EXCHANGE" if exchange else "REFUND",
                actor="staff:prop", lines=[RequestedLine(line_id, units, "CHANGED_MIND")])
            await returns.approve_return(ret.id, actor="staff:prop")
            await receiving.receive_return(
                ret.id, location="WH1", actor="staff:prop",
                lines=[ReceivedEntry(line_id, n, c) for c, n in counts.items() if n])
            back = counts["RESALABLE"] + counts["DAMAGED"]
            if exchange and back:
                await resolution.exchange_return(ret.id, actor="staff:prop")
                return D("0.00")
            try:
                done = await resolution.refund_return(ret.id, actor="staff:prop")
            except DomainError as e:
                # Only when earlier refunds left less than these units are worth.
                assert e.code.value == "REFUND_EXCEEDS_REFUNDABLE", e
                return D("0.00")
            return done.refund_total
        refunded = self.run(go())
        o.asked_back = {**(o.asked_back or {}), line_id: (o.asked_back or {}).get(line_id, 0)
                        + units}
        o.refunded += refunded

    # ------------------------------------------------------------ checks

    @invariant()
    def figures_match_the_model_and_a_recomputation(self) -> None:
        if not hasattr(self, "orders"):
            return

        async def read() -> tuple[dict[str, tuple], list]:
            await drain()
            stored = {c.email: (c.orders_count, c.lifetime_value, c.average_order_value,
                                c.first_order_at, c.last_order_at)
                      for c in await Customer.all()}
            return stored, await customers.check_figures()

        stored, differences = self.run(read())
        assert differences == []
        for email in EMAILS:
            if email in stored:
                assert stored[email] == expected_figures(self.orders, email), email


async def test_customer_figures_equal_a_recomputation_after_any_sequence(orm, fresh_gateways):
    FiguresMachine.loop = asyncio.get_running_loop()
    FiguresMachine.seen = Counter()
    try:
        await asyncio.to_thread(seed(SEED)(run_state_machine_as_test), FiguresMachine,
                                settings=SETTINGS)
    finally:
        FiguresMachine.loop = None
        await _empty_all_tables()
    # Every kind of step ran (a machine whose steps never run proves nothing).
    assert set(FiguresMachine.seen) == {"place_order", "ship", "cancel", "refund", "deliver",
                                        "return_units"}, FiguresMachine.seen
    print(sorted(FiguresMachine.seen.items()))
