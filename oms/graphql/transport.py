"""Subscriptions are served over WebSocket only: over plain HTTP they are
refused with a clear error instead of an empty, masked result."""
from __future__ import annotations

from typing import Iterator

from graphql import GraphQLError
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from .errors import GqlCode


class SubscriptionsOverWebSocketOnly(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        # Before the yield: errors set here end the request. Listed after
        # ValidationCache, which overwrites pre_execution_errors.
        ec = self.execution_context
        request = getattr(ec.context, "request", None)
        if (request is not None and not isinstance(request, WebSocket)
                and ec.operation_type is OperationType.SUBSCRIPTION):
            ec.pre_execution_errors = [*(ec.pre_execution_errors or []), GraphQLError(
                "subscriptions are served over WebSocket (graphql-transport-ws) at /graphql",
                extensions={"code": GqlCode.BAD_USER_INPUT.value})]
        yield
