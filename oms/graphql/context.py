"""The typed context every resolver gets, and the permission checks on it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as _Info

from oms.auth.tokens import Actor, Role
from oms.events.hub import Hub

from .errors import GqlCode, gql_error
from .loaders import Loaders


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    hub: Hub | None
    jwt_secret: str
    actor: Actor | None = None
    auth_error: str | None = None
    connection_params: dict[str, Any] | None = None
    loaders: Loaders = field(default_factory=Loaders)


Info = _Info[Context, None]

READERS = (Role.ADMIN, Role.STAFF, Role.ANALYST)
OPERATORS = (Role.ADMIN, Role.STAFF)
SETUP = (Role.ADMIN,)


def require(info: Info, *roles: Role) -> Actor:
    """The caller, if authenticated and in one of `roles`; else a GraphQL error."""
    ctx = info.context
    if ctx.actor is None:
        raise gql_error(ctx.auth_error or "authentication required", GqlCode.UNAUTHENTICATED)
    if roles and ctx.actor.role not in roles:
        raise gql_error("not allowed for your role", GqlCode.FORBIDDEN)
    return ctx.actor


def customer_scope(actor: Actor) -> int | None:
    """The only customer whose data this actor may see, or None for staff."""
    return actor.customer_id if actor.role is Role.CUSTOMER else None
