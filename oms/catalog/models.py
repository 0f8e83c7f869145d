"""Where we sell (channels), where stock lives (locations), what we sell."""
from tortoise import fields
from tortoise.models import Model


class Channel(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    kind = fields.CharField(max_length=16)
    currency = fields.CharField(max_length=3)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Settings, read by order capture (oms.orders): the risk policy (markets
    # included) and per-source capture rules as JSON in the shapes of
    # oms.orders.risk / oms.orders.capture_policy; how long an unconfirmed
    # order may hold stock (None: the deployment's default).
    risk_policy = fields.JSONField(null=True)
    capture_overrides = fields.JSONField(null=True)
    reservation_ttl_minutes = fields.IntField(null=True)
    # How confirmed orders are routed to locations (oms.fulfillment.routing);
    # NULL is the default strategy.
    routing_strategy = fields.JSONField(null=True)

    class Meta:
        table = "channel"


class ShippingMethod(Model):
    """A way a channel ships, with its service level: orders get their
    ship-by and promised delivery dates from it (oms.orders.promises)."""

    id = fields.IntField(primary_key=True)
    channel = fields.ForeignKeyField("models.Channel", related_name="shipping_methods",
                                     on_delete=fields.RESTRICT)
    code = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200)
    service_days = fields.IntField()
    handling_days = fields.IntField(default=0)
    cutoff = fields.CharField(max_length=5, default="14:00")  # HH:MM, local to `timezone`
    timezone = fields.CharField(max_length=64, default="UTC")

    class Meta:
        table = "shipping_method"
        unique_together = (("channel", "code"),)


class Location(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    kind = fields.CharField(max_length=32)
    address = fields.JSONField(null=True)
    # Shipments routed here per day at most (NULL: no limit).
    daily_capacity = fields.IntField(null=True)
    # Third-party logistics and drop-ship suppliers: where fulfilment requests
    # are sent, and the shared secret that signs them (both ways).
    endpoint_url = fields.CharField(max_length=500, null=True)
    endpoint_secret = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "location"


class ChannelLocation(Model):
    """A location serving a channel; lower priority is tried first."""

    id = fields.IntField(primary_key=True)
    channel = fields.ForeignKeyField("models.Channel", related_name="location_links",
                                     on_delete=fields.RESTRICT)
    location = fields.ForeignKeyField("models.Location", related_name="channel_links",
                                      on_delete=fields.RESTRICT)
    priority = fields.IntField()

    class Meta:
        table = "channel_location"
        unique_together = (("channel", "location"),)


class Product(Model):
    id = fields.IntField(primary_key=True)
    sku = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    weight_grams = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "product"


class ProductPrice(Model):
    id = fields.IntField(primary_key=True)
    product = fields.ForeignKeyField("models.Product", related_name="prices",
                                     on_delete=fields.RESTRICT)
    channel = fields.ForeignKeyField("models.Channel", related_name="prices",
                                     on_delete=fields.RESTRICT)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        table = "product_price"
        unique_together = (("product", "channel"),)


class CurrencyRate(Model):
    """What one unit of a currency is worth in the shop's base currency
    (OMS_BASE_CURRENCY), as an admin last set it (oms.catalog.rates). An
    order keeps the rate of its placement (order.fx_rate)."""

    currency = fields.CharField(max_length=3, primary_key=True)
    rate_to_base = fields.DecimalField(max_digits=18, decimal_places=8)
    updated_at = fields.DatetimeField()
    updated_by = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "currency_rate"
