"""A payment's statuses at the gateway and the one table that moves them.
Pure: no I/O.

Captures and refunds are partial and repeatable (one capture per shipment,
several refunds), so they leave the status where it is; how much may still
be captured or refunded is a sum the ledger checks, not a status.
"""
from __future__ import annotations

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
