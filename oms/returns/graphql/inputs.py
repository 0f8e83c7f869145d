"""GraphQL inputs of returns."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from oms.fulfillment.graphql.types import ShipmentStatus

from .types import ItemCondition, ReturnReason, ReturnResolution, ReturnShippingPayer, \
    ReturnStatus


@strawberry.input
class ReturnPolicyInput:
    window_days: int = 30
    final_sale_skus: list[str] = strawberry.field(default_factory=list)
    return_shipping_payer: ReturnShippingPayer = ReturnShippingPayer.MERCHANT  # type: ignore
    return_shipping_fee: Decimal = Decimal("0")
    refund_original_shipping: bool = False
    return_location: str | None = strawberry.field(
        default=None, description="A location code; null: the location that shipped the "
                                  "first returned line.")
    carrier: str | None = None
    service: str | None = None


@strawberry.input
class ReturnLineInput:
    order_line_id: strawberry.ID
    quantity: int
    reason: ReturnReason  # type: ignore[valid-type]
    exchange_sku: str | None = strawberry.field(
        default=None, description="For an EXCHANGE: the SKU to send instead (another size); "
                                  "null: the same SKU.")


@strawberry.input
class ReturnRequestInput:
    order_id: strawberry.ID
    lines: list[ReturnLineInput]
    resolution: ReturnResolution  # type: ignore[valid-type]
    comment: str | None = None


@strawberry.input
class ReturnReceiveLineInput:
    order_line_id: strawberry.ID
    quantity: int
    condition: ItemCondition  # type: ignore[valid-type]


@strawberry.input
class ReturnTrackingInput:
    return_id: strawberry.ID | None = None
    tracking_number: str | None = None
    status: ShipmentStatus  # type: ignore[valid-type]
    description: str | None = None
    location: str | None = None
    occurred_at: datetime | None = None
    estimated_delivery: datetime | None = None
    event_id: str | None = strawberry.field(
        default=None, description="The scan's id at its source: the same id twice is "
                                  "recorded once.")


@strawberry.input
class ReturnFilterInput:
    status: list[ReturnStatus] | None = None  # type: ignore[valid-type]
    order_id: strawberry.ID | None = None
    channel: str | None = None
