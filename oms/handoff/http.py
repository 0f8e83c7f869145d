"""The partners' signed webhook. The handler only translates between HTTP and
the use case (oms.handoff.inbound).

POST /webhooks/partners/{location code}
    Signed with oms.core.signing by the location's endpoint secret.
    404 unknown location or one without a secret; 413 body over 64 KB; 401
    unsigned, bad signature or stale timestamp; 400 a body we cannot read;
    404 a shipment that is not this location's; 409 a replayed message id;
    422 a message the shipment cannot take (nothing is kept, so it may be
    fixed and sent again). Errors are {"code", "message", "field"}.
    200 {"applied", "shipmentId", "status"}: applied is false when the
    message changed nothing (the shipment was already there).
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from oms.catalog.models import Location
from oms.core import ids, signing
from oms.core.errors import DomainError, ErrorCode, Forbidden
from oms.core.validation import CODE_RE
from oms.web import UNAUTHENTICATED, domain_error, error, read_limited

from . import inbound
from .messages import parse_message

MAX_BODY = 64 * 1024


def routes() -> list[BaseRoute]:
    return [Route("/webhooks/partners/{location}", partner_webhook, methods=["POST"])]


async def partner_webhook(request: Request) -> Response:
    code = request.path_params["location"]
    location = await Location.get_or_none(code=code) if CODE_RE.match(code) else None
    if location is None or not location.endpoint_secret:
        return error(404, ErrorCode.NOT_FOUND.value, "unknown partner location",
                      field="location")
    body = await read_limited(request, MAX_BODY)
    if body is None:
        return error(413, ErrorCode.INVALID.value, f"the body is larger than {MAX_BODY} bytes",
                      field="body")
    try:
        message_id = signing.verify(location.endpoint_secret, request.headers, body)
    except Forbidden as exc:
        return error(401, UNAUTHENTICATED, exc.message, field="signature")
    try:
        message = parse_message(body)
    except DomainError as exc:
        return domain_error(400, exc)
    try:
        result = await inbound.receive(location=location, message_id=message_id,
                                       message=message)
    except inbound.Replayed as exc:
        return domain_error(409, exc)
    except DomainError as exc:
        return domain_error(404 if exc.code is ErrorCode.NOT_FOUND else 422, exc)
    return JSONResponse({"applied": result.applied,
                         "shipmentId": ids.encode("Shipment", result.shipment.id),
                         "status": result.shipment.status})
