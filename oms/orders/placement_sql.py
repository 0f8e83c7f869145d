"""Order placement on PostgreSQL in two round trips: one read, one write.

The rules (what is valid, what it costs, where units come from) stay in
Python (oms.orders.service, oms.inventory.allocation); this module only moves
their inputs and results. Each round trip cost ~0.1 ms of our CPU and more of
PostgreSQL's, and placement used to make 15 (bench/orders_throughput.py).

The write is one statement, so it needs no BEGIN/COMMIT and is atomic on its
own. Its parts lock rows in the same order as every other transaction here:
stock levels (by product, location), then the customer, then the event
sequence row, which is taken last and held to commit so event ids stay
gapless and commit-ordered. The stock rows are locked and re-checked inside
the statement; if any can no longer give what the plan (made from the
unlocked read) takes from it, the statement writes nothing and says so, and
the caller plans again.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from oms.catalog.models import Channel
from oms.customers.models import Customer
from oms.fulfillment.decisions import ROUTED_TODAY_SQL, site_of
from oms.fulfillment.routing import DEFAULT, Site, Strategy, strategy_from_dict
from oms.events.record import Event
from oms.inventory.levels import AVAILABLE_SQL, Figures
from oms.inventory.channel_rules import AllocationRule
from oms.inventory.stock_events import Topics

from .capture import ChannelCapture, channel_capture, method_from_row

from .models import Order

log = logging.getLogger(__name__)

# What a level can still promise; the same figure the inventory domain shows.
_AVAILABLE = AVAILABLE_SQL.format(t="sl")

_READ = """
SELECT c.id, c.code, c.name, c.kind, c.currency, c.created_at, c.risk_policy,
  c.capture_overrides, c.reservation_ttl_minutes, c.routing_strategy,
  -- Routing's view of the channel's locations; today's load only where capped.
  (SELECT coalesce(json_agg(json_build_array(l.id, l.code, l.kind, l.address, l.daily_capacity,
                                             CASE WHEN l.daily_capacity IS NOT NULL
                                             THEN {routed_today} END) ORDER BY cl.priority), '[]')
     FROM channel_location cl JOIN location l ON l.id = cl.location_id
     WHERE cl.channel_id = c.id) AS sites,
  (SELECT coalesce(json_agg(json_build_array(m.code, m.name, m.service_days, m.handling_days,
                                             m.cutoff, m.timezone) ORDER BY m.id), '[]')
     FROM shipping_method m WHERE m.channel_id = c.id) AS methods,
  (SELECT coalesce(json_agg(json_build_array(r.product_id, r.cap_quantity, r.cap_percent,
                                             r.buffer)), '[]')
     FROM channel_allocation_rule r WHERE r.channel_id = c.id
     AND (r.product_id IS NULL
          OR r.product_id IN (SELECT p.id FROM product p WHERE p.sku = ANY($2::varchar[]))))
     AS rules,
  -- Only counted when the channel's risk policy limits orders per email.
  CASE WHEN c.risk_policy->>'maxOrdersPerEmailPerHour' IS NOT NULL THEN
    (SELECT count(*) FROM "order" o JOIN customer cu ON cu.id = o.customer_id
     WHERE cu.email = $5 AND o.placed_at > $6) END AS velocity,
  (SELECT coalesce(json_agg(cl.location_id ORDER BY cl.priority), '[]')
     FROM channel_location cl WHERE cl.channel_id = c.id) AS locations,
  (SELECT coalesce(json_agg(json_build_array(p.id, p.sku, pp.amount)), '[]')
     FROM product p
     LEFT JOIN product_price pp ON pp.product_id = p.id AND pp.channel_id = c.id
     WHERE p.sku = ANY($2::varchar[])) AS products,
  (SELECT coalesce(json_agg(json_build_array(sl.product_id, sl.location_id, sl.on_hand,
                   sl.reserved, sl.damaged, sl.incoming, sl.safety_stock,
                   sl.low_stock_threshold)), '[]')
     FROM stock_level sl
     JOIN product p ON p.id = sl.product_id
     JOIN channel_location cl ON cl.location_id = sl.location_id AND cl.channel_id = c.id
     WHERE p.sku = ANY($2::varchar[])) AS stock,
  (SELECT coalesce(json_agg(json_build_array(l.id, l.code, oc.code)), '[]')
     FROM channel_location cl
     JOIN location l ON l.id = cl.location_id
     LEFT JOIN channel_location ocl ON ocl.location_id = l.id
     LEFT JOIN channel oc ON oc.id = ocl.channel_id
     WHERE cl.channel_id = c.id) AS topics,
  (SELECT json_build_array(o.id, o.request_hash) FROM "order" o
     WHERE $3::varchar IS NOT NULL AND o.idempotency_key = $3::varchar) AS replay,
  (SELECT o.id FROM "order" o WHERE $4::varchar IS NOT NULL AND o.channel_id = c.id
     AND o.external_reference = $4::varchar) AS same_reference,
  -- The channel currency's rate to the base currency (oms.catalog.rates).
  (SELECT cr.rate_to_base FROM currency_rate cr WHERE cr.currency = c.currency) AS rate_to_base
FROM channel c WHERE c.code = $1
""".replace("{routed_today}", ROUTED_TODAY_SQL.format(since="$7::timestamptz"))

_ORDER_COLUMNS = (
    "channel_id, customer_id, source, status, held_from, payment_status, currency, subtotal,"
    " shipping_total, tax_total, total, shipping_address, shipping_method, delivery_earliest,"
    " delivery_latest, instructions, external_reference, idempotency_key, request_hash,"
    " version, placed_at, updated_at, hold_reasons, ship_by, promised_delivery, route_after,"
    " expires_at, payment_reference, fx_rate")

_WRITE = f"""
WITH checks AS (
  SELECT * FROM unnest($29::int[], $30::int[], $31::int[], $39::int[], $40::bool[])
    AS s(product_id, location_id, qty, seen, exact)
), steps AS (
  SELECT product_id, location_id, qty FROM checks WHERE qty > 0
), locked AS (
  -- A level with a low-stock threshold, or of a SKU a channel allocation
  -- rule governs, must still show the available the plan saw: the LowStock
  -- event and the channel's limit were decided from it.
  -- Floored like every shown available: a watched level (qty 0) held back
  -- below zero by safety stock still "holds".
  SELECT GREATEST({_AVAILABLE}, 0) >= s.qty
         AND ((sl.low_stock_threshold IS NULL AND NOT s.exact)
              OR GREATEST({_AVAILABLE}, 0) = s.seen) AS holds
  FROM stock_level sl
  JOIN checks s ON s.product_id = sl.product_id AND s.location_id = sl.location_id
  ORDER BY sl.product_id, sl.location_id
  FOR UPDATE OF sl
), ok AS (
  SELECT count(*) FILTER (WHERE holds) = cardinality($31::int[]) AS ok FROM locked
), took AS (
  UPDATE stock_level sl SET reserved = sl.reserved + s.qty, updated_at = $23
  FROM steps s, ok
  WHERE ok.ok AND sl.product_id = s.product_id AND sl.location_id = s.location_id
  RETURNING sl.product_id, sl.location_id, sl.on_hand, sl.reserved, sl.damaged, sl.incoming,
            sl.safety_stock, s.qty
), cust AS (
  INSERT INTO customer AS cu (email, name, phone, addresses, created_at, updated_at)
  SELECT $1, $2, $3, $4::jsonb, $23, $23 FROM ok WHERE ok.ok
  ON CONFLICT (email) DO UPDATE SET
    name = coalesce(EXCLUDED.name, cu.name),
    phone = coalesce(EXCLUDED.phone, cu.phone),
    addresses = CASE WHEN cu.addresses @> EXCLUDED.addresses THEN cu.addresses ELSE (
      SELECT jsonb_agg(a ORDER BY i)
      FROM jsonb_array_elements(cu.addresses || EXCLUDED.addresses) WITH ORDINALITY AS t(a, i)
      WHERE i > jsonb_array_length(cu.addresses) + 1 - $5) END,
    updated_at = EXCLUDED.updated_at
  RETURNING cu.id, cu.email, cu.name, cu.phone, cu.addresses, cu.created_at, cu.updated_at,
            cu.country, cu.marketing_consent, cu.orders_count, cu.lifetime_value,
            cu.average_order_value, cu.first_order_at, cu.last_order_at,
            cu.tags, cu.consent_updated_at, cu.consent_source, cu.erased_at, cu.version,
            cu.rfm_recency, cu.rfm_frequency, cu.rfm_monetary, cu.segment,
            cu.predicted_yearly_value, cu.segment_computed_at
), ins AS (
  INSERT INTO "order" ({_ORDER_COLUMNS})
  SELECT $6, cust.id, $7, $8, $41, $9, $10, $11, $12, $13, $14, $15::jsonb, $16, $17, $18,
         $19, $20, $21, $22, 1, $47, $23, $42::jsonb, $43, $44, $45, $46, $48,
         $57::numeric
  FROM cust
  RETURNING id, {_ORDER_COLUMNS}
), lines AS (
  INSERT INTO order_line (order_id, product_id, sku, quantity, unit_price, total,
                          quantity_shipped, quantity_returned, list_price,
                          price_override_reason)
  SELECT ins.id, l.product_id, l.sku, l.quantity, l.unit_price, l.total, l.shipped, 0,
         l.list_price, l.reason
  FROM ins, unnest($24::int[], $25::varchar[], $26::int[], $27::numeric[], $28::numeric[],
                   $49::int[], $50::numeric[], $51::varchar[])
       AS l(product_id, sku, quantity, unit_price, total, shipped, list_price, reason)
  RETURNING id, product_id, quantity
), line_span AS (
  -- The routing decision's units per order line, spread as
  -- oms.fulfillment.routing.assign_lines does: a product's lines by id take
  -- from its locations by id (overlapping running totals).
  SELECT id, product_id, sum(quantity) OVER w - quantity AS lo, sum(quantity) OVER w AS hi
  FROM lines WINDOW w AS (PARTITION BY product_id ORDER BY id)
), part_span AS (
  SELECT product_id, location_id, sum(qty) OVER w - qty AS lo, sum(qty) OVER w AS hi
  FROM steps WINDOW w AS (PARTITION BY product_id ORDER BY location_id)
), assigned AS (
  SELECT p.location_id, l.id AS line_id, least(l.hi, p.hi) - greatest(l.lo, p.lo) AS qty
  FROM line_span l JOIN part_span p ON p.product_id = l.product_id
  WHERE least(l.hi, p.hi) > greatest(l.lo, p.lo)
), decision AS (
  INSERT INTO routing_decision (order_id, attempt, strategy, assignments, reasons, outcome,
                                actor, created_at)
  SELECT ins.id, 1, $53::jsonb,
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
       'locationId', c.loc, 'location', c.code,
       'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object('orderLineId', a.line_id,
                                                              'quantity', a.qty)
                                           ORDER BY a.line_id), '[]'::jsonb)
                 FROM assigned a WHERE a.location_id = c.loc)) ORDER BY c.k), '[]'::jsonb)
     FROM unnest($55::int[], $56::varchar[]) WITH ORDINALITY AS c(loc, code, k)),
    $54::jsonb, 'ROUTED', $32, $23
  FROM ins WHERE $52::bool
), holds AS (
  INSERT INTO reservation (order_id, channel_id, product_id, location_id, quantity, created_at)
  SELECT ins.id, $6, s.product_id, s.location_id, s.qty, $23 FROM ins, steps s
), ledger AS (
  -- The figures around the change come from the update itself (after minus
  -- what it added), as every other ledger writer's do.
  INSERT INTO stock_movement (product_id, location_id, kind, on_hand_delta, reserved_delta,
      damaged_delta, incoming_delta, safety_stock_delta, on_hand_before, on_hand_after,
      reserved_before, reserved_after, damaged_before, damaged_after, incoming_before,
      incoming_after, safety_stock_before, safety_stock_after, reference, actor, created_at)
  SELECT t.product_id, t.location_id, 'RESERVE', 0, t.qty, 0, 0, 0, t.on_hand, t.on_hand,
         t.reserved - t.qty, t.reserved, t.damaged, t.damaged, t.incoming, t.incoming,
         t.safety_stock, t.safety_stock, 'order:' || ins.id, $32, $23
  FROM ins, took t
), seq AS (
  UPDATE event_sequence SET last_id = last_id + cardinality($33::varchar[])
  WHERE id = 1 AND EXISTS (SELECT 1 FROM ins)
    AND ((SELECT count(*) FROM took) > 0 OR NOT EXISTS (SELECT 1 FROM steps))
  RETURNING last_id
), ev AS (
  INSERT INTO event_log (id, type, order_id, customer_id, channel, sku, location, payload,
                         created_at)
  SELECT seq.last_id - cardinality($33::varchar[]) + e.k, e.type,
         CASE WHEN e.for_order THEN ins.id END, CASE WHEN e.for_order THEN cust.id END,
         e.channel, e.sku, e.location, e.payload, $23
  FROM seq, ins, cust,
       unnest($33::varchar[], $34::bool[], $35::varchar[], $36::varchar[], $37::varchar[],
              $38::jsonb[]) WITH ORDINALITY AS e(type, for_order, channel, sku, location,
                                                  payload, k)
  RETURNING id
)
SELECT ok.ok, (SELECT min(id) FROM ev) AS first_event_id,
       (SELECT count(*) FROM seq) AS sequenced,
       cust.id AS c_id, cust.email AS c_email, cust.name AS c_name, cust.phone AS c_phone,
       cust.addresses AS c_addresses, cust.created_at AS c_created_at,
       cust.updated_at AS c_updated_at, cust.country AS c_country,
       cust.marketing_consent AS c_marketing_consent, cust.orders_count AS c_orders_count,
       cust.lifetime_value AS c_lifetime_value,
       cust.average_order_value AS c_average_order_value,
       cust.first_order_at AS c_first_order_at, cust.last_order_at AS c_last_order_at,
       cust.tags AS c_tags, cust.consent_updated_at AS c_consent_updated_at,
       cust.consent_source AS c_consent_source, cust.erased_at AS c_erased_at,
       cust.version AS c_version, cust.rfm_recency AS c_rfm_recency,
       cust.rfm_frequency AS c_rfm_frequency, cust.rfm_monetary AS c_rfm_monetary,
       cust.segment AS c_segment, cust.predicted_yearly_value AS c_predicted_yearly_value,
       cust.segment_computed_at AS c_segment_computed_at, ins.*
FROM ok LEFT JOIN (cust CROSS JOIN ins) ON true
"""


@dataclass(frozen=True)
class PricedSku:
    product_id: int
    sku: str
    price: Decimal | None  # None: not sold in this channel


@dataclass
class Facts:
    """Everything placement reads, as of one moment, unlocked."""

    channel: Channel
    location_ids: list[int]  # priority order
    products: dict[str, PricedSku]
    levels: dict[tuple[int, int], Figures]  # (product id, location id) -> its figures
    topics: Topics
    replay: tuple[int, str | None] | None  # (order id, request hash) for the key
    same_reference: int | None  # the channel's order that has this externalReference
    settings: ChannelCapture
    rules: dict[int | None, AllocationRule]  # product id (None: channel-wide) -> rule
    velocity: int  # the email's orders in the risk window (0 when no rule needs it)
    strategy: Strategy = DEFAULT  # the channel's routing strategy
    sites: list[Site] = field(default_factory=list)  # its locations, priority order
    rate_to_base: Decimal | None = None  # the channel currency's rate, if one is set


async def read_facts(conn: BaseDBAsyncClient, channel: str, skus: list[str],
                     idempotency_key: str | None, external_reference: str | None, *,
                     email: str, since: datetime, routed_since: datetime) -> Facts | None:
    """None when the channel does not exist. `since` starts the window the
    email's orders are counted in for the risk velocity rule; `routed_since`
    the day locations' daily capacity counts over."""
    rows = await conn.execute_query_dict(_READ, [channel, skus, idempotency_key,
                                                 external_reference, email, since,
                                                 routed_since])
    if not rows:
        return None
    r = rows[0]
    topics = Topics()
    for loc_id, code, served in json.loads(r["topics"]):
        topics.add(loc_id, code, served)
    replay = json.loads(r["replay"]) if r["replay"] else None
    return Facts(
        channel=Channel._init_from_db(id=r["id"], code=r["code"], name=r["name"], kind=r["kind"],
                                      currency=r["currency"], created_at=r["created_at"],
                                      risk_policy=_json(r["risk_policy"]),
                                      capture_overrides=_json(r["capture_overrides"]),
                                      reservation_ttl_minutes=r["reservation_ttl_minutes"]),
        location_ids=json.loads(r["locations"]),
        products=_priced(r["products"]),
        levels={(int(p), int(loc)): Figures(on_hand=on_hand, reserved=reserved, damaged=damaged,
                                            incoming=incoming, safety_stock=safety,
                                            low_stock_threshold=threshold)
                for p, loc, on_hand, reserved, damaged, incoming, safety, threshold
                in json.loads(r["stock"])},
        topics=topics,
        replay=(replay[0], replay[1]) if replay else None,
        same_reference=r["same_reference"],
        rate_to_base=r["rate_to_base"],
        settings=channel_capture(
            risk_policy=_json(r["risk_policy"]), capture_overrides=_json(r["capture_overrides"]),
            reservation_ttl_minutes=r["reservation_ttl_minutes"],
            methods=[method_from_row(*m) for m in json.loads(r["methods"])]),
        rules={product_id: AllocationRule(cap_quantity=cap, cap_percent=pct, buffer=buffer)
               for product_id, cap, pct, buffer in json.loads(r["rules"])},
        velocity=r["velocity"] or 0,
        strategy=strategy_from_dict(_json(r["routing_strategy"])),
        sites=[site_of(loc_id, code, kind, _json(address), capacity, routed)
               for loc_id, code, kind, address, capacity, routed in json.loads(r["sites"])])


def _json(value: Any) -> Any:
    # asyncpg hands jsonb over as text unless a codec is set.
    return json.loads(value) if isinstance(value, str) else value


def _priced(products_json: str) -> dict[str, PricedSku]:
    # Prices are parsed as Decimal straight from their JSON text, never float.
    out = {}
    for pid, sku, price in json.loads(products_json, parse_float=Decimal, parse_int=Decimal):
        out[sku] = PricedSku(int(pid), sku, None if price is None else Decimal(price))
    return out


@dataclass(frozen=True)
class NewOrder:
    """The order row as placement computed it (the ids come from the write)."""

    channel_id: int
    source: str
    status: str
    held_from: str | None
    hold_reasons: list[str] | None
    payment_status: str
    payment_reference: str | None
    currency: str
    subtotal: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal
    shipping_address: dict[str, Any]
    shipping_method: str | None
    delivery_earliest: datetime | None
    delivery_latest: datetime | None
    instructions: str | None
    external_reference: str | None
    idempotency_key: str | None
    request_hash: str | None
    ship_by: datetime | None
    promised_delivery: datetime | None
    route_after: datetime | None
    expires_at: datetime | None
    placed_at: datetime
    updated_at: datetime  # when it is written (placed_at is earlier for imports)
    fx_rate: Decimal = Decimal(1)  # to the base currency, at placement (oms.catalog.rates)


@dataclass(frozen=True)
class NewLine:
    product_id: int
    sku: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    list_price: Decimal | None = None  # set when the unit price overrides it
    price_override_reason: str | None = None
    quantity_shipped: int = 0


@dataclass(frozen=True)
class Check:
    """A stock level the write locks and checks: it must still give `qty`
    (0: only watched), and, when `exact`, still show the available `seen`."""

    product_id: int
    location_id: int
    qty: int
    seen: int
    exact: bool


def checks_for(steps: list[tuple[int, int, int]], levels: dict[tuple[int, int], Figures],
               ruled: list[int], location_ids: list[int]) -> list[Check]:
    """The levels a placement's write must check, in lock order: every level
    it takes from, and every level of the channel's pool for a SKU a channel
    rule limits (the limit was computed from all of them)."""
    take = {(p, loc): q for p, loc, q in steps}
    keys = set(take)
    keys.update((p, loc) for p in ruled for loc in location_ids if (p, loc) in levels)
    ruled_set = set(ruled)
    return [Check(p, loc, take.get((p, loc), 0), levels[(p, loc)].available,
                  exact=p in ruled_set or levels[(p, loc)].low_stock_threshold is not None)
            for p, loc in sorted(keys)]


@dataclass(frozen=True)
class NewDecision:
    """The routing decision placement made (its assignments get the new
    order lines' ids in the write)."""

    strategy: dict[str, Any]
    reasons: list[dict[str, Any]]
    location_ids: list[int]  # in the order chosen
    location_codes: list[str]


@dataclass(frozen=True)
class Written:
    order: Order
    customer: Customer
    first_event_id: int


class PlanOutdated(Exception):
    """A stock level no longer holds what the plan takes from it."""


async def write(conn: BaseDBAsyncClient, *, email: str, name: str | None, phone: str | None,
                address_book_size: int, order: NewOrder, lines: list[NewLine],
                checks: list[Check], actor: str | None,
                events: list[Event], order_event_flags: list[bool],
                decision: NewDecision | None = None) -> Written:
    """Write the placement; raise PlanOutdated when the stock moved under the plan.

    `checks` are the levels to lock (in lock order), what to take from each
    and what the plan saw there (see Check).

    `events` are recorded in the given order; `order_event_flags[i]` says that
    event i belongs to the new order (it gets the order's and customer's ids).
    """
    o = order
    params = [
        email, name, phone, json.dumps([o.shipping_address]), address_book_size,
        o.channel_id, o.source, o.status, o.payment_status, o.currency, o.subtotal,
        o.shipping_total, o.tax_total, o.total, json.dumps(o.shipping_address),
        o.shipping_method, o.delivery_earliest, o.delivery_latest, o.instructions,
        o.external_reference, o.idempotency_key, o.request_hash, o.updated_at,
        [ln.product_id for ln in lines], [ln.sku for ln in lines],
        [ln.quantity for ln in lines], [ln.unit_price for ln in lines],
        [ln.total for ln in lines],
        [c.product_id for c in checks], [c.location_id for c in checks],
        [c.qty for c in checks],
        actor,
        [e.type for e in events], order_event_flags, [e.channel for e in events],
        [e.sku for e in events], [e.location for e in events],
        [json.dumps(e.payload) for e in events],
        [c.seen for c in checks], [c.exact for c in checks],
        o.held_from, None if o.hold_reasons is None else json.dumps(o.hold_reasons),
        o.ship_by, o.promised_delivery, o.route_after, o.expires_at, o.placed_at,
        o.payment_reference,
        [ln.quantity_shipped for ln in lines], [ln.list_price for ln in lines],
        [ln.price_override_reason for ln in lines],
        decision is not None,
        json.dumps(decision.strategy if decision else None),
        json.dumps(decision.reasons if decision else None),
        decision.location_ids if decision else [],
        decision.location_codes if decision else [],
        o.fx_rate,
    ]
    try:
        rows = await conn.execute_query_dict(_WRITE, params)
    except IntegrityError as exc:
        # Under a rush of concurrent ships, cancels and placements on one
        # level, PostgreSQL has been seen to reject the reservation with the
        # level's own CHECK (reserved <= on_hand) instead of the statement's
        # guard saying no: the constraint held, nothing was written (one
        # statement, no transaction around it). Read again and re-plan.
        if "stock_level" not in str(exc):
            raise
        log.warning("placement write refused by a stock_level check; planning again: %s", exc)
        raise PlanOutdated() from exc
    r = rows[0]
    if not r["ok"]:
        raise PlanOutdated()
    if not r["sequenced"]:
        raise RuntimeError("the event sequence row is missing: run `oms migrate`")
    # Every customer column, so the instance is whole (the response may show any field).
    customer = Customer._init_from_db(**{k[2:]: v for k, v in r.items() if k.startswith("c_")})
    return Written(order=Order._init_from_db(**{k: v for k, v in r.items()
                                               if not k.startswith("c_")
                                               and k not in ("ok", "first_event_id",
                                                             "sequenced")}),
                   customer=customer, first_event_id=r["first_event_id"])
