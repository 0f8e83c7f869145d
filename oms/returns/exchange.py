"""The replacement order an exchange places: the units that came back
(resalable + damaged) of each returned line, as its exchange SKU or the same
SKU, for the same customer, channel, source, address and shipping method,
at no charge (placement's `replacement_for_return` option)."""
from __future__ import annotations

from oms.catalog import service as catalog
from oms.core.errors import Invalid
from oms.customers.models import Customer
from oms.orders import service as orders
from oms.orders.intake import replacement_reason
from oms.orders.models import Order, OrderLine

from .models import Return, ReturnLine


async def replacement_lines(ret: Return) -> list[orders.LineInput]:
    """One line per SKU sent, in the order of the return's lines."""
    lines = await ReturnLine.filter(ret_id=ret.id).order_by("id")
    skus = dict(await OrderLine.filter(id__in=[ln.order_line_id for ln in lines])
                .values_list("id", "sku"))
    units: dict[str, int] = {}
    for ln in lines:
        back = ln.quantity_resalable + ln.quantity_damaged
        if back > 0:
            sku = ln.exchange_sku or skus[ln.order_line_id]
            units[sku] = units.get(sku, 0) + back
    return [orders.LineInput(sku=sku, quantity=qty) for sku, qty in units.items()]


async def replacement_order(ret: Return, *, idempotency_key: str) -> orders.PlaceOrder:
    lines = await replacement_lines(ret)
    if not lines:
        raise Invalid("nothing came back to exchange (every unit was missing)", field="id")
    order = await Order.get(id=ret.order_id)
    customer = await Customer.get(id=order.customer_id)
    return orders.PlaceOrder(
        channel=await catalog.channel_code(order.channel_id), source=order.source,
        customer=orders.CustomerInput(email=customer.email, name=customer.name,
                                      phone=customer.phone),
        lines=lines, shipping_address=dict(order.shipping_address),
        shipping_method=order.shipping_method, idempotency_key=idempotency_key,
        replacement_for_return=ret.number)


async def is_replacement_for(order_id: int, ret: Return) -> bool:
    """Whether the order under the exchange's key is this return's replacement
    (not an order a client happened to place under the same key)."""
    reasons = await OrderLine.filter(order_id=order_id).values_list("price_override_reason",
                                                                    flat=True)
    return set(reasons) == {replacement_reason(ret.number)}
