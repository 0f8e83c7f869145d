"""Opaque global ids: base64url("Type:pk") without padding; decode never raises."""
from __future__ import annotations

import base64

import pytest

from oms.core import ids


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def test_encode_is_unpadded_base64url_of_type_and_pk():
    assert ids.encode("Order", 42) == "T3JkZXI6NDI"
    assert ids.encode("Shipment", 1) == "U2hpcG1lbnQ6MQ"
    assert "=" not in ids.encode("Order", 1)


@pytest.mark.parametrize("pk", [0, 1, 42, 2**31 - 1, 10**17, 10**18 - 1])
def test_decode_gives_back_the_pk(pk):
    assert ids.decode("Order", ids.encode("Order", pk)) == pk


def test_decode_accepts_a_padded_id():
    assert ids.decode("Order", "T3JkZXI6NDI=") == 42


def test_an_id_of_another_type_is_none():
    assert ids.decode("Order", ids.encode("Shipment", 42)) is None
    assert ids.decode("Order", ids.encode("OrderLine", 42)) is None
    assert ids.decode("Order", ids.encode("order", 42)) is None


@pytest.mark.parametrize("global_id", [
    None, "", "!!!!", "T3JkZXI6NDI!", "a", "A" * 65,
    _b64("Order"), _b64("Order:"), _b64("Order:-1"), _b64("Order:+1"), _b64("Order: 1"),
    _b64("Order:1.0"), _b64("Order:0x10"), _b64("Order:1:2"), _b64("Order:abc"),
    _b64("Order:" + "9" * 19),
    # Unicode digits pass str.isdigit() yet are not pks (int() refuses some of them).
    _b64("Order:²"), _b64("Order:４２"), _b64("Order:٣"),
    base64.urlsafe_b64encode(b"Order:\xff\xfe").decode(),
])
def test_anything_that_is_not_an_id_of_the_type_is_none(global_id):
    assert ids.decode("Order", global_id) is None


def test_the_length_limit_is_64_characters():
    pk = 10**17
    gid = ids.encode("Order", pk)
    assert len(gid) <= 64
    assert ids.decode("Order", gid + "=" * (65 - len(gid))) is None
