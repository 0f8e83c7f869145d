"""The customer record (issue 5): tags, proof of marketing consent (when it
last changed and who changed it), when the customer's personal data was
erased, and a version for customerUpdate's optimistic concurrency.

Hand-written for both dialects in the shape aerich generates for the model
(oms.customers.models.Customer). Every new NOT NULL column has a default,
so existing rows and the order placement's own INSERT of a customer
(oms.orders.placement_sql) need nothing more. No MODELS_STATE: see the
end of the file."""
from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    if db.capabilities.dialect == "postgres":
        return POSTGRES_UP
    return SQLITE_UP


async def downgrade(db: BaseDBAsyncClient) -> str:
    if db.capabilities.dialect == "postgres":
        return POSTGRES_DOWN
    return SQLITE_DOWN


POSTGRES_UP = """
        ALTER TABLE "customer" ADD "consent_updated_at" TIMESTAMPTZ;
        ALTER TABLE "customer" ADD "consent_source" VARCHAR(200);
        ALTER TABLE "customer" ADD "tags" JSONB NOT NULL DEFAULT '[]'::jsonb;
        ALTER TABLE "customer" ADD "erased_at" TIMESTAMPTZ;
        ALTER TABLE "customer" ADD "version" INT NOT NULL DEFAULT 1;"""

POSTGRES_DOWN = """
        ALTER TABLE "customer" DROP COLUMN "version";
        ALTER TABLE "customer" DROP COLUMN "erased_at";
        ALTER TABLE "customer" DROP COLUMN "tags";
        ALTER TABLE "customer" DROP COLUMN "consent_source";
        ALTER TABLE "customer" DROP COLUMN "consent_updated_at";"""

SQLITE_UP = """
        ALTER TABLE "customer" ADD "consent_updated_at" TIMESTAMP;
        ALTER TABLE "customer" ADD "consent_source" VARCHAR(200);
        ALTER TABLE "customer" ADD "tags" JSON NOT NULL DEFAULT '[]';
        ALTER TABLE "customer" ADD "erased_at" TIMESTAMP;
        ALTER TABLE "customer" ADD "version" INT NOT NULL DEFAULT 1;"""

SQLITE_DOWN = """
        ALTER TABLE "customer" DROP COLUMN "version";
        ALTER TABLE "customer" DROP COLUMN "erased_at";
        ALTER TABLE "customer" DROP COLUMN "tags";
        ALTER TABLE "customer" DROP COLUMN "consent_source";
        ALTER TABLE "customer" DROP COLUMN "consent_updated_at";"""


# No MODELS_STATE here: aerich diffs new migrations against the last file's
# state only, and migration 9 (written at the same time) carries the state
# of the models after 7, 8 and 9. Without it, aerich records the models'
# own description for this step, which is what it would say.
