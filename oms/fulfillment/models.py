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

    class Meta:
        table = "tracking_event"
        indexes = (("shipment_id", "occurred_at"),)
