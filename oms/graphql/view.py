"""The Strawberry ASGI view: typed context, bearer auth over HTTP and in the
WebSocket connection_init payload, graphql-transport-ws only."""
from __future__ import annotations

from typing import Any

from cross_web import HTTPException  # what strawberry raises for a 4xx
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from oms.auth import tokens
from oms.events.hub import Hub

from .context import Context


class OmsGraphQL(GraphQL):
    def __init__(self, schema, *, hub_getter, jwt_secret: str, graphiql: bool,
                 allowed_origins: list[str]) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None,
                         subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                         allowed_origins=allowed_origins, max_subscriptions_per_connection=50)
        self._hub_getter = hub_getter
        self._secret = jwt_secret

    def parse_json(self, data: str | bytes) -> Any:
        # Strawberry only turns JSONDecodeError into a 400, and calls .get() on
        # whatever the body decodes to: bytes that are not text, or a JSON
        # string, number or null, would be unhandled errors (500).
        try:
            parsed = super().parse_json(data)
        except UnicodeDecodeError:
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        if not isinstance(parsed, (dict, list)):
            raise HTTPException(400, "Expected a JSON object")
        return parsed

    async def get_context(self, request: Request | WebSocket,
                          response: Response | WebSocket) -> Context:
        hub: Hub | None = self._hub_getter()
        ctx = Context(request=request, response=response, hub=hub, jwt_secret=self._secret)
        if isinstance(request, Request):
            try:
                ctx.actor = tokens.from_header(self._secret, request.headers.get("authorization"))
            except tokens.InvalidToken:
                ctx.auth_error = "invalid or expired token"
        return ctx

    async def on_ws_connect(self, context: Context) -> Any:
        params = context.connection_params or {}
        header = None
        if isinstance(params, dict):
            header = params.get("Authorization") or params.get("authorization")
        try:
            actor = tokens.from_header(self._secret, header if isinstance(header, str) else None)
        except tokens.InvalidToken:
            actor = None
        if actor is None:
            raise ConnectionRejectionError({"message": "a valid bearer token is required"})
        context.actor = actor
        return None
