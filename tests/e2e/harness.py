"""Real `oms serve` processes and real clients: httpx over HTTP and the
`websockets` library speaking graphql-transport-ws.

On PostgreSQL a server group shares one fresh database, the Redis server
and a stream of its own (OMS_REDIS_STREAM), so test runs never see each
other's events. On SQLite a server uses a fresh SQLite file and in-process
events."""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from oms.auth import tokens
from oms.auth.tokens import Role
from oms.core import ids

from tests import backends

OMS = str(Path(sys.executable).with_name("oms"))
SECRET = "e2e-secret-" + uuid.uuid4().hex
STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def token(role: Role | str = Role.ADMIN, customer_id: int | None = None) -> str:
    return tokens.mint(SECRET, role=Role(role), customer_id=customer_id)


def customer_token(customer_global_id: str) -> str:
    """A customer's token, for the opaque Customer id the API returned."""
    pk = ids.decode("Customer", customer_global_id)
    assert pk is not None, customer_global_id
    return token(Role.CUSTOMER, pk)


ADMIN = token(Role.ADMIN)


def server_env(database_url: str, data_dir: Path, stream: str | None,
               extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    env.update(OMS_DATABASE_URL=database_url, OMS_JWT_SECRET=SECRET,
               OMS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **(extra or {}))
    if backends.IS_PG:
        env.update(OMS_REDIS_URL=backends.redis_url() or "", OMS_REDIS_STREAM=stream or "")
    return env


@dataclass
class Server:
    database_url: str
    stream: str | None
    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)  # more OMS_* settings

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"serve-{self.port}.log"

    async def start(self) -> "Server":
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [OMS, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=server_env(self.database_url, self.workdir, self.stream, self.env),
            cwd=self.workdir,
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_TIMEOUT
        async with httpx.AsyncClient() as client:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"oms serve exited with {self.proc.returncode}:\n"
                                       f"{self.log_path.read_text()[-3000:]}")
                try:
                    r = await client.get(f"{self.base}/healthz", timeout=1)
                    if r.status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                if loop.time() > deadline:
                    raise RuntimeError(f"oms serve did not answer /healthz:\n"
                                       f"{self.log_path.read_text()[-3000:]}")
                await asyncio.sleep(0.1)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def health(self) -> dict[str, Any]:
        async with httpx.AsyncClient() as client:
            r = await client.get(f"{self.base}/healthz", timeout=5)
            r.raise_for_status()
            return r.json()

    async def gql(self, query: str, variables: dict[str, Any] | None = None, *,
                  auth: str | None = ADMIN) -> dict[str, Any]:
        """The JSON answer of one GraphQL request over HTTP."""
        headers = {"Authorization": f"Bearer {auth}"} if auth else {}
        async with httpx.AsyncClient() as client:
            r = await client.post(f"{self.base}/graphql", headers=headers, timeout=30,
                                  json={"query": query, "variables": variables or {}})
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()

    async def ok(self, query: str, variables: dict[str, Any] | None = None, *,
                 auth: str | None = ADMIN) -> dict[str, Any]:
        """The data of a request that must succeed, mutation userErrors included."""
        body = await self.gql(query, variables, auth=auth)
        assert not body.get("errors"), body
        for value in body["data"].values():
            if isinstance(value, dict) and "userErrors" in value:
                assert value["userErrors"] == [], value
        return body["data"]

    async def wait_for_subscribers(self, n: int, timeout: float = 10.0) -> None:
        """Until the process's hub has exactly `n` subscribers listening."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (await self.health())["subscribers"] != n:
            assert loop.time() < deadline, await self.health()
            await asyncio.sleep(0.02)

    async def settle(self, timeout: float = 10.0) -> None:
        """Until the process's hub has delivered everything committed so far."""
        head = await log_head(self.database_url)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (await self.health())["eventPosition"] < head:
            assert loop.time() < deadline, (await self.health(), head)
            await asyncio.sleep(0.02)


async def until(check, what: str = "the server", timeout: float = 20.0,
                interval: float = 0.05) -> Any:
    """Call `check` until it returns something truthy, and return that: for
    what the server does in the background (sweeps, consumers, hand-off)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(interval)


async def execute(database_url: str, statement: str, *args: Any) -> None:
    """Run one SQL statement on the server's database (`?` placeholders)."""
    if database_url.startswith("sqlite://"):
        with sqlite3.connect(database_url[len("sqlite://"):]) as conn:
            conn.execute(statement, args)
        return
    import asyncpg

    for i in range(statement.count("?")):
        statement = statement.replace("?", f"${i + 1}", 1)
    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(statement, *args)
    finally:
        await conn.close()


async def log_head(database_url: str) -> int:
    """The newest event id in the server's database."""
    if database_url.startswith("sqlite://"):
        with sqlite3.connect(database_url[len("sqlite://"):]) as conn:
            return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM event_log").fetchone()[0])
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        return int(await conn.fetchval("SELECT COALESCE(MAX(id), 0) FROM event_log"))
    finally:
        await conn.close()


class ServerGroup:
    """Server processes sharing one database (and on PostgreSQL one Redis stream)."""

    def __init__(self) -> None:
        self.database_url = backends.new_database_url("e2e")
        self.stream = f"oms:e2e:{uuid.uuid4().hex}" if backends.IS_PG else None
        self.workdir = Path(tempfile.mkdtemp(prefix="oms-e2e-"))
        self.servers: list[Server] = []

    async def start(self, n: int = 1, env: dict[str, str] | None = None) -> list[Server]:
        # One at a time: each runs the migrations before it listens.
        for _ in range(n):
            self.servers.append(await Server(self.database_url, self.stream, self.workdir,
                                             env=dict(env or {})).start())
        return self.servers

    async def close(self) -> None:
        for s in self.servers:
            s.stop()
        await backends.drop_database(self.database_url)
        if self.stream is not None:
            import redis.asyncio as aioredis

            client = aioredis.from_url(backends.redis_url())
            try:
                await client.delete(self.stream)
            finally:
                await client.aclose()
        shutil.rmtree(self.workdir, ignore_errors=True)


# ---- graphql-transport-ws

class WsError(Exception):
    pass


class Ws:
    """One socket; messages routed per operation id."""

    _ids = itertools.count(1)

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.queues: dict[str, asyncio.Queue] = {}
        self._reader = asyncio.create_task(self._read())
        self.closed: asyncio.Future = asyncio.get_running_loop().create_future()

    @classmethod
    async def open(cls, url: str, auth: str | None = ADMIN, *,
                   payload: Any = None) -> "Ws":
        conn = await connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10)
        init: dict[str, Any] = {"type": "connection_init"}
        if payload is not None:
            init["payload"] = payload
        elif auth is not None:
            init["payload"] = {"Authorization": f"Bearer {auth}"}
        await conn.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(conn.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        return cls(conn)

    async def _read(self) -> None:
        try:
            async for raw in self.conn:
                msg = json.loads(raw)
                if msg.get("type") == "ping":
                    await self.conn.send(json.dumps({"type": "pong"}))
                    continue
                if "id" in msg:
                    self.queues.setdefault(msg["id"], asyncio.Queue()).put_nowait(msg)
        except Exception as exc:  # noqa: BLE001 - reported through `closed`
            if not self.closed.done():
                self.closed.set_result(exc)
            return
        if not self.closed.done():
            self.closed.set_result(None)

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        op_id = f"op{next(self._ids)}"
        self.queues.setdefault(op_id, asyncio.Queue())
        await self.conn.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {
            "query": query, "variables": variables or {}}}))
        return op_id

    async def message(self, op_id: str, timeout: float = 10.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.queues[op_id].get(), timeout)

    async def next(self, op_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The data of the operation's next `next` message."""
        msg = await self.message(op_id, timeout)
        if msg["type"] != "next" or msg["payload"].get("errors"):
            raise WsError(msg)
        return msg["payload"]["data"]

    async def nothing(self, op_id: str, seconds: float = 0.5) -> bool:
        try:
            msg = await asyncio.wait_for(self.queues[op_id].get(), seconds)
        except asyncio.TimeoutError:
            return True
        raise AssertionError(f"unexpected message {msg}")

    async def complete(self, op_id: str) -> None:
        await self.conn.send(json.dumps({"id": op_id, "type": "complete"}))

    async def close(self) -> None:
        await self.conn.close()
        self._reader.cancel()
        try:
            await self._reader
        except (asyncio.CancelledError, Exception):  # noqa: BLE001
            pass


# ---- a shop, set up over HTTP with an admin token

SETUP = [
    ("""mutation { channelCreate(input: {code: "WEB", name: "Web shop", kind: WEB,
        currency: "EUR"}) { channel { code } userErrors { code } } }""", None),
    ("""mutation { locationCreate(input: {code: "WH1", name: "Warehouse", kind: WAREHOUSE,
        address: {line1: "1 Quai", city: "Lyon", postalCode: "69007", country: "FR"}}) {
        location { code } userErrors { code } } }""", None),
    ("""mutation { channelLocationsSet(channel: "WEB", locations: ["WH1"]) {
        channel { code } userErrors { code } } }""", None),
    ("""mutation { productUpsert(input: {sku: "TEE", name: "T-shirt", weightGrams: 180,
        prices: [{channel: "WEB", amount: "19.90"}]}) { product { sku } userErrors { code } } }""",
     None),
    ("""mutation { stockReceive(sku: "TEE", location: "WH1", quantity: 100, reference: "PO-1") {
        stockItem { sku } userErrors { code } } }""", None),
]

PLACE = """mutation($email: String!, $q: Int!) { orderPlace(input: {channel: "WEB", source: WEB,
  customer: {email: $email, name: "E2E"}, lines: [{sku: "TEE", quantity: $q}],
  shippingAddress: {line1: "1 Rue de Rivoli", city: "Paris", postalCode: "75001",
                    country: "FR"}}) {
  order { id number status customer { id } } userErrors { code field message } } }"""
CONFIRM = """mutation($id: ID!) { orderConfirm(id: $id) {
  order { status shipments { id } } userErrors { code } } }"""
_ORDER_STEP = "mutation($id: ID!) { %s { order { status } userErrors { code } } }"
_SHIPMENT_STEP = "mutation($id: ID!) { %s { shipment { status } userErrors { code } } }"
HOLD = _ORDER_STEP % 'orderHold(id: $id, reason: "check")'
RELEASE = _ORDER_STEP % "orderReleaseHold(id: $id)"
CANCEL = _ORDER_STEP % "orderCancel(id: $id)"
PICK = _SHIPMENT_STEP % "shipmentPick(id: $id)"
PACK = _SHIPMENT_STEP % "shipmentPack(id: $id)"
SHIP = _SHIPMENT_STEP % "shipmentShip(id: $id)"
TRACK = """mutation($id: ID!, $s: ShipmentStatus!) { shipmentTrackingRecord(input: {
  shipmentId: $id, status: $s, description: "scan"}) {
  shipment { status } userErrors { code } } }"""

STATUS_SUB = """subscription($id: ID, $after: String) {
  orderStatusChanged(orderId: $id, after: $after) {
    order { id number } fromStatus toStatus at cursor } }"""
SHIPMENT_SUB = """subscription($id: ID!, $after: String) {
  shipmentUpdated(orderId: $id, after: $after) {
    shipment { id } status description occurredAt cursor } }"""


async def setup_shop(server: Server) -> None:
    for query, variables in SETUP:
        await server.ok(query, variables)


async def place(server: Server, email: str = "ann@example.com", quantity: int = 1) -> dict:
    return (await server.ok(PLACE, {"email": email, "q": quantity}))["orderPlace"]["order"]


async def confirm(server: Server, order_id: str) -> str:
    """Confirms; the id of the order's one shipment."""
    data = await server.ok(CONFIRM, {"id": order_id})
    (shipment,) = data["orderConfirm"]["order"]["shipments"]
    return shipment["id"]
