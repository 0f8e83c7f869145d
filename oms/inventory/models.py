"""Stock per SKU and location, reservations per order line, and the ledger."""
from tortoise import fields
from tortoise.models import Model


class StockLevel(Model):
    """Quantities of one product at one location. CHECK constraints (in the
    migrations) keep every quantity from going negative and reserved plus
    damaged units within what is on hand (damaged units are on hand, never
    sold)."""

    id = fields.IntField(primary_key=True)
    product = fields.ForeignKeyField("models.Product", related_name="stock_levels",
                                     on_delete=fields.RESTRICT)
    location = fields.ForeignKeyField("models.Location", related_name="stock_levels",
                                      on_delete=fields.RESTRICT)
    on_hand = fields.IntField(default=0)
    reserved = fields.IntField(default=0)
    safety_stock = fields.IntField(default=0)
    incoming = fields.IntField(default=0)
    damaged = fields.IntField(default=0)
    # At or below this many available units the level is low on stock (None: never).
    low_stock_threshold = fields.IntField(null=True)
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


class ChannelAllocationRule(Model):
    """What one channel may sell of one SKU (or, with no product, of every
    SKU without its own rule): at most a fixed quantity or a percentage of
    the pooled available of the channel's locations, less a buffer kept
    back. A unique index on (channel, coalesce(product, 0)) in the migration
    keeps one rule per scope."""

    id = fields.IntField(primary_key=True)
    channel = fields.ForeignKeyField("models.Channel", related_name="allocation_rules",
                                     on_delete=fields.RESTRICT)
    product = fields.ForeignKeyField("models.Product", related_name="allocation_rules",
                                     on_delete=fields.RESTRICT, null=True)
    cap_quantity = fields.IntField(null=True)
    cap_percent = fields.IntField(null=True)
    buffer = fields.IntField(default=0)
    actor = fields.CharField(max_length=200, null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "channel_allocation_rule"


class InboundExpectation(Model):
    """Units expected at a location under a reference (a purchase order, an
    inbound transfer): the level's `incoming` is the sum of `remaining` over
    its expectations. Receiving under the reference takes from `remaining`;
    at 0 the expectation is closed."""

    id = fields.IntField(primary_key=True)
    product = fields.ForeignKeyField("models.Product", related_name="inbound",
                                     on_delete=fields.RESTRICT)
    location = fields.ForeignKeyField("models.Location", related_name="inbound",
                                      on_delete=fields.RESTRICT)
    reference = fields.CharField(max_length=200)
    expected = fields.IntField(default=0)
    # Received while open; the receipt that closes it counts whole, any excess included.
    received = fields.IntField(default=0)
    remaining = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbound_expectation"
        unique_together = (("product", "location", "reference"),)


class StockMovement(Model):
    """The stock ledger: one row per change of a level, with what moved (the
    deltas) and the level's quantities before and after. The before/after
    columns are null only on rows written before they existed."""

    id = fields.BigIntField(primary_key=True)
    product = fields.ForeignKeyField("models.Product", related_name="movements",
                                     on_delete=fields.RESTRICT)
    location = fields.ForeignKeyField("models.Location", related_name="movements",
                                      on_delete=fields.RESTRICT)
    # EXPECTED RECEIPT ADJUSTMENT COUNT DAMAGE WRITE_OFF SAFETY_STOCK TRANSFER_IN/OUT
    # RESERVE RELEASE SALE
    kind = fields.CharField(max_length=32)
    on_hand_delta = fields.IntField(default=0)
    reserved_delta = fields.IntField(default=0)
    damaged_delta = fields.IntField(default=0)
    incoming_delta = fields.IntField(default=0)
    safety_stock_delta = fields.IntField(default=0)
    on_hand_before = fields.IntField(null=True)
    on_hand_after = fields.IntField(null=True)
    reserved_before = fields.IntField(null=True)
    reserved_after = fields.IntField(null=True)
    damaged_before = fields.IntField(null=True)
    damaged_after = fields.IntField(null=True)
    incoming_before = fields.IntField(null=True)
    incoming_after = fields.IntField(null=True)
    safety_stock_before = fields.IntField(null=True)
    safety_stock_after = fields.IntField(null=True)
    reason = fields.CharField(max_length=500, null=True)
    reference = fields.CharField(max_length=200, null=True)
    actor = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stock_movement"
        # A SKU's ledger newest first, at one location or at all of them.
        indexes = (("product_id", "location_id", "id"), ("product_id", "id"))
