"""Return statuses, reasons and conditions, and the return transition table.
Pure: no I/O.

REQUESTED --approve--> APPROVED --scan--> IN_TRANSIT --receive--> RECEIVED
RECEIVED --refund--> REFUNDED, RECEIVED --exchange--> EXCHANGED;
REQUESTED --reject--> REJECTED. A parcel that reaches the warehouse with no
scan on the way is received straight from APPROVED. CLOSED ends a return with
nothing (more) to resolve: a request withdrawn before the parcel moved, or a
received parcel whose units were all missing.
"""
from __future__ import annotations

from enum import Enum

from oms.core.statemachine import TransitionTable


class ReturnStatus(str, Enum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    IN_TRANSIT = "IN_TRANSIT"
    RECEIVED = "RECEIVED"
    REFUNDED = "REFUNDED"
    EXCHANGED = "EXCHANGED"
    CLOSED = "CLOSED"


class ReturnAction(str, Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    SCAN = "SCAN"          # a carrier scan of the return parcel on its way back
    RECEIVE = "RECEIVE"
    REFUND = "REFUND"
    EXCHANGE = "EXCHANGE"
    CLOSE = "CLOSE"


class ReturnResolution(str, Enum):
    REFUND = "REFUND"
    EXCHANGE = "EXCHANGE"


class ReturnReason(str, Enum):
    """The fixed list a customer or staff picks from (free text goes in a comment)."""

    DAMAGED_IN_TRANSIT = "DAMAGED_IN_TRANSIT"
    DEFECTIVE = "DEFECTIVE"
    WRONG_ITEM = "WRONG_ITEM"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    TOO_SMALL = "TOO_SMALL"
    TOO_LARGE = "TOO_LARGE"
    ARRIVED_LATE = "ARRIVED_LATE"
    CHANGED_MIND = "CHANGED_MIND"
    OTHER = "OTHER"


class ItemCondition(str, Enum):
    """What inspection found for each unit that was expected back."""

    RESALABLE = "RESALABLE"   # back into the chosen location's sellable stock
    DAMAGED = "DAMAGED"       # on hand at the location, counted as damaged
    MISSING = "MISSING"       # not in the parcel


class ReturnShippingPayer(str, Enum):
    """Who pays for the return label: the merchant, or the customer (its fee
    is taken off the refund)."""

    MERCHANT = "MERCHANT"
    CUSTOMER = "CUSTOMER"


S, A = ReturnStatus, ReturnAction

RETURN_TRANSITIONS = TransitionTable[ReturnStatus, ReturnAction]("return", {
    (S.REQUESTED, A.APPROVE): S.APPROVED,
    (S.REQUESTED, A.REJECT): S.REJECTED,
    (S.REQUESTED, A.CLOSE): S.CLOSED,
    (S.APPROVED, A.SCAN): S.IN_TRANSIT,
    (S.IN_TRANSIT, A.SCAN): S.IN_TRANSIT,
    (S.APPROVED, A.RECEIVE): S.RECEIVED,
    (S.IN_TRANSIT, A.RECEIVE): S.RECEIVED,
    (S.APPROVED, A.CLOSE): S.CLOSED,
    (S.RECEIVED, A.REFUND): S.REFUNDED,
    (S.RECEIVED, A.EXCHANGE): S.EXCHANGED,
    (S.RECEIVED, A.CLOSE): S.CLOSED,
})


def next_status(status: ReturnStatus, action: ReturnAction) -> ReturnStatus:
    return RETURN_TRANSITIONS.next_status(status, action)
