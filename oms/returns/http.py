"""The return label at its URL beside /graphql.

GET /documents/returns/{return id}/label
    Authorization: Bearer <JWT> (the same tokens as /graphql). 401 without or
    with a bad token; 404 for an unknown return, a customer's foreign one and
    a return without a label; else 200 application/pdf. Staff, admin and
    analysts read every return's label, a customer those of their own orders.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from oms.auth.tokens import Actor, Role
from oms.core import ids
from oms.core.errors import DomainError, NotFound
from oms.settings import Settings
from oms.web import bearer_actor, domain_error, private_pdf, token_required

from .labels import LABEL
from .models import ReturnDocument
from .service import get_return

READERS = frozenset({Role.ADMIN, Role.STAFF, Role.ANALYST})


async def read_label(return_id: int | None, *, actor: Actor) -> ReturnDocument:
    """The label for this caller; anything they may not see is NOT_FOUND."""
    if actor.role not in READERS and actor.role is not Role.CUSTOMER:
        raise NotFound("no such document", field="id")
    as_customer = actor.customer_id if actor.role is Role.CUSTOMER else None
    try:
        ret = await get_return(return_id or 0, as_customer=as_customer)
    except NotFound:
        raise NotFound("no such document", field="id") from None
    document = await ReturnDocument.get_or_none(ret_id=ret.id, kind=LABEL)
    if document is None:
        raise NotFound("no such document", field="id")
    return document


def routes(settings: Settings) -> list[BaseRoute]:
    jwt_secret = settings.resolved_jwt_secret()

    async def label(request: Request) -> Response:
        actor = bearer_actor(jwt_secret, request)
        if actor is None:
            return token_required()
        try:
            doc = await read_label(ids.decode("Return", request.path_params["ret"]),
                                   actor=actor)
        except DomainError as exc:
            return domain_error(404, exc)
        return private_pdf(bytes(doc.content), doc.content_type, "return-label.pdf")

    return [Route("/documents/returns/{ret}/label", label, methods=["GET"])]
