from tortoise import fields
from tortoise.models import Model


class ReturnPolicy(Model):
    """A channel's return policy. A channel without a row uses the defaults
    (oms.returns.policy.DEFAULT)."""

    id = fields.IntField(primary_key=True)
    channel = fields.OneToOneField("models.Channel", related_name="return_policy",
                                   on_delete=fields.RESTRICT)
    # Days from the line's delivery during which a return may be requested.
    window_days = fields.IntField(default=30)
    final_sale_skus = fields.JSONField(default=list)
    return_shipping_payer = fields.CharField(max_length=16, default="MERCHANT")
    # What a CUSTOMER-paid return label costs them (taken off the refund).
    return_shipping_fee = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Whether a return of everything that was delivered refunds the original shipping too.
    refund_original_shipping = fields.BooleanField(default=False)
    # Where return parcels are addressed (a location code); none: the
    # location that shipped the first returned line.
    return_location = fields.ForeignKeyField("models.Location", related_name="return_policies",
                                             null=True, on_delete=fields.RESTRICT)
    carrier = fields.CharField(max_length=64, null=True)
    service = fields.CharField(max_length=64, null=True)
    updated_at = fields.DatetimeField()
    updated_by = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "return_policy"


class Return(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=64, unique=True)
    order = fields.ForeignKeyField("models.Order", related_name="returns",
                                   on_delete=fields.RESTRICT)
    status = fields.CharField(max_length=16, db_index=True)
    resolution = fields.CharField(max_length=16)
    requested_by = fields.CharField(max_length=200, null=True)
    comment = fields.TextField(null=True)
    reject_reason = fields.CharField(max_length=500, null=True)
    # The policy as it stood when the request was accepted (it may change later).
    policy = fields.JSONField(default=dict)
    # Return label and the parcel's tracking.
    carrier = fields.CharField(max_length=64, null=True)
    service = fields.CharField(max_length=64, null=True)
    tracking_number = fields.CharField(max_length=64, null=True, db_index=True)
    label_url = fields.CharField(max_length=500, null=True)
    destination = fields.ForeignKeyField("models.Location", related_name="incoming_returns",
                                         null=True, on_delete=fields.RESTRICT)
    estimated_delivery = fields.DatetimeField(null=True)
    last_scan_at = fields.DatetimeField(null=True)
    # Receipt: where the units were taken in.
    received_location = fields.ForeignKeyField("models.Location", related_name="received_returns",
                                               null=True, on_delete=fields.RESTRICT)
    # Resolution.
    shipping_fee = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    refund_total = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    exchange_order = fields.ForeignKeyField("models.Order", related_name="exchanged_from",
                                            null=True, on_delete=fields.RESTRICT)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    approved_at = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "return"
        # The figures of customers leave out replacement orders (exchange_order_id).
        indexes = (("order_id", "created_at"), ("exchange_order_id",))


class ReturnLine(Model):
    id = fields.IntField(primary_key=True)
    ret = fields.ForeignKeyField("models.Return", related_name="lines", source_field="return_id",
                                 on_delete=fields.RESTRICT)
    order_line = fields.ForeignKeyField("models.OrderLine", related_name="return_lines",
                                        on_delete=fields.RESTRICT)
    quantity = fields.IntField()
    reason = fields.CharField(max_length=32)
    # For an exchange: the SKU sent in place of this line (none: the same SKU).
    exchange_sku = fields.CharField(max_length=64, null=True)
    # Inspection at receipt (their sum is `quantity` once received).
    quantity_resalable = fields.IntField(default=0)
    quantity_damaged = fields.IntField(default=0)
    quantity_missing = fields.IntField(default=0)

    class Meta:
        table = "return_line"


class ReturnTrackingEvent(Model):
    """A scan of the return parcel (it is tracked like a shipment)."""

    id = fields.IntField(primary_key=True)
    ret = fields.ForeignKeyField("models.Return", related_name="tracking_events",
                                 source_field="return_id", on_delete=fields.RESTRICT)
    status = fields.CharField(max_length=24)
    description = fields.CharField(max_length=500, null=True)
    location = fields.CharField(max_length=200, null=True)
    occurred_at = fields.DatetimeField()
    recorded_at = fields.DatetimeField()
    source = fields.CharField(max_length=64, default="MANUAL")
    dedupe_key = fields.CharField(max_length=200, null=True)
    # The delivery estimate the scan carried, if any.
    estimated_delivery = fields.DatetimeField(null=True)

    class Meta:
        table = "return_tracking_event"
        indexes = (("ret_id", "occurred_at"),)
        unique_together = (("ret_id", "dedupe_key"),)


class ReturnDocument(Model):
    """The return label PDF, served at the return's labelUrl."""

    id = fields.IntField(primary_key=True)
    ret = fields.ForeignKeyField("models.Return", related_name="documents",
                                 source_field="return_id", on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=24)
    content = fields.BinaryField()
    content_type = fields.CharField(max_length=64, default="application/pdf")
    created_at = fields.DatetimeField()

    class Meta:
        table = "return_document"
        unique_together = (("ret_id", "kind"),)
