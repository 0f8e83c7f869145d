from oms.inventory.models import StockLevel
from oms.orders import service as orders
from oms.fulfillment import service as fulfillment

from tests import factories


async def test_an_order_goes_from_placement_to_delivery(clean_db):
    await factories.shop()
    order = await factories.place([("SKU-A", 2), ("SKU-B", 1)])
    assert order.status == "PENDING"
    await orders.confirm_order(order.id)
    (shipment,) = await factories.shipments_of(order.id)
    for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
        await step(shipment.id)
    await fulfillment.record_tracking(shipment_id=shipment.id, status="DELIVERED")
    assert (await orders.get_order(order.id)).status == "DELIVERED"
    level = await StockLevel.get(product__sku="SKU-A", location__code="WH1")
    assert (level.on_hand, level.reserved) == (8, 0)
