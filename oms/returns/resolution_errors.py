"""Error codes of a return's resolution (returnRefund, returnExchange). A
refusal changes nothing: the return stays RECEIVED.

  REFUND_EXCEEDS_REFUNDABLE  an explicit amount above what is left to refund
                             (captured - refunded on the order)
  REFUND_PENDING             the gateway has not answered the refund (a
                             timeout); the recovery loop resolves it and a
                             retry of returnRefund, under the same key, finishes
                             the return without refunding twice
  NO_GATEWAY_PAYMENT         the order was paid outside this system (no payment
                             of ours to refund through): refund it where it was paid
  EXCHANGE_OUT_OF_STOCK      the replacement order cannot reserve its units

and the shared ones: INVALID (amount <= 0 or with more than 2 decimals, an
exchange on a REFUND return, nothing received to exchange), NOT_FOUND,
DUPLICATE (another amount for a refund already under way or done),
INVALID_TRANSITION (the return is not RECEIVED), CONFLICT, PAYMENT_DECLINED.
"""
from __future__ import annotations

from oms.core.errors import DomainError, ErrorCode


class RefundExceedsRefundable(DomainError):
    code = ErrorCode.REFUND_EXCEEDS_REFUNDABLE


class RefundPending(DomainError):
    code = ErrorCode.REFUND_PENDING


class NoGatewayPayment(DomainError):
    code = ErrorCode.NO_GATEWAY_PAYMENT


class ExchangeOutOfStock(DomainError):
    code = ErrorCode.EXCHANGE_OUT_OF_STOCK

