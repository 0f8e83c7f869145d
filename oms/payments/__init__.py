"""Payments: authorise at placement, capture per shipment, void on cancel,
refund up to what was captured, behind one gateway interface.

`get_gateway(code)` is how services reach a gateway. Each gateway is one
instance per process, created on first use (nothing at import time), because
an authorisation made at placement must still be there to capture when the
shipment ships.
"""
from __future__ import annotations

from typing import Callable

from oms.core.errors import NotFound

from .gateway import (GatewayResult, GatewayTimeout, PaymentDeclined, PaymentGateway,
                      ResultStatus)
from .manual import ManualGateway
from .retry import OutcomeUnknown, call_once
from .testing_gateway import TestGateway

__all__ = ["GatewayResult", "GatewayTimeout", "ManualGateway", "OutcomeUnknown",
           "PaymentDeclined", "PaymentGateway", "ResultStatus", "TestGateway", "call_once",
           "gateway_codes", "get_gateway"]

_FACTORIES: dict[str, Callable[[], PaymentGateway]] = {
    TestGateway.code: TestGateway,
    ManualGateway.code: ManualGateway,
}
_instances: dict[str, PaymentGateway] = {}


def gateway_codes() -> list[str]:
    return sorted(_FACTORIES)


def get_gateway(code: str) -> PaymentGateway:
    factory = _FACTORIES.get(code) if isinstance(code, str) else None
    if factory is None:
        raise NotFound(f"unknown payment gateway {code!r}", field=["payment", "gateway"])
    if code not in _instances:
        _instances[code] = factory()
    return _instances[code]
