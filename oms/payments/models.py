from tortoise import fields
from tortoise.models import Model


class Payment(Model):
    """An order's payment through one gateway: what was authorised, captured
    and refunded. The gateway is the authority; these rows are our record of
    what it answered."""

    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="payments",
                                   on_delete=fields.RESTRICT)
    gateway = fields.CharField(max_length=32)
    token = fields.CharField(max_length=200, null=True)
    reference = fields.CharField(max_length=200, null=True)
    status = fields.CharField(max_length=24)
    currency = fields.CharField(max_length=3)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    authorized = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    captured = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    refunded = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "payment"


class PaymentTransaction(Model):
    """One gateway call, written before it is sent (PENDING) and completed
    with the answer; an UNKNOWN outcome is resolved by looking the key up."""

    id = fields.IntField(primary_key=True)
    payment = fields.ForeignKeyField("models.Payment", related_name="transactions",
                                     on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=16)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    idempotency_key = fields.CharField(max_length=200, unique=True)
    status = fields.CharField(max_length=16, db_index=True)
    shipment_id = fields.IntField(null=True)
    gateway_reference = fields.CharField(max_length=200, null=True)
    error = fields.TextField(null=True)
    attempts = fields.IntField(default=0)
    actor = fields.CharField(max_length=200, null=True)
    # What staff said about it (a bank transfer's reference, a refund's
    # reason), carried to the receivable entries however late they are written.
    note = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField()
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "payment_transaction"


class ReceivableEntry(Model):
    """The accounts-receivable ledger: invoices, payments applied, credit
    notes and refunds, per order. Amounts are positive; the kind says which
    side of the balance they are on."""

    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="receivables",
                                   on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=16)
    number = fields.CharField(max_length=32, null=True, unique=True)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    currency = fields.CharField(max_length=3)
    transaction = fields.ForeignKeyField("models.PaymentTransaction", related_name="entries",
                                         on_delete=fields.RESTRICT, null=True)
    shipment_id = fields.IntField(null=True)
    reference = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "receivable_entry"
        unique_together = (("kind", "transaction_id"),)
        indexes = (("order_id", "id"),)


class ReceivableSequence(Model):
    """The last number issued per kind of receivable document (INVOICE,
    CREDIT_NOTE): bumped with one UPDATE in the transaction that writes the
    document, so numbers are consecutive per kind and never issued twice."""

    kind = fields.CharField(max_length=16, primary_key=True)
    last_number = fields.BigIntField(default=0)

    class Meta:
        table = "receivable_sequence"


# ---- the built-in gateways' own book ----------------------------------------
#
# The `test` and `manual` gateways stand in for a remote processor, whose book
# every server process shares. These tables are that book: only
# oms.payments.book reads or writes them, in its own short transactions,
# never in ours (a real processor's book is not in our database at all).

class GatewayBookPayment(Model):
    """One authorisation in a built-in gateway's book and what has happened
    to it since: the amounts a capture, refund or void is checked against."""

    id = fields.IntField(primary_key=True)
    gateway = fields.CharField(max_length=32)
    reference = fields.CharField(max_length=200)
    currency = fields.CharField(max_length=3)
    status = fields.CharField(max_length=16)
    authorized = fields.DecimalField(max_digits=14, decimal_places=2)
    captured = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    refunded = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Compare-and-set: a change applies only to the figures it was checked on.
    version = fields.IntField(default=1)

    class Meta:
        table = "gateway_book_payment"
        unique_together = (("gateway", "reference"),)


class GatewayBookKey(Model):
    """One idempotency key a built-in gateway answered: the request it came
    with and the answer, returned again for a replay. Its id numbers the
    `test` gateway's references (test_pay_1, test_cap_2, ...)."""

    id = fields.IntField(primary_key=True)
    gateway = fields.CharField(max_length=32)
    key = fields.CharField(max_length=128)
    request = fields.TextField()
    status = fields.CharField(max_length=16)
    # Null only inside the transaction that writes the row (it is made from the id).
    reference = fields.CharField(max_length=200, null=True)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    currency = fields.CharField(max_length=3)
    decline_code = fields.CharField(max_length=64, null=True)
    message = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "gateway_book_key"
        unique_together = (("gateway", "key"),)
