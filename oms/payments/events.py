"""Payment events, as recorded in the event log: ids, amounts and statuses
only (no card token, no personal data)."""
from __future__ import annotations

from decimal import Decimal

from oms.events.record import Event

PAYMENT_UPDATED = "PaymentUpdated"


def payment_updated(*, order_id: int, customer_id: int, channel: str, payment_id: int,
                    transaction_id: int, kind: str, transaction_status: str,
                    amount: Decimal, payment_status: str, shipment_id: int | None) -> Event:
    return Event(type=PAYMENT_UPDATED, order_id=order_id, customer_id=customer_id,
                 channel=channel,
                 payload={"payment_id": payment_id, "transaction_id": transaction_id,
                          "kind": kind, "transaction_status": transaction_status,
                          "amount": str(amount), "payment_status": payment_status,
                          "shipment_id": shipment_id})
