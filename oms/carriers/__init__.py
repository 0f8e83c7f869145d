"""Carriers: rates, labels and tracking numbers behind one interface."""
from __future__ import annotations

from oms.core.errors import NotFound

from .base import Address, Carrier, Parcel, Rate, Service
from .builtin import OmsPost

__all__ = ["Address", "Carrier", "Parcel", "Rate", "Service", "OmsPost", "get_carrier",
           "carrier_codes"]

# Factories rather than instances: a carrier may later hold per-request
# configuration (credentials, a client), and nothing is built at import time.
_REGISTRY: dict[str, type] = {OmsPost.code: OmsPost}


def carrier_codes() -> list[str]:
    return sorted(_REGISTRY)


def get_carrier(code: str) -> Carrier:
    factory = _REGISTRY.get(code) if isinstance(code, str) else None
    if factory is None:
        raise NotFound(f"unknown carrier {code!r}", field="carrier")
    return factory()
