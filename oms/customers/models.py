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
    # Proof of consent (marketing law): when it last changed and who changed it
    # (an actor label such as "staff:alice"); oms.customers.record writes them.
    consent_updated_at = fields.DatetimeField(null=True)
    consent_source = fields.CharField(max_length=200, null=True)
    # Normalised by oms.customers.tags: trimmed, lower-case, unique, sorted.
    tags = fields.JSONField(default=list)
    # Set once the customer's personal data was erased (oms.customers.privacy).
    erased_at = fields.DatetimeField(null=True)
    # Optimistic concurrency for customerUpdate (oms.core.versioning).
    version = fields.IntField(default=1)
    # Figures kept current from the orders (oms.customers.figures says how
    # they are defined; oms.customers.consumer keeps them current). Stored so
    # that lists sort and filter on them with an index.
    orders_count = fields.IntField(default=0)
    lifetime_value = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    average_order_value = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    first_order_at = fields.DatetimeField(null=True)
    last_order_at = fields.DatetimeField(null=True)
    # RFM scores 1..5, the named segment and the predicted yearly value
    # (oms.customers.segments), kept current by oms.customers.consumer and a
    # scheduled recompute. Scores are NULL without orders (segment PROSPECT);
    # segment NULL: not computed yet.
    rfm_recency = fields.SmallIntField(null=True)
    rfm_frequency = fields.SmallIntField(null=True)
    rfm_monetary = fields.SmallIntField(null=True)
    segment = fields.CharField(max_length=16, null=True)
    predicted_yearly_value = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    segment_computed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "customer"
        # Keyset pagination seeks on (sort key, id).
        indexes = (("lifetime_value", "id"), ("orders_count", "id"), ("last_order_at", "id"),
                   ("segment", "id"), ("predicted_yearly_value", "id"))


class RfmQuintiles(Model):
    """Where the RFM scores change, as of the last full recompute
    (oms.customers.segments): the smallest value scoring 2, 3, 4 and 5 for
    each of recency (time of the last order), frequency (orders) and monetary
    (lifetime value). One row (id 1); a touched customer is scored against it."""

    id = fields.IntField(primary_key=True)
    customers = fields.IntField()  # how many customers with orders they were computed over
    recency_2 = fields.DatetimeField(null=True)
    recency_3 = fields.DatetimeField(null=True)
    recency_4 = fields.DatetimeField(null=True)
    recency_5 = fields.DatetimeField(null=True)
    frequency_2 = fields.IntField(null=True)
    frequency_3 = fields.IntField(null=True)
    frequency_4 = fields.IntField(null=True)
    frequency_5 = fields.IntField(null=True)
    monetary_2 = fields.BigIntField(null=True)  # lifetime value in cents
    monetary_3 = fields.BigIntField(null=True)
    monetary_4 = fields.BigIntField(null=True)
    monetary_5 = fields.BigIntField(null=True)
    computed_at = fields.DatetimeField()

    class Meta:
        table = "rfm_quintiles"


class ScheduledJob(Model):
    """A job every server process offers to run on a schedule, run by one at
    a time: the process that claims the lease runs it (oms.customers.schedule)."""

    name = fields.CharField(max_length=64, primary_key=True)
    last_run_at = fields.DatetimeField(null=True)  # when the last completed run started
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)

    class Meta:
        table = "scheduled_job"
