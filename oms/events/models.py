"""The event log (transactional outbox) and its gapless sequence."""
from tortoise import fields
from tortoise.models import Model


class EventSequence(Model):
    """One row. Bumped at the end of every event-writing transaction, so event
    ids are gapless and become visible in id order (the row lock serialises
    the commit tail). Subscribers rely on that to resume without gaps."""

    id = fields.IntField(primary_key=True)
    last_id = fields.BigIntField(default=0)

    class Meta:
        table = "event_sequence"


class EventLog(Model):
    id = fields.BigIntField(primary_key=True, generated=False)
    type = fields.CharField(max_length=64)
    order_id = fields.IntField(null=True)
    customer_id = fields.IntField(null=True)
    channel = fields.CharField(max_length=64, null=True)
    sku = fields.CharField(max_length=64, null=True)
    location = fields.CharField(max_length=64, null=True)
    payload = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()

    class Meta:
        table = "event_log"
        indexes = (("order_id", "id"), ("channel", "id"), ("customer_id", "id"))


class EventConsumerCursor(Model):
    """How far one durable consumer of the event log got (hand-off to partners,
    payment captures, notifications). A lease lets one process at a time work
    a consumer without holding a row lock while it calls out."""

    name = fields.CharField(max_length=64, primary_key=True)
    last_id = fields.BigIntField(default=0)
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "event_consumer"


class WebhookReceipt(Model):
    """One inbound signed webhook call, kept so a replay of it is refused."""

    id = fields.IntField(primary_key=True)
    source = fields.CharField(max_length=64)
    message_id = fields.CharField(max_length=200)
    received_at = fields.DatetimeField()

    class Meta:
        table = "webhook_receipt"
        unique_together = (("source", "message_id"),)
