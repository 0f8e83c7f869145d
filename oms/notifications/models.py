from tortoise import fields
from tortoise.models import Model


class Notification(Model):
    """A message to the customer about their order (receipt, shipped,
    delivered): always recorded, sent by email when SMTP is configured."""

    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="notifications",
                                   on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=32)
    channel = fields.CharField(max_length=16, default="EMAIL")
    recipient = fields.CharField(max_length=320, null=True)
    subject = fields.CharField(max_length=300)
    body = fields.TextField()
    status = fields.CharField(max_length=16, db_index=True)
    attempts = fields.IntField(default=0)
    error = fields.TextField(null=True)
    dedupe_key = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification"
