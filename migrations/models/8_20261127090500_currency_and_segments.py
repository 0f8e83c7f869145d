"""Currencies and segments (issue 5): exchange rates to the base currency
(currency_rate, set by currencyRateSet), the rate each order was placed at
(order.fx_rate, 1 for every existing order: they were all counted at face
value), and the customers' RFM scores, segment and predicted yearly value
with an index per new way to list them ((segment, id) and
(predicted_yearly_value, id)), the quintile thresholds of the last full
recompute (rfm_quintiles) and the lease row of scheduled jobs
(scheduled_job).

Hand-written for both dialects in the shape aerich generates for the models
(oms.catalog.models.CurrencyRate, oms.orders.models.Order,
oms.customers.models). Ours: on PostgreSQL, CHECKs that rates are positive.
Segments start NULL (not computed): the first turn of the segment schedule
(oms.customers.schedule, at server start) or `oms segments-recompute`
computes them. No MODELS_STATE: see the end of the file."""
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
        CREATE TABLE IF NOT EXISTS "currency_rate" (
    "currency" VARCHAR(3) NOT NULL PRIMARY KEY,
    "rate_to_base" DECIMAL(18,8) NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "updated_by" VARCHAR(200)
);
COMMENT ON TABLE "currency_rate" IS 'What one unit of a currency is worth in the shop''s base currency';
        ALTER TABLE "currency_rate" ADD CONSTRAINT "currency_rate_positive" CHECK ("rate_to_base" > 0);
        ALTER TABLE "order" ADD "fx_rate" DECIMAL(18,8) NOT NULL DEFAULT 1;
        ALTER TABLE "order" ADD CONSTRAINT "order_fx_rate_positive" CHECK ("fx_rate" > 0);
        ALTER TABLE "customer" ADD "rfm_recency" SMALLINT;
        ALTER TABLE "customer" ADD "rfm_frequency" SMALLINT;
        ALTER TABLE "customer" ADD "rfm_monetary" SMALLINT;
        ALTER TABLE "customer" ADD "segment" VARCHAR(16);
        ALTER TABLE "customer" ADD "predicted_yearly_value" DECIMAL(14,2) NOT NULL DEFAULT 0;
        ALTER TABLE "customer" ADD "segment_computed_at" TIMESTAMPTZ;
        CREATE INDEX IF NOT EXISTS "idx_customer_segment_43d5db" ON "customer" ("segment", "id");
        CREATE INDEX IF NOT EXISTS "idx_customer_predict_aeff81" ON "customer" ("predicted_yearly_value", "id");
        CREATE TABLE IF NOT EXISTS "rfm_quintiles" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "customers" INT NOT NULL,
    "recency_2" TIMESTAMPTZ,
    "recency_3" TIMESTAMPTZ,
    "recency_4" TIMESTAMPTZ,
    "recency_5" TIMESTAMPTZ,
    "frequency_2" INT,
    "frequency_3" INT,
    "frequency_4" INT,
    "frequency_5" INT,
    "monetary_2" BIGINT,
    "monetary_3" BIGINT,
    "monetary_4" BIGINT,
    "monetary_5" BIGINT,
    "computed_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "rfm_quintiles" IS 'Where the RFM scores change, as of the last full recompute';
        CREATE TABLE IF NOT EXISTS "scheduled_job" (
    "name" VARCHAR(64) NOT NULL PRIMARY KEY,
    "last_run_at" TIMESTAMPTZ,
    "lease_owner" VARCHAR(64),
    "lease_until" TIMESTAMPTZ,
    "last_error" TEXT
);
COMMENT ON TABLE "scheduled_job" IS 'A job every server process offers to run on a schedule, run by one at';"""

POSTGRES_DOWN = """
        DROP TABLE IF EXISTS "scheduled_job";
        DROP TABLE IF EXISTS "rfm_quintiles";
        DROP INDEX IF EXISTS "idx_customer_predict_aeff81";
        DROP INDEX IF EXISTS "idx_customer_segment_43d5db";
        ALTER TABLE "customer" DROP COLUMN "segment_computed_at";
        ALTER TABLE "customer" DROP COLUMN "predicted_yearly_value";
        ALTER TABLE "customer" DROP COLUMN "segment";
        ALTER TABLE "customer" DROP COLUMN "rfm_monetary";
        ALTER TABLE "customer" DROP COLUMN "rfm_frequency";
        ALTER TABLE "customer" DROP COLUMN "rfm_recency";
        ALTER TABLE "order" DROP CONSTRAINT IF EXISTS "order_fx_rate_positive";
        ALTER TABLE "order" DROP COLUMN "fx_rate";
        DROP TABLE IF EXISTS "currency_rate";"""

SQLITE_UP = """
        CREATE TABLE IF NOT EXISTS "currency_rate" (
    "currency" VARCHAR(3) NOT NULL PRIMARY KEY,
    "rate_to_base" VARCHAR(40) NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "updated_by" VARCHAR(200)
) /* What one unit of a currency is worth in the shop's base currency */;
        ALTER TABLE "order" ADD "fx_rate" VARCHAR(40) NOT NULL DEFAULT 1;
        ALTER TABLE "customer" ADD "rfm_recency" SMALLINT;
        ALTER TABLE "customer" ADD "rfm_frequency" SMALLINT;
        ALTER TABLE "customer" ADD "rfm_monetary" SMALLINT;
        ALTER TABLE "customer" ADD "segment" VARCHAR(16);
        ALTER TABLE "customer" ADD "predicted_yearly_value" VARCHAR(40) NOT NULL DEFAULT 0;
        ALTER TABLE "customer" ADD "segment_computed_at" TIMESTAMP;
        CREATE INDEX IF NOT EXISTS "idx_customer_segment_43d5db" ON "customer" ("segment", "id");
        CREATE INDEX IF NOT EXISTS "idx_customer_predict_aeff81" ON "customer" ("predicted_yearly_value", "id");
        CREATE TABLE IF NOT EXISTS "rfm_quintiles" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "customers" INT NOT NULL,
    "recency_2" TIMESTAMP,
    "recency_3" TIMESTAMP,
    "recency_4" TIMESTAMP,
    "recency_5" TIMESTAMP,
    "frequency_2" INT,
    "frequency_3" INT,
    "frequency_4" INT,
    "frequency_5" INT,
    "monetary_2" BIGINT,
    "monetary_3" BIGINT,
    "monetary_4" BIGINT,
    "monetary_5" BIGINT,
    "computed_at" TIMESTAMP NOT NULL
) /* Where the RFM scores change, as of the last full recompute */;
        CREATE TABLE IF NOT EXISTS "scheduled_job" (
    "name" VARCHAR(64) NOT NULL PRIMARY KEY,
    "last_run_at" TIMESTAMP,
    "lease_owner" VARCHAR(64),
    "lease_until" TIMESTAMP,
    "last_error" TEXT
) /* A job every server process offers to run on a schedule, run by one at */;"""

SQLITE_DOWN = """
        DROP TABLE IF EXISTS "scheduled_job";
        DROP TABLE IF EXISTS "rfm_quintiles";
        DROP INDEX IF EXISTS "idx_customer_predict_aeff81";
        DROP INDEX IF EXISTS "idx_customer_segment_43d5db";
        ALTER TABLE "customer" DROP COLUMN "segment_computed_at";
        ALTER TABLE "customer" DROP COLUMN "predicted_yearly_value";
        ALTER TABLE "customer" DROP COLUMN "segment";
        ALTER TABLE "customer" DROP COLUMN "rfm_monetary";
        ALTER TABLE "customer" DROP COLUMN "rfm_frequency";
        ALTER TABLE "customer" DROP COLUMN "rfm_recency";
        ALTER TABLE "order" DROP COLUMN "fx_rate";
        DROP TABLE IF EXISTS "currency_rate";"""


# No MODELS_STATE here: aerich diffs new migrations against the last file's
# state only, and migration 9 (written at the same time) carries the state
# of the models after 7, 8 and 9. Without it, aerich records the models'
# own description for this step, which is what it would say.
