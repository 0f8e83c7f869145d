from tortoise import fields
from tortoise.models import Model


class Order(Model):
    id = fields.IntField(primary_key=True)
    channel = fields.ForeignKeyField("models.Channel", related_name="orders",
                                     on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="orders",
                                      on_delete=fields.RESTRICT)
    source = fields.CharField(max_length=16)
    status = fields.CharField(max_length=24, db_index=True)
    held_from = fields.CharField(max_length=24, null=True)
    payment_status = fields.CharField(max_length=24)
    currency = fields.CharField(max_length=3)
    # What one unit of `currency` was worth in the base currency when the
    # order was placed (oms.catalog.rates); 1 in the base currency. Customer
    # figures convert with it.
    fx_rate = fields.DecimalField(max_digits=18, decimal_places=8, default=1)
    subtotal = fields.DecimalField(max_digits=14, decimal_places=2)
    shipping_total = fields.DecimalField(max_digits=14, decimal_places=2)
    tax_total = fields.DecimalField(max_digits=14, decimal_places=2)
    total = fields.DecimalField(max_digits=14, decimal_places=2, db_index=True)
    shipping_address = fields.JSONField()
    shipping_method = fields.CharField(max_length=64, null=True)
    delivery_earliest = fields.DatetimeField(null=True)
    delivery_latest = fields.DatetimeField(null=True)
    instructions = fields.TextField(null=True)
    external_reference = fields.CharField(max_length=128, null=True)
    idempotency_key = fields.CharField(max_length=128, null=True, unique=True)
    request_hash = fields.CharField(max_length=64, null=True)
    # Why capture put the order ON_HOLD (risk reason codes), for the holds list.
    hold_reasons = fields.JSONField(null=True)
    # Delivery promise from the channel's shipping method (oms.orders.promises).
    ship_by = fields.DatetimeField(null=True)
    promised_delivery = fields.DatetimeField(null=True)
    # A confirmed order with this set is routed when it is due, not before.
    route_after = fields.DatetimeField(null=True)
    # An unconfirmed order's reservations lapse at this time (the sweeper cancels it).
    expires_at = fields.DatetimeField(null=True)
    payment_reference = fields.CharField(max_length=200, null=True)
    version = fields.IntField(default=1)
    placed_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "order"
        indexes = (("customer_id", "placed_at"), ("channel_id", "placed_at"),
                   ("expires_at",), ("route_after",))
        # A channel's own order reference (a marketplace order id) names one order.
        unique_together = (("channel", "external_reference"),)


class OrderLine(Model):
    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="lines",
                                   on_delete=fields.RESTRICT)
    product = fields.ForeignKeyField("models.Product", related_name="order_lines",
                                     on_delete=fields.RESTRICT)
    sku = fields.CharField(max_length=64)
    quantity = fields.IntField()
    unit_price = fields.DecimalField(max_digits=14, decimal_places=2)
    total = fields.DecimalField(max_digits=14, decimal_places=2)
    # Set when staff (or an import) priced the line away from the channel's
    # price list: that list price, and the reason given.
    list_price = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    price_override_reason = fields.CharField(max_length=500, null=True)
    quantity_shipped = fields.IntField(default=0)
    quantity_returned = fields.IntField(default=0)

    class Meta:
        table = "order_line"
