from tortoise import fields
from tortoise.models import Model


class Customer(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=320, unique=True)  # normalised, lower-case
    name = fields.CharField(max_length=200, null=True)
    phone = fields.CharField(max_length=40, null=True)
    addresses = fields.JSONField(default=list)
    # The country of the latest shipping address, for filtering customers.
    country = fields.CharField(max_length=2, null=True, db_index=True)
    marketing_consent = fields.BooleanField(default=False)
    # Figures kept current from the orders (oms.customers.figures says how
    # they are defined; oms.customers.consumer keeps them current). Stored so
    # that lists sort and filter on them with an index.
    orders_count = fields.IntField(default=0)
    lifetime_value = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    average_order_value = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    first_order_at = fields.DatetimeField(null=True)
    last_order_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "customer"
        # Keyset pagination seeks on (sort key, id).
        indexes = (("lifetime_value", "id"), ("orders_count", "id"), ("last_order_at", "id"))
