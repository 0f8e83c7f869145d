from tortoise import fields
from tortoise.models import Model


class Customer(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=320, unique=True)  # normalised, lower-case
    name = fields.CharField(max_length=200, null=True)
    phone = fields.CharField(max_length=40, null=True)
    addresses = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "customer"
