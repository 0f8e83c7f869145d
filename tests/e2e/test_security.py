"""The edges of the real server: sockets without a valid token are closed
with 4403, only graphql-transport-ws is spoken, and malformed HTTP requests
get a 4xx answer, never a 500 or a stack trace."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from oms.auth import tokens
from oms.auth.tokens import Role

from .harness import ADMIN, SECRET, STATUS_SUB, Ws, token

EXPIRED = tokens.mint(SECRET, role=Role.ADMIN, ttl=timedelta(seconds=-5))
FOREIGN = tokens.mint("another-deployment-secret-123456", role=Role.ADMIN)

BAD_INITS = {
    "no payload": None,
    "empty payload": {},
    "no bearer": {"Authorization": ADMIN},
    "garbage": {"Authorization": "Bearer garbage"},
    "expired": {"Authorization": f"Bearer {EXPIRED}"},
    "other secret": {"Authorization": f"Bearer {FOREIGN}"},
    "not a string": {"Authorization": ["Bearer", ADMIN]},
}


async def _init_and_wait_for_close(url: str, init: dict) -> int:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps(init))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert msg.get("type") != "connection_ack", msg
        return closed.value.rcvd.code


async def test_a_socket_without_a_valid_token_is_closed_with_4403(server):
    for name, payload in BAD_INITS.items():
        init = {"type": "connection_init"}
        if payload is not None:
            init["payload"] = payload
        assert await _init_and_wait_for_close(server.ws_url, init) == 4403, name
    # With a valid token the same socket is acknowledged and works.
    ws = await Ws.open(server.ws_url, token(Role.ANALYST))
    try:
        op = await ws.subscribe(STATUS_SUB, {})
        await server.wait_for_subscribers(1)
        assert await ws.nothing(op, 0.2)
    finally:
        await ws.close()
    await server.wait_for_subscribers(0)


async def test_subscribing_before_init_is_refused(server):
    async with connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": STATUS_SUB}}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd.code == 4401


async def test_only_graphql_transport_ws_is_spoken(server):
    # The legacy subscriptions-transport-ws protocol (with its auth holes) is not offered.
    with pytest.raises((InvalidStatus, ConnectionClosed)) as refused:
        async with connect(server.ws_url, subprotocols=["graphql-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            await asyncio.wait_for(ws.recv(), 10)
    if isinstance(refused.value, ConnectionClosed):
        assert refused.value.rcvd is None or refused.value.rcvd.code >= 4000


async def test_a_cross_origin_socket_is_refused(server):
    with pytest.raises(InvalidStatus) as refused:
        async with connect(server.ws_url, subprotocols=["graphql-transport-ws"],
                           origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403


MALFORMED = [
    ("application/json", b"{not json"),
    ("application/json", b""),
    ("application/json", b"\xff\xfe\x00"),
    ("application/json", b'"just a string"'),
    ("application/json", b"null"),
    ("application/json", b"42"),
    ("application/json", b"true"),
    ("application/json", b"[]"),
    ("application/json", b'[{"query": "{ orders { totalCount } }"}]'),
    ("application/json", b"{}"),
    ("application/json", b'{"query": 5}'),
    ("application/json", b'{"query": null}'),
    ("application/json", b'{"query": "{ orders { totalCount } }", "variables": 7}'),
    ("application/json", b'{"query": "{ orders { totalCount } }", "variables": "x"}'),
    ("application/json", b'{"query": "{ orders { totalCount } }", "extensions": []}'),
    ("application/json", b'{"query": "{ orders { totalCount } }", "operationName": 5}'),
    ("application/json", b'{"query": "{ orders { totalCount } }", "operationName": "Nope"}'),
    ("text/plain", b"{ orders { totalCount } }"),
    ("application/x-www-form-urlencoded", b"query=%7B%7D"),
    ("multipart/form-data; boundary=x", b"--x\r\n\r\n--x--"),
]


@pytest.mark.parametrize("auth", [None, ADMIN])
async def test_a_malformed_http_request_is_a_client_error(server, auth):
    headers = {"Authorization": f"Bearer {auth}"} if auth else {}
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        for content_type, body in MALFORMED:
            r = await client.post("/graphql", content=body,
                                  headers={**headers, "Content-Type": content_type})
            assert 400 <= r.status_code < 500, (content_type, body, r.status_code, r.text)
            assert "Traceback" not in r.text and "File \"" not in r.text
        for params in ({"query": "{ orders { totalCount } }", "variables": "[1"},
                       {"query": "{ orders { totalCount } }", "variables": "5"},
                       {"query": 'mutation { orderCancel(id: "x") { userErrors { code } } }'},
                       {"nothing": "here"}):
            r = await client.get("/graphql", params=params,
                                 headers={**headers, "Accept": "application/json"})
            assert 400 <= r.status_code < 500, (params, r.status_code, r.text)
        r = await client.put("/graphql", content=b"{}", headers=headers)
        assert 400 <= r.status_code < 500
    assert "Internal Server Error" not in server.log()


async def test_graphql_errors_are_answered_without_internals(server):
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        # A syntax error in a well-formed request is a GraphQL error, not a crash.
        r = await client.post("/graphql", json={"query": "{ orders { "},
                              headers={"Authorization": f"Bearer {ADMIN}"})
        assert r.status_code in (200, 400)
        assert r.json()["errors"][0]["message"].startswith("Syntax Error")
        # No token over HTTP: an UNAUTHENTICATED GraphQL error.
        r = await client.post("/graphql", json={"query": "{ orders { totalCount } }"})
        assert r.status_code == 200
        body = r.json()
        assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
        r = await client.post("/graphql", json={"query": "{ orders { totalCount } }"},
                              headers={"Authorization": "Bearer not-a-token"})
        assert r.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
        # Limits apply over HTTP.
        deep = "{" + " orders { edges { node { customer {" * 4 + " id" + " } } } }" * 4 + " }"
        r = await client.post("/graphql", json={"query": deep},
                              headers={"Authorization": f"Bearer {ADMIN}"})
        assert r.status_code in (200, 400)
        assert "exceeds maximum operation depth" in r.json()["errors"][0]["message"]
        for text in (r.text, body.__repr__()):
            assert "Traceback" not in text
