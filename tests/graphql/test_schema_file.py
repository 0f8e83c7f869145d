"""schema.graphql in the repository is the schema the code serves (house
rule 10): regenerate it with `oms export-schema` when the API changes."""
from __future__ import annotations

from pathlib import Path

from oms.graphql.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_file_matches_the_code():
    assert SCHEMA_FILE.read_text() == schema.as_str() + "\n", (
        "schema.graphql is stale: run `.venv/bin/oms export-schema`")


def test_the_public_contract_is_in_the_schema():
    sdl = schema.as_str()
    for name in ("orderPlace(input: OrderPlaceInput!): OrderPayload!",
                 "orderStatusChanged(orderId: ID = null, channel: String = null, "
                 "after: String = null): OrderStatusChange!",
                 "shipmentUpdated(orderId: ID!, after: String = null): ShipmentUpdate!",
                 "order(id: ID = null, number: String = null): Order",
                 "enum ErrorCode {"):
        assert name in sdl, name
