"""Stock as a state machine (hypothesis): random sequences of receipts,
expected receipts, counts, adjustments, transfers, damage and write-offs,
safety stock, orders placed on two channels that share a warehouse, orders
confirmed, picked, shipped and cancelled, and channel allocation rules set
and removed, all through the real services, each checked against a plain
Python model of the figures it should leave. After every step the database
is read back: no quantity is negative and no level promises more than it
holds, every level equals the model, the ledger adds up to the levels and
its rows chain, the reservations add up to what is reserved, and each
channel's available (as the app reports it) is the model's.

Hypothesis runs state machines synchronously while the database lives on
pytest-asyncio's session loop: the machine runs in a worker thread and each
step hands its coroutine to that loop (`StockMachine.run`). Every example
starts from emptied tables and a freshly built shop.

Explore further with OMS_STATEFUL_SEED, OMS_STATEFUL_EXAMPLES and
OMS_STATEFUL_STEPS (a failure is shrunk to a short sequence of steps and
printed; on PostgreSQL shrinking can take the 5 minutes Hypothesis allows).
"""
from __future__ import annotations

import asyncio
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Awaitable

import pytest
from hypothesis import HealthCheck, seed, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition,
                                 rule, run_state_machine_as_test)

from oms.catalog.models import Channel, Location, Product
from oms.customers.models import Customer
from oms.core.errors import DomainError, ErrorCode
from oms.events.models import EventLog
from oms.fulfillment import service as fulfillment
from oms.fulfillment.models import Shipment, ShipmentLine
from oms.inventory import queries, rules as allocation_rules, service as inventory
from oms.inventory.models import (ChannelAllocationRule, InboundExpectation, Reservation,
                                  StockLevel, StockMovement)
from oms.orders import service as orders
from oms.orders.models import Order

from tests import factories
from tests.conftest import _empty_all_tables

SKUS = ("SKU-A", "SKU-B")
LOCATIONS = ("WH1", "WH2", "WH3")
# Both channels draw on WH2: an order on one takes what the other could sell.
CHANNELS = {"WEB": ["WH1", "WH2"], "MARKET": ["WH2", "WH3"]}
PRICES = {"SKU-A": "10.00", "SKU-B": "4.50"}
REFERENCES = ("PO-1", "PO-2")
QUANTITIES = ("on_hand", "reserved", "damaged", "incoming", "safety_stock")
ACTOR = "test:state-machine"

# Order statuses in which cancelling is allowed (nothing has left yet), and not.
CANCELLABLE = ("PENDING", "CONFIRMED", "PROCESSING")
# A shipment's way out, and the statuses in which it may still move.
FLOW = ["PENDING", "PICKING", "PACKED", "SHIPPED"]
OPEN_SHIPMENT = {"PENDING", "PICKING", "PACKED"}

# The same sequences on every run, so CI is reproducible; a fixed seed rather
# than derandomize's hash of the machine's source, so that editing a comment
# does not change what is explored. OMS_STATEFUL_SEED etc. explore further.
SEED = int(os.environ.get("OMS_STATEFUL_SEED", "13"))
SETTINGS = settings(
    max_examples=int(os.environ.get("OMS_STATEFUL_EXAMPLES", "25")),
    stateful_step_count=int(os.environ.get("OMS_STATEFUL_STEPS", "80")),
    deadline=None,
    derandomize=True,  # the fallback should the seed go
    database=None,  # no .hypothesis directory in the working tree
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)

SKU = st.sampled_from(SKUS)
LOC = st.sampled_from(LOCATIONS)
CHANNEL = st.sampled_from(sorted(CHANNELS))
ORDER_LINES = st.lists(st.tuples(SKU, st.integers(1, 4)), min_size=1, max_size=3)


# ---------------------------------------------------------------- the model

@dataclass
class Level:
    """What one (sku, location) level should hold, and the ledger rows it
    should have: (kind, deltas in QUANTITIES order), oldest first."""

    on_hand: int = 0
    reserved: int = 0
    damaged: int = 0
    incoming: int = 0
    safety_stock: int = 0
    ledger: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)

    @property
    def figures(self) -> tuple[int, ...]:
        return tuple(getattr(self, q) for q in QUANTITIES)

    @property
    def free(self) -> int:
        """on hand - reserved - safety stock - damaged, not floored."""
        return self.on_hand - self.reserved - self.safety_stock - self.damaged

    def move(self, kind: str, **delta: int) -> None:
        for q, d in delta.items():
            setattr(self, q, getattr(self, q) + d)
        self.ledger.append((kind, tuple(delta.get(q, 0) for q in QUANTITIES)))


@dataclass
class ModelShipment:
    location: str
    status: str
    units: dict[str, int]  # sku -> units


@dataclass
class ModelOrder:
    channel: str
    status: str
    held: dict[tuple[str, str], int]  # (sku, location) -> units reserved
    shipments: dict[int, ModelShipment] = field(default_factory=dict)


RuleTerms = tuple[int | None, int | None, int]  # cap_quantity, cap_percent, buffer


class Model:
    def __init__(self) -> None:
        self.levels: dict[tuple[str, str], Level] = {}
        self.expected: dict[tuple[str, str, str], int] = defaultdict(int)  # remaining
        self.rules: dict[str, dict[str | None, RuleTerms]] = {c: {} for c in CHANNELS}
        self.orders: dict[int, ModelOrder] = {}

    def level(self, sku: str, loc: str) -> Level:
        """The level, created empty as the services' writers create it."""
        return self.levels.setdefault((sku, loc), Level())

    def free(self, sku: str, loc: str) -> int:
        lvl = self.levels.get((sku, loc))
        return lvl.free if lvl else 0

    def pool(self, channel: str, sku: str) -> int:
        return sum(max(0, self.free(sku, loc)) for loc in CHANNELS[channel])

    def channel_available(self, channel: str, sku: str) -> int:
        """The pool under the SKU's own rule, else the channel-wide one."""
        pool = self.pool(channel, sku)
        rules = self.rules[channel]
        rule = rules.get(sku, rules.get(None))
        if rule is None:
            return pool
        cap_quantity, cap_percent, buffer = rule
        limit = pool - buffer
        if cap_quantity is not None:
            limit = min(limit, cap_quantity)
        if cap_percent is not None:
            limit = min(limit, pool * cap_percent // 100)
        return max(0, limit)

    def plan(self, channel: str, need: dict[str, int]) -> dict[tuple[str, str], int] | None:
        """Where an order's units come from: the first location in the
        channel's priority that fills the whole order, else each SKU split
        over the locations in priority order; None when there is not enough."""
        locs = CHANNELS[channel]
        for loc in locs:
            if all(max(0, self.free(s, loc)) >= q for s, q in need.items()):
                return {(s, loc): q for s, q in need.items()}
        out: dict[tuple[str, str], int] = {}
        for s, q in need.items():
            left = q
            for loc in locs:
                take = min(left, max(0, self.free(s, loc)))
                if take:
                    out[(s, loc)] = take
                    left -= take
            if left:
                return None
        return out

    def channel_reserved(self, channel: str, sku: str) -> int:
        return sum(q for o in self.orders.values() if o.channel == channel
                   for (s, _loc), q in o.held.items() if s == sku)

    @staticmethod
    def follow_shipments(order: ModelOrder) -> None:
        """The order's status brought level with its shipments."""
        live = [s.status for s in order.shipments.values() if s.status != "CANCELLED"]
        if not live:
            return
        shipped = [s for s in live if s == "SHIPPED"]
        if len(shipped) == len(live):
            order.status = "SHIPPED"
        elif shipped:
            order.status = "PARTIALLY_SHIPPED"
        elif any(s in ("PICKING", "PACKED") for s in live) and order.status == "CONFIRMED":
            order.status = "PROCESSING"


# -------------------------------------------------------- database readers

async def _db_state() -> tuple:
    """Everything a refused operation must leave as it was."""
    return (
        await StockLevel.all().order_by("id").values_list("id", "product_id", "location_id",
                                                          *QUANTITIES),
        await StockMovement.all().count(),
        await Reservation.all().order_by("id").values_list("order_id", "product_id",
                                                           "location_id", "quantity"),
        await ChannelAllocationRule.all().order_by("id").values_list(
            "channel_id", "product_id", "cap_quantity", "cap_percent", "buffer"),
        await Order.all().order_by("id").values_list("id", "status", "version"),
        await Shipment.all().order_by("id").values_list("id", "status", "version"),
        await InboundExpectation.all().order_by("id").values_list(
            "product_id", "location_id", "reference", "expected", "received", "remaining"),
        await EventLog.all().count(),
        await Customer.all().count(),
    )


async def _levels_and_ledger() -> tuple[list[dict], list[dict]]:
    levels = await StockLevel.all().values("product_id", "location_id", *QUANTITIES)
    movements = await StockMovement.all().order_by("id").values(
        "product_id", "location_id", "kind",
        *(f"{q}_{part}" for q in QUANTITIES for part in ("delta", "before", "after")))
    return levels, movements


async def _orders() -> tuple[list, list, list]:
    return (await Reservation.all().values_list("order_id", "product_id", "location_id",
                                                "quantity"),
            await Order.all().values_list("id", "status"),
            await Shipment.all().values_list("id", "order_id", "status"))


async def _reservations_of(order_id: int) -> list[tuple[int, int, int]]:
    return await Reservation.filter(order_id=order_id).values_list("product_id", "location_id",
                                                                   "quantity")


async def _shipments_of(order_id: int) -> dict[int, tuple[int, dict[int, int]]]:
    """shipment id -> (location id, product id -> units)."""
    out: dict[int, tuple[int, dict[int, int]]] = {}
    for s in await Shipment.filter(order_id=order_id).order_by("id"):
        units: dict[int, int] = defaultdict(int)
        for sl in await ShipmentLine.filter(shipment_id=s.id).prefetch_related("order_line"):
            units[sl.order_line.product_id] += sl.quantity
        out[s.id] = (s.location_id, dict(units))
    return out


async def _channel_figures(keys: list[tuple[int, int]], channel_ids: list[int]
                           ) -> tuple[list[queries.ChannelFigure], dict[int, list]]:
    """The channel figures through both readers: the DataLoader batch and the
    one-statement page (channelInventory, the availability feed)."""
    batch = await queries.channel_stock(keys)
    pages = {c: await queries.channel_page(c, skus=None, after_sku=None, limit=100)
             for c in channel_ids}
    return batch, pages


async def _advance(shipment_id: int, moves: list[str]) -> None:
    for move in moves:
        await {"PICKING": fulfillment.pick, "PACKED": fulfillment.pack,
               "SHIPPED": fulfillment.ship}[move](shipment_id, actor=ACTOR)


async def _reset() -> dict[str, dict[str, int]]:
    """An empty shop: channels, locations, products with prices, no stock."""
    await _empty_all_tables()
    await factories.shop(channels=CHANNELS, prices=PRICES, stock={})
    return {"product": dict(await Product.all().values_list("sku", "id")),
            "location": dict(await Location.all().values_list("code", "id")),
            "channel": dict(await Channel.all().values_list("code", "id"))}


# ------------------------------------------------------------ the machine

@seed(SEED)
class StockMachine(RuleBasedStateMachine):
    # The loop the database connections live on; set by the test.
    loop: asyncio.AbstractEventLoop | None = None
    # What the steps did over the whole run ("transfer", "refused: transfer"...).
    seen: Counter[str] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        ids = self.run(_reset())
        self.product_id: dict[str, int] = ids["product"]
        self.location_id: dict[str, int] = ids["location"]
        self.channel_id: dict[str, int] = ids["channel"]
        self.sku_of = {v: k for k, v in self.product_id.items()}
        self.loc_of = {v: k for k, v in self.location_id.items()}

    def run(self, coro: Awaitable[Any]) -> Any:
        assert self.loop is not None, "StockMachine.loop is set by the test"
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    def refused(self, code: ErrorCode, coro: Awaitable[Any], why: str, label: str) -> None:
        """The service refuses with `code` and the database is as it was."""
        before = self.run(_db_state())
        try:
            self.run(coro)
        except DomainError as exc:
            assert exc.code is code, (exc.code, exc.message, why)
        else:
            pytest.fail(f"accepted, but the model says it must be refused: {why}")
        self.seen[f"refused {code.value}"] += 1
        self.seen[f"refused: {label}"] += 1
        assert self.run(_db_state()) == before, f"a refused operation changed data: {why}"

    # -- stock control --------------------------------------------------

    def _level_with(self, *quantities: str) -> st.SearchStrategy[tuple[str, str]]:
        """Any level, or (as often) one holding some of these quantities."""
        some = sorted(k for k, lvl in self.model.levels.items()
                      if any(getattr(lvl, q) for q in quantities))
        anywhere = st.tuples(SKU, LOC)
        return st.sampled_from(some) | anywhere if some else anywhere

    @initialize(stock=st.lists(st.integers(0, 6), min_size=6, max_size=6))
    def stock_the_shelves(self, stock: list[int]) -> None:
        keys = [(s, loc) for s in SKUS for loc in LOCATIONS]
        for (sku, loc), qty in zip(keys, stock):
            if qty:
                self.receive(sku, loc, qty, None)

    @rule(sku=SKU, loc=LOC, quantity=st.integers(1, 8),
          reference=st.none() | st.sampled_from(REFERENCES))
    def receive(self, sku: str, loc: str, quantity: int, reference: str | None) -> None:
        self.run(inventory.receive(sku=sku, location=loc, quantity=quantity,
                                   reference=reference, actor=ACTOR))
        taken = 0
        if reference is not None:
            key = (sku, loc, reference)
            taken = min(quantity, self.model.expected[key])
            self.model.expected[key] -= taken
        self.model.level(sku, loc).move("RECEIPT", on_hand=quantity, incoming=-taken)
        self.seen["receive" if reference is None else "receive expected"] += 1

    @rule(sku=SKU, loc=LOC, quantity=st.integers(1, 6), reference=st.sampled_from(REFERENCES))
    def expect(self, sku: str, loc: str, quantity: int, reference: str) -> None:
        self.run(inventory.expect(sku=sku, location=loc, quantity=quantity,
                                  reference=reference, actor=ACTOR))
        self.model.expected[(sku, loc, reference)] += quantity
        self.model.level(sku, loc).move("EXPECTED", incoming=quantity)
        self.seen["expect"] += 1

    @rule(data=st.data(), slack=st.integers(-4, 8))
    def count(self, data: st.DataObject, slack: int) -> None:
        """Count `slack` units more than the level must keep (reserved and
        damaged units), or fewer, which is refused."""
        sku, loc = data.draw(self._level_with("reserved", "damaged"), label="level")
        lvl = self.model.levels.get((sku, loc))
        counted = max(0, slack + (lvl.reserved + lvl.damaged if lvl else 0))
        call = inventory.count(sku=sku, location=loc, counted=counted, reason="cycle count",
                               actor=ACTOR)
        if lvl is not None and counted < lvl.reserved + lvl.damaged:
            self.refused(ErrorCode.INVALID, call, f"counted {counted} < reserved + damaged",
                         "count")
            return
        self.run(call)
        lvl = self.model.level(sku, loc)
        lvl.move("COUNT", on_hand=counted - lvl.on_hand)
        self.seen["count"] += 1

    @rule(sku=SKU, loc=LOC, delta=st.integers(-8, 8).filter(bool))
    def adjust(self, sku: str, loc: str, delta: int) -> None:
        call = inventory.adjust(sku=sku, location=loc, delta=delta, reason="found / lost",
                                actor=ACTOR)
        lvl = self.model.levels.get((sku, loc), Level())
        if lvl.on_hand + delta < lvl.reserved + lvl.damaged:
            self.refused(ErrorCode.INVALID, call, "adjusting below reserved + damaged", "adjust")
            return
        self.run(call)
        self.model.level(sku, loc).move("ADJUSTMENT", on_hand=delta)
        self.seen["adjust"] += 1

    @rule(sku=SKU, from_loc=LOC, to_loc=LOC, quantity=st.integers(1, 8))
    def transfer(self, sku: str, from_loc: str, to_loc: str, quantity: int) -> None:
        call = inventory.transfer(sku=sku, from_location=from_loc, to_location=to_loc,
                                  quantity=quantity, actor=ACTOR)
        if from_loc == to_loc:
            self.refused(ErrorCode.INVALID, call, "a transfer to the same location",
                         "transfer to itself")
            return
        if self.model.free(sku, from_loc) < quantity:
            self.refused(ErrorCode.OUT_OF_STOCK, call, "transferring more than is available",
                         "transfer")
            return
        self.run(call)
        self.model.level(sku, from_loc).move("TRANSFER_OUT", on_hand=-quantity)
        self.model.level(sku, to_loc).move("TRANSFER_IN", on_hand=quantity)
        self.seen["transfer"] += 1

    @rule(sku=SKU, loc=LOC, quantity=st.integers(0, 6))
    def set_safety_stock(self, sku: str, loc: str, quantity: int) -> None:
        self.run(inventory.set_safety_stock(sku=sku, location=loc, quantity=quantity,
                                            actor=ACTOR))
        lvl = self.model.level(sku, loc)
        if quantity != lvl.safety_stock:  # setting it to what it is writes no ledger row
            lvl.move("SAFETY_STOCK", safety_stock=quantity - lvl.safety_stock)
            self.seen["safety stock"] += 1

    @rule(sku=SKU, loc=LOC, quantity=st.integers(1, 4))
    def damage(self, sku: str, loc: str, quantity: int) -> None:
        call = inventory.damage(sku=sku, location=loc, quantity=quantity, reason="dropped",
                                actor=ACTOR)
        if self.model.free(sku, loc) < quantity:  # no level at all: nothing available
            self.refused(ErrorCode.INVALID, call, "damaging more than is available", "damage")
            return
        self.run(call)
        self.model.level(sku, loc).move("DAMAGE", damaged=quantity)
        self.seen["damage"] += 1

    @precondition(lambda self: any(lvl.damaged for lvl in self.model.levels.values()))
    @rule(data=st.data(), quantity=st.integers(1, 3))
    def write_off(self, data: st.DataObject, quantity: int) -> None:
        sku, loc = data.draw(self._level_with("damaged"), label="level")
        call = inventory.write_off(sku=sku, location=loc, quantity=quantity, reason="binned",
                                   actor=ACTOR)
        lvl = self.model.levels.get((sku, loc))
        if lvl is None or lvl.damaged < quantity:
            self.refused(ErrorCode.INVALID, call, "writing off more than is damaged", "write off")
            return
        self.run(call)
        lvl.move("WRITE_OFF", on_hand=-quantity, damaged=-quantity)
        self.seen["write off"] += 1

    # -- allocation rules -------------------------------------------------

    @rule(channel=CHANNEL, sku=st.none() | SKU,
          cap_quantity=st.none() | st.integers(0, 12),
          cap_percent=st.none() | st.sampled_from([0, 25, 50, 60, 100]) | st.integers(0, 100),
          buffer=st.none() | st.integers(0, 4))
    def set_rule(self, channel: str, sku: str | None, cap_quantity: int | None,
                 cap_percent: int | None, buffer: int | None) -> None:
        call = allocation_rules.set_allocation_rule(
            channel=channel, sku=sku, cap_quantity=cap_quantity, cap_percent=cap_percent,
            buffer=buffer, actor=ACTOR)
        if cap_quantity is not None and cap_percent is not None:
            self.refused(ErrorCode.INVALID, call, "a rule with both caps", "set rule")
            return
        self.run(call)
        self.model.rules[channel][sku] = (cap_quantity, cap_percent, buffer or 0)
        self.seen["set rule"] += 1

    @precondition(lambda self: any(self.model.rules.values()))
    @rule(data=st.data())
    def remove_rule(self, data: st.DataObject) -> None:
        """A rule that exists, or (refused) one that does not."""
        existing = sorted(((c, s) for c, rules in self.model.rules.items() for s in rules),
                          key=lambda scope: (scope[0], scope[1] or ""))
        channel, sku = data.draw(st.sampled_from(existing) | st.tuples(CHANNEL, st.none() | SKU),
                                 label="rule")
        call = allocation_rules.remove_allocation_rule(channel=channel, sku=sku, actor=ACTOR)
        if sku not in self.model.rules[channel]:
            self.refused(ErrorCode.NOT_FOUND, call, "removing a rule that does not exist",
                         "remove rule")
            return
        self.run(call)
        del self.model.rules[channel][sku]
        self.seen["remove rule"] += 1

    # -- orders -------------------------------------------------------------

    def place(self, channel: str, lines: list[tuple[str, int]], source: str) -> None:
        need: dict[str, int] = defaultdict(int)
        for sku, qty in lines:
            need[sku] += qty  # duplicate lines of a SKU count together
        call = orders.place_order(factories.place_cmd(lines, channel=channel, source=source),
                                  actor=ACTOR)
        fits = all(q <= self.model.channel_available(channel, s) for s, q in need.items())
        if not fits:
            by_rule = all(q <= self.model.pool(channel, s) for s, q in need.items())
            self.refused(ErrorCode.OUT_OF_STOCK, call,
                         f"{dict(need)} is more than {channel} may sell",
                         "order, by a rule" if by_rule else "order")
            return
        plan = self.model.plan(channel, need)
        assert plan is not None, "a channel never sells more than its locations hold"
        order = self.run(call)
        got: dict[tuple[str, str], int] = defaultdict(int)
        for p, loc, q in self.run(_reservations_of(order.id)):
            got[(self.sku_of[p], self.loc_of[loc])] += q
        assert dict(got) == plan, ("reserved where the allocation rule does not say", plan)
        for (sku, loc), q in sorted(plan.items()):
            self.model.levels[(sku, loc)].move("RESERVE", reserved=q)
        # A web order without a payment waits for staff; a marketplace order
        # is paid at source, so it is confirmed and routed at once.
        status = "CONFIRMED" if source == "MARKETPLACE" else "PENDING"
        assert order.status == status
        self.model.orders[order.id] = ModelOrder(channel=channel, status=status,
                                                 held=dict(plan))
        if status == "CONFIRMED":
            self.routed(order.id)
        self.seen[f"order from {len({loc for _s, loc in plan})} location(s)"] += 1
        if any(loc == "WH2" for _s, loc in plan):
            self.seen[f"order from WH2 on {channel}"] += 1

    @rule(lines=ORDER_LINES, source=st.sampled_from(["WEB", "MARKETPLACE"]))
    def order_on_web(self, lines: list[tuple[str, int]], source: str) -> None:
        self.place("WEB", lines, source)

    @rule(lines=ORDER_LINES, source=st.sampled_from(["WEB", "MARKETPLACE"]))
    def order_on_market(self, lines: list[tuple[str, int]], source: str) -> None:
        self.place("MARKET", lines, source)

    def routed(self, order_id: int) -> None:
        """The order has one shipment per location holding its units."""
        order = self.model.orders[order_id]
        want: dict[str, dict[str, int]] = defaultdict(dict)
        for (sku, loc), q in order.held.items():
            want[loc][sku] = q
        got = {sid: (self.loc_of[loc], {self.sku_of[p]: q for p, q in units.items()})
               for sid, (loc, units) in self.run(_shipments_of(order_id)).items()}
        assert sorted((loc, sorted(u.items())) for loc, u in got.values()) == \
            sorted((loc, sorted(u.items())) for loc, u in want.items())
        order.shipments = {sid: ModelShipment(location=loc, status="PENDING", units=units)
                           for sid, (loc, units) in got.items()}

    def _split_first(self, choices: list, order_of: Any) -> st.SearchStrategy:
        """Any of `choices`, or (as often) one of an order taken from several
        locations: it ships in parts, the rarer and more telling path."""
        split = [c for c in choices
                 if len({loc for _s, loc in self.model.orders[order_of(c)].held}) > 1]
        return st.sampled_from(split) | st.sampled_from(choices) if split \
            else st.sampled_from(choices)

    def _orders_in(self, *statuses: str) -> list[int]:
        return sorted(i for i, o in self.model.orders.items() if o.status in statuses)

    def _shipments_in(self, statuses: set[str]) -> list[tuple[int, int]]:
        return sorted((oid, sid) for oid, o in self.model.orders.items()
                      for sid, s in o.shipments.items() if s.status in statuses)

    @precondition(lambda self: self._orders_in("PENDING"))
    @rule(data=st.data())
    def confirm(self, data: st.DataObject) -> None:
        pending = self._orders_in("PENDING")
        order_id = data.draw(self._split_first(pending, lambda o: o), label="order")
        self.run(orders.confirm_order(order_id, actor=ACTOR))
        self.model.orders[order_id].status = "CONFIRMED"
        self.routed(order_id)
        self.seen["confirm"] += 1

    @precondition(lambda self: self._shipments_in({"PENDING", "PICKING"}))
    @rule(data=st.data(), to=st.sampled_from(["PICKING", "PACKED"]), then_cancel=st.booleans())
    def start_fulfilment(self, data: st.DataObject, to: str, then_cancel: bool) -> None:
        """Pick (and pack) a shipment, and maybe cancel its order then."""
        self.fulfil(data.draw(st.sampled_from(self._shipments_in({"PENDING", "PICKING"})),
                              label="shipment"), to, then_cancel)

    @precondition(lambda self: self._shipments_in(OPEN_SHIPMENT))
    @rule(data=st.data(), then_cancel=st.booleans())
    def ship(self, data: st.DataObject, then_cancel: bool) -> None:
        """Pick, pack and ship a shipment, and maybe try to cancel its order
        then: refused, its units have left."""
        shipments = self._shipments_in(OPEN_SHIPMENT)
        self.fulfil(data.draw(self._split_first(shipments, lambda ids: ids[0]),
                              label="shipment"), "SHIPPED", then_cancel)

    def fulfil(self, ids: tuple[int, int], to: str, then_cancel: bool) -> None:
        """Move a shipment on, at least one step and up to `to`."""
        order_id, shipment_id = ids
        order = self.model.orders[order_id]
        shipment = order.shipments[shipment_id]
        at = FLOW.index(shipment.status)
        moves = FLOW[at + 1:max(at + 1, FLOW.index(to)) + 1]
        self.run(_advance(shipment_id, moves))
        shipment.status = moves[-1]
        if shipment.status == "SHIPPED":
            for sku, q in sorted(shipment.units.items()):
                key = (sku, shipment.location)
                self.model.levels[key].move("SALE", on_hand=-q, reserved=-q)
                order.held[key] -= q
                if not order.held[key]:
                    del order.held[key]
        Model.follow_shipments(order)
        self.seen[f"{shipment.status.lower()}, order {order.status}"] += 1
        if then_cancel:
            self.cancel_order(order_id)

    @precondition(lambda self: self._orders_in(*CANCELLABLE, "PARTIALLY_SHIPPED"))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        """An open order, or one part shipped (refused: it keeps the rest)."""
        self.cancel_order(data.draw(
            st.sampled_from(self._orders_in(*CANCELLABLE, "PARTIALLY_SHIPPED")), label="order"))

    def cancel_order(self, order_id: int) -> None:
        """Its open shipments are cancelled and its units go back; refused
        once units have left (the order keeps what it still holds)."""
        order = self.model.orders[order_id]
        call = orders.cancel_order(order_id, reason="changed my mind", actor=ACTOR)
        if order.status not in CANCELLABLE:
            self.refused(ErrorCode.INVALID_TRANSITION, call,
                         f"cancelling a {order.status} order", f"cancel {order.status}")
            return
        self.run(call)
        self.seen[f"cancel {order.status}"] += 1
        for (sku, loc), q in sorted(order.held.items()):
            self.model.levels[(sku, loc)].move("RELEASE", reserved=-q)
        order.held = {}
        order.status = "CANCELLED"
        for shipment in order.shipments.values():
            shipment.status = "CANCELLED"

    # -- what must always hold ----------------------------------------------

    @invariant()
    def levels_ledger_and_model_agree(self) -> None:
        rows, movements = self.run(_levels_and_ledger())
        levels = {(self.sku_of[r["product_id"]], self.loc_of[r["location_id"]]):
                  tuple(r[q] for q in QUANTITIES) for r in rows}
        for key, (on_hand, reserved, damaged, incoming, safety_stock) in levels.items():
            assert min(on_hand, reserved, damaged, incoming, safety_stock) >= 0, (key, levels)
            # No oversell, whichever channels share the location.
            assert reserved + damaged <= on_hand, (key, levels[key])
        assert levels == {k: lvl.figures for k, lvl in self.model.levels.items()}
        ledger: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for m in movements:
            ledger[(self.sku_of[m["product_id"]], self.loc_of[m["location_id"]])].append(m)
        assert set(ledger) <= set(levels), "ledger rows for a level that does not exist"
        for key, figures in levels.items():
            rows_of = ledger.get(key, [])
            for i, q in enumerate(QUANTITIES):
                assert sum(m[f"{q}_delta"] for m in rows_of) == figures[i], (key, q)
                before = 0  # a level starts empty
                for m in rows_of:
                    if m[f"{q}_before"] is not None:
                        assert m[f"{q}_before"] == before, (key, q, m)
                        assert m[f"{q}_before"] + m[f"{q}_delta"] == m[f"{q}_after"], (key, q, m)
                    before += m[f"{q}_delta"]
            assert [(m["kind"], tuple(m[f"{q}_delta"] for q in QUANTITIES))
                    for m in rows_of] == self.model.levels[key].ledger, key

    @invariant()
    def reservations_add_up(self) -> None:
        reservations, order_rows, shipment_rows = self.run(_orders())
        at_level: dict[tuple[str, str], int] = defaultdict(int)
        of_order: dict[int, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
        for order_id, p, loc, q in reservations:
            assert q > 0
            key = (self.sku_of[p], self.loc_of[loc])
            at_level[key] += q
            of_order[order_id][key] += q
        for key, lvl in self.model.levels.items():
            assert at_level.get(key, 0) == lvl.reserved, key
        assert {o: dict(h) for o, h in of_order.items()} == \
            {o: m.held for o, m in self.model.orders.items() if m.held}
        assert dict(order_rows) == {o: m.status for o, m in self.model.orders.items()}
        assert {sid: (oid, status) for sid, oid, status in shipment_rows} == \
            {sid: (oid, s.status) for oid, m in self.model.orders.items()
             for sid, s in m.shipments.items()}

    @invariant()
    def channels_sell_what_the_model_says(self) -> None:
        keys = [(self.channel_id[c], self.product_id[s]) for c in sorted(CHANNELS) for s in SKUS]
        batch, pages = self.run(_channel_figures(keys, sorted(self.channel_id.values())))
        by_id = {v: k for k, v in self.channel_id.items()}
        for fig in batch:
            channel, sku = by_id[fig.channel_id], self.sku_of[fig.product_id]
            expected = (self.model.channel_available(channel, sku),
                        self.model.channel_reserved(channel, sku), self.model.pool(channel, sku))
            assert fig.available >= 0
            assert (fig.available, fig.reserved, fig.pooled) == expected, (channel, sku)
        for channel_id, rows in pages.items():
            channel = by_id[channel_id]
            assert {r.sku: (r.available, r.reserved, r.pooled) for r in rows} == {
                s: (self.model.channel_available(channel, s),
                    self.model.channel_reserved(channel, s), self.model.pool(channel, s))
                for s in SKUS}, channel


# What a run must have done at least once, or the machine has stopped
# exploring (a precondition never met, a strategy that cannot reach a case).
# Hypothesis turns rules off at random per example (swarm testing), so the
# rarest of these (a part-shipped order) hang on the seed: after changing the
# rules or strategies, try OMS_STATEFUL_SEED values and keep one that shows all.
MUST_SEE = {
    "receive", "receive expected", "expect", "count", "adjust", "transfer", "safety stock",
    "damage", "write off", "set rule", "remove rule", "confirm",
    "order from 1 location(s)", "order from 2 location(s)",
    "order from WH2 on WEB", "order from WH2 on MARKET",
    "picking, order PROCESSING", "packed, order PROCESSING",
    "shipped, order SHIPPED", "shipped, order PARTIALLY_SHIPPED",
    "cancel PENDING", "cancel CONFIRMED", "cancel PROCESSING",
    "refused: order", "refused: order, by a rule", "refused: transfer",
    "refused: transfer to itself", "refused: count", "refused: adjust", "refused: damage",
    "refused: write off", "refused: set rule", "refused: remove rule",
    "refused: cancel SHIPPED", "refused: cancel PARTIALLY_SHIPPED",
}


async def test_stock_state_machine(orm):
    StockMachine.loop = asyncio.get_running_loop()
    StockMachine.seen = Counter()
    try:
        await asyncio.to_thread(run_state_machine_as_test, StockMachine, settings=SETTINGS)
    finally:
        StockMachine.loop = None
        await _empty_all_tables()
    print(sorted(StockMachine.seen.items()))
    assert MUST_SEE <= set(StockMachine.seen), sorted(MUST_SEE - set(StockMachine.seen))


async def test_an_order_is_placed_beside_a_level_held_back_past_its_stock(clean_db):
    """Found by the machine. WH2 holds no SKU-A but keeps 1 back as safety
    stock (its available is -1, 0 once floored); WH1 has 1. Under a
    channel-wide rule WEB may sell 1 (channel_stock says so), and SQLite
    places the order; PostgreSQL's one-statement placement refused it with
    CONFLICT ("in high demand; try again") on every attempt, since the write
    re-checks each level of a ruled SKU's pool with `available >= qty`,
    qty 0 for the levels it only watches, and -1 >= 0 never holds."""
    await factories.shop(channels={"WEB": ["WH1", "WH2"]}, prices={"SKU-A": "10.00"},
                         stock={("SKU-A", "WH1"): 1})
    await inventory.set_safety_stock(sku="SKU-A", location="WH2", quantity=1)
    await allocation_rules.set_allocation_rule(channel="WEB", sku=None, cap_quantity=None,
                                               cap_percent=None, buffer=None, actor=ACTOR)
    web, sku_a = await Channel.get(code="WEB"), await Product.get(sku="SKU-A")
    [figure] = await queries.channel_stock([(web.id, sku_a.id)])
    assert figure.available == 1

    order = await factories.place([("SKU-A", 1)])

    wh1 = await Location.get(code="WH1")
    assert await Reservation.filter(order_id=order.id).values_list(
        "location_id", "quantity") == [(wh1.id, 1)]
