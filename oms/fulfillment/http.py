"""Fulfilment's HTTP routes beside /graphql: shipment documents at their URL
and the carriers' signed tracking webhook. Handlers only translate between
HTTP and the use cases (oms.fulfillment.documents, .tracking).

GET /documents/shipments/{shipment id}/label.pdf | packing-slip.pdf
    Authorization: Bearer <JWT> (the same tokens as /graphql). 401 without or
    with a bad token; 404 for an unknown shipment, a customer's foreign one
    and a shipment without that document; else 200 application/pdf.

POST /webhooks/carriers/{carrier}
    Signed with oms.core.signing by the carrier's secret
    (OMS_CARRIER_WEBHOOK_SECRETS). 404 unknown carrier or no secret, 413 body
    over 64 KB, 401 unsigned / bad signature / stale, 400 bad body, 404
    unknown tracking number, 409 replayed message id or a scan the shipment
    cannot take; 200 {"shipmentId", "status", "applied"} where applied is
    false for a scan already recorded (a carrier's retry); for a return
    parcel's number (no shipment has it): 200 {"returnId", "status", "applied"}.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from oms import carriers
from oms.carriers.webhooks import parse_scan
from oms.core import ids, signing
from oms.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from oms.settings import Settings
from oms.web import (UNAUTHENTICATED, bearer_actor, domain_error, error, private_pdf,
                     read_limited, token_required)

from . import documents, tracking
from .labels import FILE_NAMES

MAX_WEBHOOK_BODY = 64 * 1024
_KIND_OF_FILE = {name: kind for kind, name in FILE_NAMES.items()}
_STATUS_OF = {ErrorCode.INVALID: 400, ErrorCode.NOT_FOUND: 404, ErrorCode.FORBIDDEN: 403,
              ErrorCode.INVALID_TRANSITION: 409, ErrorCode.CONFLICT: 409}


def routes(settings: Settings) -> list[BaseRoute]:
    jwt_secret = settings.resolved_jwt_secret()
    webhook_secrets = dict(settings.carrier_webhook_secrets)

    async def document(request: Request) -> Response:
        actor = bearer_actor(jwt_secret, request)
        if actor is None:
            return token_required()
        kind = _KIND_OF_FILE.get(request.path_params["name"])
        shipment_id = ids.decode("Shipment", request.path_params["shipment"])
        try:
            if kind is None:
                raise NotFound("no such document", field="id")
            doc = await documents.read_document(shipment_id, kind, actor=actor)
        except DomainError as exc:
            return _domain_error(exc)
        return private_pdf(bytes(doc.content), doc.content_type, request.path_params["name"])

    async def carrier_webhook(request: Request) -> Response:
        code = request.path_params["carrier"]
        secret = webhook_secrets.get(code)
        if not secret or code not in carriers.carrier_codes():
            return error(404, ErrorCode.NOT_FOUND.value, "unknown carrier", field="carrier")
        body = await read_limited(request, MAX_WEBHOOK_BODY)
        if body is None:
            return error(413, ErrorCode.INVALID.value,
                          f"the body is larger than {MAX_WEBHOOK_BODY} bytes", field="body")
        try:
            message_id = signing.verify(secret, request.headers, body)
        except Forbidden as exc:
            return error(401, UNAUTHENTICATED, exc.message, field="signature")
        try:
            scan = parse_scan(body)
            result = await tracking.receive_carrier_scan(carrier=code, message_id=message_id,
                                                         scan=scan)
        except DomainError as exc:
            return _domain_error(exc)
        if isinstance(result, tracking.ScanResult):
            return JSONResponse({"shipmentId": ids.encode("Shipment", result.shipment.id),
                                 "status": result.shipment.status, "applied": result.applied})
        # A return parcel's number (oms.returns.tracking).
        return JSONResponse({"returnId": ids.encode("Return", result.ret.id),
                             "status": result.ret.status, "applied": result.applied})

    return [
        Route("/documents/shipments/{shipment}/{name}", document, methods=["GET"]),
        Route("/webhooks/carriers/{carrier}", carrier_webhook, methods=["POST"]),
    ]


def _domain_error(exc: DomainError) -> JSONResponse:
    return domain_error(_STATUS_OF.get(exc.code, 400), exc)
