"""Input objects from the precompiled converters (oms/graphql/inputs.py) are
exactly what Strawberry's own conversion builds."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition

from oms.graphql.schema import schema
from oms.orders.graphql.schema import OrderFilterInput, OrderPlaceInput
from oms.orders.graphql.types import OrderSourceEnum, OrderStatus

PLACE = {
    "channel": "WEB", "source": OrderSourceEnum.WEB,
    "customer": {"email": "ann@example.com", "name": "Ann", "phone": None},
    "lines": [{"sku": "SKU-A", "quantity": 2}, {"sku": "SKU-B", "quantity": 1}],
    "shippingAddress": {"name": "Ann Lee", "line1": "1 Rue de Rivoli", "city": "Paris",
                        "postalCode": "75001", "country": "FR"},
    "deliveryWindow": {"earliest": datetime(2026, 3, 20, tzinfo=timezone.utc)},
    "payment": {"gateway": "test", "token": "tok_ok"},
    "idempotencyKey": "k-1",
}


def _both(type_, value):
    definition: StrawberryObjectDefinition = type_.__strawberry_definition__
    registry = schema.schema_converter.scalar_registry
    ours = convert_argument(value, type_, registry, schema.config)
    saved = definition.from_input
    definition.from_input = None  # Strawberry's generic path, for this one type
    try:
        theirs = convert_argument(value, type_, registry, schema.config)
    finally:
        definition.from_input = saved
    return ours, theirs


@pytest.mark.parametrize("value", [
    PLACE,
    {**PLACE, "deliveryWindow": None, "payment": None, "lines": []},
    {k: v for k, v in PLACE.items() if k not in ("deliveryWindow", "payment",
                                                  "idempotencyKey")},
])
def test_order_place_input_is_built_as_strawberry_builds_it(value):
    assert OrderPlaceInput.__strawberry_definition__.from_input is not None
    ours, theirs = _both(OrderPlaceInput, value)
    assert ours == theirs
    assert type(ours.customer) is type(theirs.customer)


def test_nested_values_land_where_they_belong():
    ours, _ = _both(OrderPlaceInput, PLACE)
    assert (ours.customer.email, ours.lines[1].sku, ours.shipping_address.postal_code) == (
        "ann@example.com", "SKU-B", "75001")
    assert ours.delivery_window.latest is None and ours.payment.token == "tok_ok"


def test_lists_of_enums_and_absent_fields_match():
    value = {"status": [OrderStatus.PENDING, OrderStatus.ON_HOLD], "channel": "WEB"}
    ours, theirs = _both(OrderFilterInput, value)
    assert ours == theirs and ours.status == [OrderStatus.PENDING, OrderStatus.ON_HOLD]
    assert ours.status is not value["status"]  # a copy, never graphql-core's list


def test_every_input_type_of_the_schema_has_a_builder():
    missing = [name for name, concrete in schema.schema_converter.type_map.items()
               if isinstance(concrete.definition, StrawberryObjectDefinition)
               and concrete.definition.is_input and concrete.definition.from_input is None]
    assert missing == []
