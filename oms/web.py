"""Plumbing shared by the HTTP routes beside /graphql (shipment documents,
carrier and partner webhooks): bodies read up to a limit, and errors as
JSON {"code", "message", "field"} with the same codes as userErrors."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oms.auth import tokens
from oms.auth.tokens import Actor
from oms.core.errors import DomainError

UNAUTHENTICATED = "UNAUTHENTICATED"


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None once it passes `limit` bytes (read no further)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def error(status: int, code: str, message: str, *, field: str | None = None,
          headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "field": field},
                        status_code=status, headers=headers)


def domain_error(status: int, exc: DomainError) -> JSONResponse:
    return error(status, exc.code.value, exc.message,
                 field=".".join(exc.field) if exc.field else None)


def bearer_actor(jwt_secret: str, request: Request) -> Actor | None:
    """Who the request's bearer token names; None without a valid one."""
    try:
        return tokens.from_header(jwt_secret, request.headers.get("authorization"))
    except tokens.InvalidToken:
        return None


def token_required() -> JSONResponse:
    return error(401, UNAUTHENTICATED, "a valid bearer token is required",
                 headers={"WWW-Authenticate": "Bearer"})


def private_pdf(content: bytes, content_type: str, filename: str) -> Response:
    """A document with personal data (addresses) on it: shown inline, never
    kept by shared caches."""
    return Response(content, media_type=content_type, headers={
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "private, no-store"})
