"""How failures reach clients: DomainErrors become userErrors in payloads;
authentication and permission failures are GraphQL errors with a code."""
from __future__ import annotations

from enum import Enum
from typing import Awaitable, Callable, TypeVar

import strawberry
from graphql import GraphQLError

from oms.core.errors import DomainError, ErrorCode as _Code, ValidationErrors

ErrorCode = strawberry.enum(_Code, name="ErrorCode")

T = TypeVar("T")


@strawberry.type
class UserError:
    code: ErrorCode
    field: list[str] | None
    message: str

    @classmethod
    def of(cls, exc: DomainError) -> "UserError":
        return cls(code=exc.code, field=exc.field, message=exc.message)


def user_errors(exc: DomainError) -> list[UserError]:
    if isinstance(exc, ValidationErrors):
        return [UserError.of(e) for e in exc.errors]
    return [UserError.of(exc)]


async def attempt(call: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Run a use case; expected failures come back as userErrors."""
    try:
        return await call(), []
    except DomainError as exc:
        return None, user_errors(exc)


class GqlCode(str, Enum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"


def gql_error(message: str, code: GqlCode) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value})


def should_mask(error: GraphQLError) -> bool:
    """Keep errors we raised on purpose (they carry a code) and GraphQL's own
    validation errors, including a variable value its type cannot hold
    (graphql-core reports those before execution, so without a path); mask
    everything unexpected."""
    original = error.original_error
    if original is None:
        return False
    if isinstance(original, GraphQLError):
        if error.path is None and original.path is None:
            return False  # the request's variables, refused before anything ran
        return not (original.extensions or {}).get("code")
    return True
