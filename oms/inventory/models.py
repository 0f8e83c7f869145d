"""Stock per SKU and location, reservations per order line, and the ledger."""
from tortoise import fields
from tortoise.models import Model


class StockLevel(Model):
    """Quantities of one product at one location. CHECK constraints (in the
    migration) keep on_hand, reserved and safety_stock from going negative."""

    id = fields.IntField(primary_key=True)
    product = fields.ForeignKeyField("models.Product", related_name="stock_levels",
                                     on_delete=fields.RESTRICT)
    location = fields.ForeignKeyField("models.Location", related_name="stock_levels",
                                      on_delete=fields.RESTRICT)
    on_hand = fields.IntField(default=0)
    reserved = fields.IntField(default=0)
    safety_stock = fields.IntField(default=0)
    incoming = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "stock_level"
        unique_together = (("product", "location"),)


class Reservation(Model):
    """Units of an order line held at a location until shipped or released."""

    id = fields.IntField(primary_key=True)
    order_id = fields.IntField(db_index=True)
    channel_id = fields.IntField()
    product = fields.ForeignKeyField("models.Product", related_name="reservations",
                                     on_delete=fields.RESTRICT)
    location = fields.ForeignKeyField("models.Location", related_name="reservations",
                                      on_delete=fields.RESTRICT)
    quantity = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reservation"
        indexes = (("channel_id", "product_id"),)


class StockMovement(Model):
    """The stock ledger: one row per change of a level."""

    id = fields.BigIntField(primary_key=True)
    product = fields.ForeignKeyField("models.Product", related_name="movements",
                                     on_delete=fields.RESTRICT)
    location = fields.ForeignKeyField("models.Location", related_name="movements",
                                      on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=32)  # RECEIPT ADJUSTMENT TRANSFER_IN/OUT RESERVE RELEASE SALE
    on_hand_delta = fields.IntField(default=0)
    reserved_delta = fields.IntField(default=0)
    reason = fields.CharField(max_length=500, null=True)
    reference = fields.CharField(max_length=200, null=True)
    actor = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stock_movement"
        indexes = (("product_id", "location_id", "id"),)
