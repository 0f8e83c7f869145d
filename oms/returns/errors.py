"""The returns domain's error codes. Every refusal changes nothing.

Codes of their own (in oms.core.errors.ErrorCode, so they reach clients as
userErrors codes):

  NOT_DELIVERED                a line has no delivered units yet
  RETURN_WINDOW_CLOSED         the policy's window from the line's delivery has passed
  FINAL_SALE                   the line's SKU is final sale in the channel's policy
  QUANTITY_EXCEEDS_RETURNABLE  more units than delivered minus those already in returns
  RECEIPT_QUANTITY_MISMATCH    returnReceive does not account for every expected unit

and the shared ones: INVALID (bad input: quantity <= 0, an empty list, an
exchangeSku on a REFUND, a negative fee...), NOT_FOUND (an unknown or
foreign order, return, order line, location, channel, SKU or carrier),
DUPLICATE (the same order line twice in one request), INVALID_TRANSITION
(the return's status does not allow it), CONFLICT (changed meanwhile).
"""
from __future__ import annotations

from oms.core.errors import DomainError, ErrorCode


class NotDelivered(DomainError):
    code = ErrorCode.NOT_DELIVERED


class ReturnWindowClosed(DomainError):
    code = ErrorCode.RETURN_WINDOW_CLOSED


class FinalSale(DomainError):
    code = ErrorCode.FINAL_SALE


class QuantityExceedsReturnable(DomainError):
    code = ErrorCode.QUANTITY_EXCEEDS_RETURNABLE


class ReceiptQuantityMismatch(DomainError):
    code = ErrorCode.RECEIPT_QUANTITY_MISMATCH

