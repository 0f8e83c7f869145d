from tortoise import fields
from tortoise.models import Model


class Shipment(Model):
    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="shipments",
                                   on_delete=fields.RESTRICT)
    location = fields.ForeignKeyField("models.Location", related_name="shipments",
                                      on_delete=fields.RESTRICT)
    status = fields.CharField(max_length=24, db_index=True)
    carrier = fields.CharField(max_length=64, null=True)
    service = fields.CharField(max_length=64, null=True)
    tracking_number = fields.CharField(max_length=64, null=True, db_index=True)
    label_url = fields.CharField(max_length=500, null=True)
    estimated_delivery = fields.DatetimeField(null=True)
    shipped_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    # Parcel weight the label was bought for; a packing slip's URL beside the label's.
    weight_grams = fields.IntField(null=True)
    packing_slip_url = fields.CharField(max_length=500, null=True)
    # A location that refuses a shipment: when and why (status CANCELLED).
    rejected_at = fields.DatetimeField(null=True)
    cancel_reason = fields.CharField(max_length=500, null=True)
    # The newest carrier scan applied: an older one arriving late joins the
    # timeline without moving the status back.
    last_scan_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField()

    class Meta:
        table = "shipment"


class ShipmentLine(Model):
    id = fields.IntField(primary_key=True)
    shipment = fields.ForeignKeyField("models.Shipment", related_name="lines",
                                      on_delete=fields.RESTRICT)
    order_line = fields.ForeignKeyField("models.OrderLine", related_name="shipment_lines",
                                        on_delete=fields.RESTRICT)
    quantity = fields.IntField()

    class Meta:
        table = "shipment_line"


class TrackingEvent(Model):
    id = fields.IntField(primary_key=True)
    shipment = fields.ForeignKeyField("models.Shipment", related_name="tracking_events",
                                      on_delete=fields.RESTRICT)
    status = fields.CharField(max_length=24)
    description = fields.CharField(max_length=500, null=True)
    location = fields.CharField(max_length=200, null=True)
    occurred_at = fields.DatetimeField()
    recorded_at = fields.DatetimeField()
    # Where the scan came from (MANUAL, a carrier code, a partner location
    # code) and its identity there: the same scan sent twice is applied once.
    source = fields.CharField(max_length=64, default="MANUAL")
    dedupe_key = fields.CharField(max_length=200, null=True)
    estimated_delivery = fields.DatetimeField(null=True)

    class Meta:
        table = "tracking_event"
        indexes = (("shipment_id", "occurred_at"),)
        unique_together = (("shipment_id", "dedupe_key"),)


class ShipmentDocument(Model):
    """A generated PDF (shipping label, packing slip), served at its URL."""

    id = fields.IntField(primary_key=True)
    shipment = fields.ForeignKeyField("models.Shipment", related_name="documents",
                                      on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=24)
    content = fields.BinaryField()
    content_type = fields.CharField(max_length=64, default="application/pdf")
    created_at = fields.DatetimeField()

    class Meta:
        table = "shipment_document"
        unique_together = (("shipment_id", "kind"),)


class CarrierSequence(Model):
    """The last tracking-number serial issued per carrier: numbers are unique
    across processes because the counter is bumped with one UPDATE."""

    carrier = fields.CharField(max_length=64, primary_key=True)
    last_serial = fields.BigIntField(default=0)

    class Meta:
        table = "carrier_sequence"


class RoutingDecision(Model):
    """Where an order (or what was left of it after a rejection) was routed,
    and why: one row per routing attempt."""

    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="routing_decisions",
                                   on_delete=fields.RESTRICT)
    attempt = fields.IntField()
    strategy = fields.JSONField()
    # [{location, lines: [{order_line_id, quantity}]}] and [{code, message, ...}]
    assignments = fields.JSONField()
    reasons = fields.JSONField()
    outcome = fields.CharField(max_length=16)  # ROUTED | HELD
    actor = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "routing_decision"
        unique_together = (("order_id", "attempt"),)
