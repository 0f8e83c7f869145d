"""A payment's statuses at the gateway and the one table that moves them.
Pure: no I/O.

Captures and refunds are partial and repeatable (one capture per shipment,
several refunds), so they leave the status where it is; how much may still
be captured or refunded is a sum the ledger checks, not a status.
"""
from __future__ import annotations

from decimal import Decimal
from enum import Enum

from oms.core.statemachine import TransitionTable


class PaymentStatus(str, Enum):
    AUTHORIZED = "AUTHORIZED"  # money reserved, nothing taken yet
    DECLINED = "DECLINED"      # the gateway said no; nothing can follow
    CAPTURED = "CAPTURED"      # at least part of the authorisation was taken
    VOIDED = "VOIDED"          # released before anything was taken


class PaymentAction(str, Enum):
    CAPTURE = "CAPTURE"
    VOID = "VOID"
    REFUND = "REFUND"


S, A = PaymentStatus, PaymentAction

PAYMENT_TRANSITIONS = TransitionTable[PaymentStatus, PaymentAction]("payment", {
    (S.AUTHORIZED, A.CAPTURE): S.CAPTURED,
    (S.AUTHORIZED, A.VOID): S.VOIDED,
    (S.CAPTURED, A.CAPTURE): S.CAPTURED,
    (S.CAPTURED, A.REFUND): S.CAPTURED,
})


# ---- our record of an order's payment --------------------------------------
#
# The table above is the gateway's book. This one moves the status we keep on
# our Payment row and show as the order's paymentStatus. It has more states
# because it says how the money stands for the customer (refunded in part or
# in full), and PENDING / FAILED for an authorisation not answered yet or
# declined, which the gateway's book never holds.

class RecordStatus(str, Enum):
    """The API's PaymentStatus, value for value."""

    PENDING = "PENDING"
    AUTHORIZED = "AUTHORIZED"
    CAPTURED = "CAPTURED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"
    FAILED = "FAILED"


class RecordAction(str, Enum):
    APPROVE = "APPROVE"          # the authorisation was approved
    DECLINE = "DECLINE"          # the authorisation was declined
    CAPTURE = "CAPTURE"
    VOID = "VOID"
    REFUND_PART = "REFUND_PART"  # something captured is still kept
    REFUND_ALL = "REFUND_ALL"    # everything captured so far is given back


R, RA = RecordStatus, RecordAction

RECORD_TRANSITIONS = TransitionTable[RecordStatus, RecordAction]("payment", {
    (R.PENDING, RA.APPROVE): R.AUTHORIZED,
    (R.PENDING, RA.DECLINE): R.FAILED,
    (R.AUTHORIZED, RA.CAPTURE): R.CAPTURED,
    (R.AUTHORIZED, RA.VOID): R.VOIDED,
    (R.CAPTURED, RA.CAPTURE): R.CAPTURED,
    (R.CAPTURED, RA.REFUND_PART): R.PARTIALLY_REFUNDED,
    (R.CAPTURED, RA.REFUND_ALL): R.REFUNDED,
    (R.PARTIALLY_REFUNDED, RA.CAPTURE): R.PARTIALLY_REFUNDED,
    (R.PARTIALLY_REFUNDED, RA.REFUND_PART): R.PARTIALLY_REFUNDED,
    (R.PARTIALLY_REFUNDED, RA.REFUND_ALL): R.REFUNDED,
    # A later shipment captured after all of an earlier one was refunded.
    (R.REFUNDED, RA.CAPTURE): R.PARTIALLY_REFUNDED,
})

# Statuses a capture (a shipment shipping, a manual payment) may follow.
CAPTURABLE = frozenset({R.AUTHORIZED, R.CAPTURED, R.PARTIALLY_REFUNDED, R.REFUNDED})


def refund_action(*, captured: Decimal, refunded_after: Decimal) -> RecordAction:
    """REFUND_ALL when the refund leaves nothing captured kept."""
    return RA.REFUND_ALL if refunded_after >= captured else RA.REFUND_PART
