"""House rule 9: a page of orders with lines, customer, shipments and channel
costs a constant, small number of SQL statements, whatever its size."""
from __future__ import annotations

from tortoise import connections

from oms.orders import service as orders

from tests import factories
from tests.statements import count_statements

PAGE = """query($first: Int!) { orders(first: $first, orderBy: {field: NUMBER, direction: ASC}) {
  edges { cursor node {
    id number status placedAt total { amount currency }
    channel { code name currency }
    customer { id email name }
    lines { id sku quantity unitPrice { amount } total { amount } quantityShipped }
    shipments { id status trackingNumber shippedAt }
  } }
  pageInfo { hasNextPage endCursor } } }"""

async def _shop_with_orders(n: int) -> None:
    await factories.shop(channels={"WEB": ["WH1", "WH2"], "STORE": ["WH2"]},
                         stock={("SKU-A", "WH1"): 1000, ("SKU-B", "WH1"): 1000,
                                ("SKU-C", "WH2"): 1000})
    for i in range(n):
        channel = "STORE" if i % 5 == 0 else "WEB"
        lines = [("SKU-C", 1 + i % 3)] if channel == "STORE" else [("SKU-A", 1), ("SKU-B", 2),
                                                                   ("SKU-C", 1)]
        order = await factories.place(lines, channel=channel, email=f"c{i % 37}@example.com")
        if i % 2 == 0:
            await orders.confirm_order(order.id)


async def test_the_counter_sees_every_statement(gql):
    await factories.shop()
    with count_statements() as seen:
        await gql('{ channels { code } locations { code } product(sku: "SKU-A") { sku } }')
    assert len(seen) == 3
    assert all(s.lstrip().upper().startswith("SELECT") for s in seen)
    assert "execute_query" not in vars(connections.get("default"))  # unwrapped again


async def test_a_page_of_orders_costs_a_constant_number_of_statements(gql):
    await _shop_with_orders(100)
    with count_statements() as small:
        r10 = await gql(PAGE, {"first": 10})
    with count_statements() as large:
        r100 = await gql(PAGE, {"first": 100})
    page10 = r10.ok()["orders"]["edges"]
    page100 = r100.ok()["orders"]["edges"]
    assert len(page10) == 10 and len(page100) == 100
    # The data really is there: lines, customers, shipments of confirmed orders.
    assert page100[0]["node"]["number"] == "STORE-000001"
    assert [ln["sku"] for ln in page100[1]["node"]["lines"]] == ["SKU-A", "SKU-B", "SKU-C"]
    assert len(page100[0]["node"]["shipments"]) == 1 and page100[1]["node"]["shipments"] == []
    assert len({e["node"]["customer"]["email"] for e in page100}) == 37
    # One statement for the page, one per loader (channel, customer, lines, shipments).
    print(f"orders(first: 10): {len(small)} statements; orders(first: 100): {len(large)}")
    assert len(small) == len(large), (small, large)
    assert len(large) <= 6, large


async def test_nested_pages_stay_constant_too(gql):
    """Deeper: each order's lines' products and shipments' lines and locations."""
    await _shop_with_orders(40)
    q = """query($first: Int!) { orders(first: $first) { edges { node {
             number lines { product { sku name } }
             shipments { location { code } lines { quantity orderLine { sku } } events { status } }
             events { toStatus } customer { ordersCount lifetimeValue { amount } } } } } }"""
    with count_statements() as small:
        (await gql(q, {"first": 5})).ok()
    with count_statements() as large:
        (await gql(q, {"first": 40})).ok()
    assert len(small) == len(large), (small, large)
