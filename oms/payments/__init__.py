"""Payments: authorise at placement, capture per shipment, void on cancel,
refund up to what was captured, behind one gateway interface.

`get_gateway(code)` is how services reach a gateway (oms.payments.gateways:
one instance per process). Use cases are in `service`, the receivables
ledger in `receivables`, the event-log consumer in `consumer`.
"""
from __future__ import annotations

from .gateway import (GatewayResult, GatewayTimeout, PaymentDeclined, PaymentGateway,
                      ResultStatus)
from .gateways import gateway_codes, get_gateway
from .manual import ManualGateway
from .retry import OutcomeUnknown, call_once
from .testing_gateway import TestGateway

__all__ = ["GatewayResult", "GatewayTimeout", "ManualGateway", "OutcomeUnknown",
           "PaymentDeclined", "PaymentGateway", "ResultStatus", "TestGateway", "call_once",
           "gateway_codes", "get_gateway"]
