"""The gateway registry: one instance per gateway code per process, made on
first use (nothing at import time).

The built-in gateways keep their book in this process's memory, standing in
for a remote processor: an authorisation made at placement must still be
there to capture when the shipment ships, so the instance lives as long as
the process. A deployment of several processes needs a real gateway (whose
book is shared, at the processor), not these.
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
    """Forget every instance and its book (tests: a fresh 'remote processor')."""
    _instances.clear()
