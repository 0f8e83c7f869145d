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
