"""An order request's fingerprint (kept as request_hash to tell a replay
from another request under the same idempotency key) stays the hash of the
JSON of dataclasses.asdict, as orders already stored were hashed, and only
the idempotency key is left out of it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from datetime import datetime, timezone
from decimal import Decimal

from oms.orders.intake import CustomerInput, LineInput, PlaceOrder

CMD = PlaceOrder(
    channel="WEB", source="WEB", customer=CustomerInput(email="ann@example.com", name="Änn"),
    lines=[LineInput(sku="A", quantity=2, unit_price=Decimal("1.50"),
                     price_override_reason="damaged box"), LineInput(sku="B", quantity=1)],
    shipping_address={"line1": "1 Rue", "country": "FR", "extra": [1, (2, 3)]},
    idempotency_key="key-1", payment={"gateway": "test", "token": "tok_approve"},
    ship_after=datetime(2026, 1, 1, tzinfo=timezone.utc))


def _as_stored_before(cmd: PlaceOrder) -> str:
    """As hashed before issue 5 added `replacement_for_return` (orders placed
    then, replayed now, must match)."""
    d = asdict(cmd)
    d.pop("idempotency_key")
    assert d.pop("replacement_for_return") is None
    return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()


def test_the_fingerprint_is_the_hash_orders_were_stored_with():
    assert CMD.fingerprint() == _as_stored_before(CMD)
    bare = PlaceOrder(channel="WEB", source="PHONE", customer=CustomerInput(email="b@example.com"),
                      lines=[LineInput(sku="A", quantity=1)], shipping_address={})
    assert bare.fingerprint() == _as_stored_before(bare)


def test_only_the_idempotency_key_is_left_out():
    assert replace(CMD, idempotency_key="key-2").fingerprint() == CMD.fingerprint()
    assert replace(CMD, lines=[LineInput(sku="A", quantity=3)]).fingerprint() != CMD.fingerprint()
    assert replace(CMD, payment={"gateway": "test", "token": "tok_decline"}
                   ).fingerprint() != CMD.fingerprint()


def test_a_field_added_later_counts_only_when_set():
    assert replace(CMD, replacement_for_return=None).fingerprint() == CMD.fingerprint()
    assert replace(CMD, replacement_for_return="1001-R1").fingerprint() != CMD.fingerprint()
