"""The gateway registry: one instance per gateway code per process, made on
first use (nothing at import time).

The built-in gateways stand in for a remote processor: their book is in the
database (oms.payments.book), so an authorisation made through one server
process is captured by another's consumer, and survives a restart. An
instance holds no money state, only its process's test controls.
"""
from __future__ import annotations

from typing import Callable

from oms.core.errors import NotFound

from .gateway import PaymentGateway
from .manual import ManualGateway
from .testing_gateway import TestGateway

_FACTORIES: dict[str, Callable[[], PaymentGateway]] = {
    TestGateway.code: TestGateway,
    ManualGateway.code: ManualGateway,
}
_instances: dict[str, PaymentGateway] = {}

# Gateways whose money is taken per shipment as it ships. The others (manual)
# are marked as paid by staff when the money arrives.
CAPTURE_ON_SHIPMENT = frozenset({TestGateway.code})


def gateway_codes() -> list[str]:
    return sorted(_FACTORIES)


def get_gateway(code: str) -> PaymentGateway:
    factory = _FACTORIES.get(code) if isinstance(code, str) else None
    if factory is None:
        raise NotFound(f"unknown payment gateway {code!r}", field=["payment", "gateway"])
    if code not in _instances:
        _instances[code] = factory()
    return _instances[code]


def reset() -> None:
    """Forget every instance and its test controls. The book itself is in the
    database: tests empty its tables with the others (tests/conftest.py)."""
    _instances.clear()
