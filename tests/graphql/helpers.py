"""Running GraphQL operations in-process, the way the HTTP and WebSocket view
does: the same schema, a real starlette Request carrying the bearer token,
the view's own get_context / on_ws_connect, tokens minted by oms.auth.tokens."""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from tortoise import connections

from oms.auth import tokens
from oms.auth.tokens import Role
from oms.core import ids
from oms.graphql.context import Context
from oms.graphql.schema import build_schema
from oms.graphql.view import OmsGraphQL

SECRET = "graphql-tests-secret-0123456789abcdef"
SCHEMA = build_schema()

ADDRESS = {"name": "Ann Lee", "line1": "1 Rue de Rivoli", "city": "Paris",
           "postalCode": "75001", "country": "FR"}


def token(role: Role | str, customer_id: int | None = None, *, secret: str = SECRET,
          ttl: timedelta = timedelta(hours=1)) -> str:
    return tokens.mint(secret, role=Role(role), customer_id=customer_id, ttl=ttl)


ADMIN = "admin"
STAFF = "staff"
ANALYST = "analyst"


def bearer(who: str | None) -> str | None:
    """`who` is a role name (admin, staff, analyst), a raw Authorization value
    (starting with 'Bearer ' or anything else), or None for no header."""
    if who is None:
        return None
    if who in (ADMIN, STAFF, ANALYST):
        return f"Bearer {token(who)}"
    return who


def customer_auth(customer_id: int) -> str:
    return f"Bearer {token(Role.CUSTOMER, customer_id)}"


@dataclass
class Result:
    data: dict[str, Any] | None
    errors: list[dict[str, Any]]

    @property
    def codes(self) -> list[str | None]:
        return [(e.get("extensions") or {}).get("code") for e in self.errors]

    def ok(self) -> dict[str, Any]:
        assert not self.errors, self.errors
        assert self.data is not None
        return self.data


class Gql:
    """One client: `await gql(query, variables, auth=...)`."""

    def __init__(self, schema=SCHEMA, hub=None, secret: str = SECRET) -> None:
        self.schema = schema
        self.hub = hub
        self.view = OmsGraphQL(schema, hub_getter=lambda: self.hub, jwt_secret=secret,
                               graphiql=False, allowed_origins=[])

    async def context(self, auth: str | None) -> Context:
        headers = [(b"authorization", auth.encode())] if auth is not None else []
        request = Request({"type": "http", "method": "POST", "path": "/graphql",
                           "query_string": b"", "headers": headers})
        return await self.view.get_context(request, Response())

    async def __call__(self, query: str, variables: dict[str, Any] | None = None, *,
                       auth: str | None = ADMIN) -> Result:
        ctx = await self.context(bearer(auth))
        result = await self.schema.execute(query, variable_values=variables, context_value=ctx)
        errors = [e.formatted for e in result.errors or []]
        # What a client would see: it must survive JSON.
        data = json.loads(json.dumps(result.data)) if result.data is not None else None
        return Result(data=data, errors=errors)

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None, *,
                        auth: str | None = ADMIN) -> "Sub":
        """Start a subscription the way a socket does (connection_init params).

        First waits until the hub has delivered everything already committed,
        so that "live" means "after this call" (with Redis the hub may lag
        behind the log by a few milliseconds)."""
        if self.hub is not None:
            await settle(self.hub)
        socket = WebSocket({"type": "websocket", "path": "/graphql", "query_string": b"",
                            "headers": []}, receive=_never, send=_never)
        ctx = Context(request=socket, response=None, hub=self.hub, jwt_secret=SECRET)
        ctx.connection_params = {"Authorization": bearer(auth)} if auth is not None else {}
        try:
            await self.view.on_ws_connect(ctx)
        except ConnectionRejectionError:
            ctx.actor = None  # lets the resolver report UNAUTHENTICATED
        gen = await self.schema.subscribe(query, variable_values=variables, context_value=ctx)
        sub = Sub(gen)
        # Run the resolver until it is listening on the hub (or has failed), so
        # that events published from now on reach it, as on a real socket.
        before = self.hub.subscriber_count if self.hub is not None else 0
        sub._pending = asyncio.ensure_future(gen.__anext__())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while not sub._pending.done() and self.hub is not None \
                and self.hub.subscriber_count == before:
            assert loop.time() < deadline, "the subscription never started listening"
            await asyncio.sleep(0.001)
        return sub


async def _never(*_args: Any) -> Any:
    raise AssertionError("the in-process socket is not read or written")


async def settle(hub, timeout: float = 5.0) -> None:
    """Wait until the hub's position reaches the event log's head."""
    head = await hub._read_head()  # the hub's own view of the log
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while hub.position < head:
        assert loop.time() < deadline, f"hub stuck at {hub.position} < {head}"
        await asyncio.sleep(0.005)


class Sub:
    """A running subscription, read one result at a time."""

    def __init__(self, gen) -> None:
        self.gen = gen
        self._pending: asyncio.Task | None = None

    async def next(self, timeout: float = 5.0) -> Result:
        if self._pending is None:
            self._pending = asyncio.ensure_future(self.gen.__anext__())
        done, _ = await asyncio.wait({self._pending}, timeout=timeout)
        if not done:
            raise TimeoutError("no subscription result in time")
        task, self._pending = self._pending, None
        r = task.result()
        return Result(data=json.loads(json.dumps(r.data)) if r.data is not None else None,
                      errors=[e.formatted for e in r.errors or []])

    async def nothing_within(self, seconds: float) -> bool:
        """True when no result arrives in `seconds` (the read stays pending)."""
        if self._pending is None:
            self._pending = asyncio.ensure_future(self.gen.__anext__())
        done, _ = await asyncio.wait({self._pending}, timeout=seconds)
        return not done

    async def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            try:
                await self._pending
            except (asyncio.CancelledError, StopAsyncIteration, Exception):  # noqa: BLE001
                pass
            self._pending = None
        await self.gen.aclose()


# ---- a shop set up through the API itself

async def setup_shop(gql: Gql, *, channels: dict[str, list[str]] | None = None,
                     prices: dict[str, str] | None = None,
                     stock: dict[tuple[str, str], int] | None = None) -> None:
    channels = channels or {"WEB": ["WH1", "WH2"]}
    prices = prices or {"SKU-A": "10.00", "SKU-B": "25.50", "SKU-C": "3.99"}
    stock = stock if stock is not None else {("SKU-A", "WH1"): 10, ("SKU-B", "WH1"): 10,
                                             ("SKU-C", "WH2"): 10}
    for code in channels:
        r = await gql("""mutation($i: ChannelCreateInput!) { channelCreate(input: $i) {
                           channel { code } userErrors { code field message } } }""",
                      {"i": {"code": code, "name": code.title(), "kind": "WEB",
                             "currency": "EUR"}})
        assert r.ok()["channelCreate"]["userErrors"] == []
    for loc in sorted({x for locs in channels.values() for x in locs}):
        r = await gql("""mutation($i: LocationCreateInput!) { locationCreate(input: $i) {
                           location { code } userErrors { code field message } } }""",
                      {"i": {"code": loc, "name": loc, "kind": "WAREHOUSE"}})
        assert r.ok()["locationCreate"]["userErrors"] == []
    for code, locs in channels.items():
        r = await gql("""mutation($c: String!, $l: [String!]!) { channelLocationsSet(
                           channel: $c, locations: $l) { userErrors { code } } }""",
                      {"c": code, "l": locs})
        assert r.ok()["channelLocationsSet"]["userErrors"] == []
    for sku, price in prices.items():
        r = await gql("""mutation($i: ProductUpsertInput!) { productUpsert(input: $i) {
                           userErrors { code field message } } }""",
                      {"i": {"sku": sku, "name": sku, "weightGrams": 100,
                             "prices": [{"channel": c, "amount": price} for c in channels]}})
        assert r.ok()["productUpsert"]["userErrors"] == []
    for (sku, loc), qty in stock.items():
        r = await gql("""mutation($s: String!, $l: String!, $q: Int!) {
                           stockReceive(sku: $s, location: $l, quantity: $q) {
                             userErrors { code } } }""", {"s": sku, "l": loc, "q": qty})
        assert r.ok()["stockReceive"]["userErrors"] == []


PLACE = """mutation($i: OrderPlaceInput!) { orderPlace(input: $i) {
  order { id number status paymentStatus customer { id email } lines { id sku quantity }
          total { amount currency } }
  userErrors { code field message } } }"""


def place_input(lines: list[tuple[str, int]], *, email: str = "ann@example.com",
                channel: str = "WEB", key: str | None = None, **extra: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"channel": channel, "source": "WEB",
                         "customer": {"email": email, "name": "Ann Lee"},
                         "lines": [{"sku": s, "quantity": q} for s, q in lines],
                         "shippingAddress": dict(ADDRESS)}
    if key is not None:
        d["idempotencyKey"] = key
    d.update(extra)
    return d


async def place(gql: Gql, lines: list[tuple[str, int]], **kw: Any) -> dict[str, Any]:
    r = await gql(PLACE, {"i": place_input(lines, **kw)})
    payload = r.ok()["orderPlace"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["order"]


def customer_pk(order: dict[str, Any]) -> int:
    pk = ids.decode("Customer", order["customer"]["id"])
    assert pk is not None
    return pk


def order_pk(order: dict[str, Any]) -> int:
    pk = ids.decode("Order", order["id"])
    assert pk is not None
    return pk


# ---- "changes nothing": the whole database, before and after

SNAPSHOT_TABLES = ["event_sequence", "event_log", "event_consumer", "webhook_receipt",
                   "carrier_sequence", "receivable_entry", "receivable_sequence",
                   "payment_transaction", "payment", "gateway_book_key", "gateway_book_payment",
                   "notification", "partner_delivery_attempt", "partner_delivery",
                   "shipment_document", "routing_decision", "stock_movement",
                   "inbound_expectation",
                   "reservation", "stock_level", "tracking_event", "shipment_line", "shipment",
                   "order_line", '"order"', "customer", "channel_allocation_rule",
                   "product_price", "product", "channel_location", "shipping_method",
                   "location", "channel", "return_document", "return_tracking_event",
                   "return_line", '"return"', "return_policy", "currency_rate",
                   "rfm_quintiles", "scheduled_job"]


async def db_snapshot() -> dict[str, list[dict[str, Any]]]:
    conn = connections.get("default")
    out = {}
    for table in SNAPSHOT_TABLES:
        rows = await conn.execute_query_dict(f"SELECT * FROM {table}")
        out[table] = sorted((dict(r) for r in rows), key=lambda r: json.dumps(r, default=str,
                                                                              sort_keys=True))
    return out
