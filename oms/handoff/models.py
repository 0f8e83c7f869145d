from tortoise import fields
from tortoise.models import Model


class PartnerDelivery(Model):
    """A signed request to a 3PL or drop-ship supplier (a fulfilment request,
    a cancellation), sent until the partner acknowledges it."""

    id = fields.IntField(primary_key=True)
    location = fields.ForeignKeyField("models.Location", related_name="deliveries",
                                      on_delete=fields.RESTRICT)
    shipment = fields.ForeignKeyField("models.Shipment", related_name="deliveries",
                                      on_delete=fields.RESTRICT, null=True)
    kind = fields.CharField(max_length=32)
    event_id = fields.BigIntField(null=True)
    payload = fields.JSONField()
    status = fields.CharField(max_length=16, db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    last_attempt_at = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    acknowledged_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "partner_delivery"
        unique_together = (("shipment_id", "kind"),)


class PartnerDeliveryAttempt(Model):
    """One try at sending a delivery: the delivery log."""

    id = fields.IntField(primary_key=True)
    delivery = fields.ForeignKeyField("models.PartnerDelivery", related_name="attempt_log",
                                      on_delete=fields.RESTRICT)
    attempt = fields.IntField()
    at = fields.DatetimeField()
    status_code = fields.IntField(null=True)
    error = fields.TextField(null=True)
    duration_ms = fields.IntField()
    actor = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "partner_delivery_attempt"
