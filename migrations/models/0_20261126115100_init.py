"""Initial schema. aerich writes SQL for one dialect; this file holds both
(generated on SQLite and on PostgreSQL) and picks by the connection. The
CHECK constraints are ours: stock and line quantities can never go negative,
nor reserved exceed on hand, whatever the code does."""
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


SQLITE_UP = """
        CREATE TABLE IF NOT EXISTS "event_log" (
    "id" BIGINT NOT NULL PRIMARY KEY,
    "type" VARCHAR(64) NOT NULL,
    "order_id" INT,
    "customer_id" INT,
    "channel" VARCHAR(64),
    "sku" VARCHAR(64),
    "location" VARCHAR(64),
    "payload" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_event_log_order_i_a6b8a6" ON "event_log" ("order_id", "id");
CREATE INDEX IF NOT EXISTS "idx_event_log_channel_348995" ON "event_log" ("channel", "id");
CREATE INDEX IF NOT EXISTS "idx_event_log_custome_b32e2f" ON "event_log" ("customer_id", "id");
CREATE TABLE IF NOT EXISTS "event_sequence" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "last_id" BIGINT NOT NULL
) /* One row. Bumped at the end of every event-writing transaction, so event */;
CREATE TABLE IF NOT EXISTS "channel" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "code" VARCHAR(32) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "created_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "location" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "code" VARCHAR(32) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "address" JSON,
    "created_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "channel_location" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "priority" INT NOT NULL,
    "channel_id" INT NOT NULL REFERENCES "channel" ("id") ON DELETE RESTRICT,
    "location_id" INT NOT NULL REFERENCES "location" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_channel_loc_channel_e14b9d" UNIQUE ("channel_id", "location_id")
) /* A location serving a channel; lower priority is tried first. */;
CREATE TABLE IF NOT EXISTS "product" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "sku" VARCHAR(64) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "weight_grams" INT,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "product_price" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "amount" VARCHAR(40) NOT NULL,
    "channel_id" INT NOT NULL REFERENCES "channel" ("id") ON DELETE RESTRICT,
    "product_id" INT NOT NULL REFERENCES "product" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_product_pri_product_242940" UNIQUE ("product_id", "channel_id")
);
CREATE TABLE IF NOT EXISTS "reservation" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "order_id" INT NOT NULL,
    "channel_id" INT NOT NULL,
    "quantity" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "location_id" INT NOT NULL REFERENCES "location" ("id") ON DELETE RESTRICT,
    "product_id" INT NOT NULL REFERENCES "product" ("id") ON DELETE RESTRICT,
    CHECK ("quantity" > 0)
) /* Units of an order line held at a location until shipped or released. */;
CREATE INDEX IF NOT EXISTS "idx_reservation_order_i_be8372" ON "reservation" ("order_id");
CREATE INDEX IF NOT EXISTS "idx_reservation_channel_ab8603" ON "reservation" ("channel_id", "product_id");
CREATE TABLE IF NOT EXISTS "stock_level" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "on_hand" INT NOT NULL,
    "reserved" INT NOT NULL,
    "safety_stock" INT NOT NULL,
    "incoming" INT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "location_id" INT NOT NULL REFERENCES "location" ("id") ON DELETE RESTRICT,
    "product_id" INT NOT NULL REFERENCES "product" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_stock_level_product_4dde3c" UNIQUE ("product_id", "location_id"),
    CHECK ("on_hand" >= 0),
    CHECK ("reserved" >= 0),
    CHECK ("safety_stock" >= 0),
    CHECK ("incoming" >= 0),
    CHECK ("reserved" <= "on_hand")
) /* Quantities of one product at one location. CHECK constraints (in the */;
CREATE TABLE IF NOT EXISTS "stock_movement" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "on_hand_delta" INT NOT NULL,
    "reserved_delta" INT NOT NULL,
    "reason" VARCHAR(500),
    "reference" VARCHAR(200),
    "actor" VARCHAR(200),
    "created_at" TIMESTAMP NOT NULL,
    "location_id" INT NOT NULL REFERENCES "location" ("id") ON DELETE RESTRICT,
    "product_id" INT NOT NULL REFERENCES "product" ("id") ON DELETE RESTRICT
) /* The stock ledger: one row per change of a level. */;
CREATE INDEX IF NOT EXISTS "idx_stock_movem_product_313caf" ON "stock_movement" ("product_id", "location_id", "id");
CREATE TABLE IF NOT EXISTS "customer" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(320) NOT NULL UNIQUE,
    "name" VARCHAR(200),
    "phone" VARCHAR(40),
    "addresses" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "order" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "source" VARCHAR(16) NOT NULL,
    "status" VARCHAR(24) NOT NULL,
    "held_from" VARCHAR(24),
    "payment_status" VARCHAR(24) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "subtotal" VARCHAR(40) NOT NULL,
    "shipping_total" VARCHAR(40) NOT NULL,
    "tax_total" VARCHAR(40) NOT NULL,
    "total" VARCHAR(40) NOT NULL,
    "shipping_address" JSON NOT NULL,
    "shipping_method" VARCHAR(64),
    "delivery_earliest" TIMESTAMP,
    "delivery_latest" TIMESTAMP,
    "instructions" TEXT,
    "external_reference" VARCHAR(128),
    "idempotency_key" VARCHAR(128) UNIQUE,
    "request_hash" VARCHAR(64),
    "version" INT NOT NULL,
    "placed_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "channel_id" INT NOT NULL REFERENCES "channel" ("id") ON DELETE RESTRICT,
    "customer_id" INT NOT NULL REFERENCES "customer" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_order_status_a1c7e6" ON "order" ("status");
CREATE INDEX IF NOT EXISTS "idx_order_total_301ce5" ON "order" ("total");
CREATE INDEX IF NOT EXISTS "idx_order_placed__e2db91" ON "order" ("placed_at");
CREATE INDEX IF NOT EXISTS "idx_order_updated_1ca4e0" ON "order" ("updated_at");
CREATE INDEX IF NOT EXISTS "idx_order_custome_3718b6" ON "order" ("customer_id", "placed_at");
CREATE INDEX IF NOT EXISTS "idx_order_channel_27037d" ON "order" ("channel_id", "placed_at");
CREATE TABLE IF NOT EXISTS "order_line" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "sku" VARCHAR(64) NOT NULL,
    "quantity" INT NOT NULL,
    "unit_price" VARCHAR(40) NOT NULL,
    "total" VARCHAR(40) NOT NULL,
    "quantity_shipped" INT NOT NULL,
    "quantity_returned" INT NOT NULL,
    "order_id" INT NOT NULL REFERENCES "order" ("id") ON DELETE RESTRICT,
    "product_id" INT NOT NULL REFERENCES "product" ("id") ON DELETE RESTRICT,
    CHECK ("quantity" > 0),
    CHECK ("quantity_shipped" >= 0 AND "quantity_shipped" <= "quantity"),
    CHECK ("quantity_returned" >= 0 AND "quantity_returned" <= "quantity_shipped")
);
CREATE TABLE IF NOT EXISTS "shipment" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "status" VARCHAR(24) NOT NULL,
    "carrier" VARCHAR(64),
    "service" VARCHAR(64),
    "tracking_number" VARCHAR(64),
    "label_url" VARCHAR(500),
    "estimated_delivery" TIMESTAMP,
    "shipped_at" TIMESTAMP,
    "delivered_at" TIMESTAMP,
    "version" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "location_id" INT NOT NULL REFERENCES "location" ("id") ON DELETE RESTRICT,
    "order_id" INT NOT NULL REFERENCES "order" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_shipment_status_a9088b" ON "shipment" ("status");
CREATE INDEX IF NOT EXISTS "idx_shipment_trackin_e6499f" ON "shipment" ("tracking_number");
CREATE TABLE IF NOT EXISTS "shipment_line" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "quantity" INT NOT NULL,
    "order_line_id" INT NOT NULL REFERENCES "order_line" ("id") ON DELETE RESTRICT,
    "shipment_id" INT NOT NULL REFERENCES "shipment" ("id") ON DELETE RESTRICT,
    CHECK ("quantity" > 0)
);
CREATE TABLE IF NOT EXISTS "tracking_event" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "status" VARCHAR(24) NOT NULL,
    "description" VARCHAR(500),
    "location" VARCHAR(200),
    "occurred_at" TIMESTAMP NOT NULL,
    "recorded_at" TIMESTAMP NOT NULL,
    "shipment_id" INT NOT NULL REFERENCES "shipment" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_tracking_ev_shipmen_0b3111" ON "tracking_event" ("shipment_id", "occurred_at");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);"""

POSTGRES_UP = """
        CREATE TABLE IF NOT EXISTS "event_log" (
    "id" BIGINT NOT NULL PRIMARY KEY,
    "type" VARCHAR(64) NOT NULL,
    "order_id" INT,
    "customer_id" INT,
    "channel" VARCHAR(64),
    "sku" VARCHAR(64),
    "location" VARCHAR(64),
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_event_log_order_i_a6b8a6" ON "event_log" ("order_id", "id");
CREATE INDEX IF NOT EXISTS "idx_event_log_channel_348995" ON "event_log" ("channel", "id");
CREATE INDEX IF NOT EXISTS "idx_event_log_custome_b32e2f" ON "event_log" ("customer_id", "id");
CREATE TABLE IF NOT EXISTS "event_sequence" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "last_id" BIGINT NOT NULL
);
COMMENT ON TABLE "event_sequence" IS 'One row. Bumped at the end of every event-writing transaction, so event';
CREATE TABLE IF NOT EXISTS "channel" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "code" VARCHAR(32) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS "location" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "code" VARCHAR(32) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "address" JSONB,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS "channel_location" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "priority" INT NOT NULL,
    "channel_id" INT NOT NULL REFERENCES "channel" ("id") ON DELETE RESTRICT,
    "location_id" INT NOT NULL REFERENCES "location" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_channel_loc_channel_e14b9d" UNIQUE ("channel_id", "location_id")
);
COMMENT ON TABLE "channel_location" IS 'A location serving a channel; lower priority is tried first.';
CREATE TABLE IF NOT EXISTS "product" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "sku" VARCHAR(64) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "weight_grams" INT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS "product_price" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "amount" DECIMAL(14,2) NOT NULL,
    "channel_id" INT NOT NULL REFERENCES "channel" ("id") ON DELETE RESTRICT,
    "product_id" INT NOT NULL REFERENCES "product" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_product_pri_product_242940" UNIQUE ("product_id", "channel_id")
);
CREATE TABLE IF NOT EXISTS "reservation" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "order_id" INT NOT NULL,
    "channel_id" INT NOT NULL,
    "quantity" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "location_id" INT NOT NULL REFERENCES "location" ("id") ON DELETE RESTRICT,
    "product_id" INT NOT NULL REFERENCES "product" ("id") ON DELETE RESTRICT,
    CHECK ("quantity" > 0)
);
CREATE INDEX IF NOT EXISTS "idx_reservation_order_i_be8372" ON "reservation" ("order_id");
CREATE INDEX IF NOT EXISTS "idx_reservation_channel_ab8603" ON "reservation" ("channel_id", "product_id");
COMMENT ON TABLE "reservation" IS 'Units of an order line held at a location until shipped or released.';
CREATE TABLE IF NOT EXISTS "stock_level" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "on_hand" INT NOT NULL,
    "reserved" INT NOT NULL,
    "safety_stock" INT NOT NULL,
    "incoming" INT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "location_id" INT NOT NULL REFERENCES "location" ("id") ON DELETE RESTRICT,
    "product_id" INT NOT NULL REFERENCES "product" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_stock_level_product_4dde3c" UNIQUE ("product_id", "location_id"),
    CHECK ("on_hand" >= 0),
    CHECK ("reserved" >= 0),
    CHECK ("safety_stock" >= 0),
    CHECK ("incoming" >= 0),
    CHECK ("reserved" <= "on_hand")
);
COMMENT ON TABLE "stock_level" IS 'Quantities of one product at one location. CHECK constraints (in the';
CREATE TABLE IF NOT EXISTS "stock_movement" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "kind" VARCHAR(32) NOT NULL,
    "on_hand_delta" INT NOT NULL,
    "reserved_delta" INT NOT NULL,
    "reason" VARCHAR(500),
    "reference" VARCHAR(200),
    "actor" VARCHAR(200),
    "created_at" TIMESTAMPTZ NOT NULL,
    "location_id" INT NOT NULL REFERENCES "location" ("id") ON DELETE RESTRICT,
    "product_id" INT NOT NULL REFERENCES "product" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_stock_movem_product_313caf" ON "stock_movement" ("product_id", "location_id", "id");
COMMENT ON TABLE "stock_movement" IS 'The stock ledger: one row per change of a level.';
CREATE TABLE IF NOT EXISTS "customer" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(320) NOT NULL UNIQUE,
    "name" VARCHAR(200),
    "phone" VARCHAR(40),
    "addresses" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS "order" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "source" VARCHAR(16) NOT NULL,
    "status" VARCHAR(24) NOT NULL,
    "held_from" VARCHAR(24),
    "payment_status" VARCHAR(24) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "subtotal" DECIMAL(14,2) NOT NULL,
    "shipping_total" DECIMAL(14,2) NOT NULL,
    "tax_total" DECIMAL(14,2) NOT NULL,
    "total" DECIMAL(14,2) NOT NULL,
    "shipping_address" JSONB NOT NULL,
    "shipping_method" VARCHAR(64),
    "delivery_earliest" TIMESTAMPTZ,
    "delivery_latest" TIMESTAMPTZ,
    "instructions" TEXT,
    "external_reference" VARCHAR(128),
    "idempotency_key" VARCHAR(128) UNIQUE,
    "request_hash" VARCHAR(64),
    "version" INT NOT NULL,
    "placed_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "channel_id" INT NOT NULL REFERENCES "channel" ("id") ON DELETE RESTRICT,
    "customer_id" INT NOT NULL REFERENCES "customer" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_order_status_a1c7e6" ON "order" ("status");
CREATE INDEX IF NOT EXISTS "idx_order_total_301ce5" ON "order" ("total");
CREATE INDEX IF NOT EXISTS "idx_order_placed__e2db91" ON "order" ("placed_at");
CREATE INDEX IF NOT EXISTS "idx_order_updated_1ca4e0" ON "order" ("updated_at");
CREATE INDEX IF NOT EXISTS "idx_order_custome_3718b6" ON "order" ("customer_id", "placed_at");
CREATE INDEX IF NOT EXISTS "idx_order_channel_27037d" ON "order" ("channel_id", "placed_at");
CREATE TABLE IF NOT EXISTS "order_line" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "sku" VARCHAR(64) NOT NULL,
    "quantity" INT NOT NULL,
    "unit_price" DECIMAL(14,2) NOT NULL,
    "total" DECIMAL(14,2) NOT NULL,
    "quantity_shipped" INT NOT NULL,
    "quantity_returned" INT NOT NULL,
    "order_id" INT NOT NULL REFERENCES "order" ("id") ON DELETE RESTRICT,
    "product_id" INT NOT NULL REFERENCES "product" ("id") ON DELETE RESTRICT,
    CHECK ("quantity" > 0),
    CHECK ("quantity_shipped" >= 0 AND "quantity_shipped" <= "quantity"),
    CHECK ("quantity_returned" >= 0 AND "quantity_returned" <= "quantity_shipped")
);
CREATE TABLE IF NOT EXISTS "shipment" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "status" VARCHAR(24) NOT NULL,
    "carrier" VARCHAR(64),
    "service" VARCHAR(64),
    "tracking_number" VARCHAR(64),
    "label_url" VARCHAR(500),
    "estimated_delivery" TIMESTAMPTZ,
    "shipped_at" TIMESTAMPTZ,
    "delivered_at" TIMESTAMPTZ,
    "version" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "location_id" INT NOT NULL REFERENCES "location" ("id") ON DELETE RESTRICT,
    "order_id" INT NOT NULL REFERENCES "order" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_shipment_status_a9088b" ON "shipment" ("status");
CREATE INDEX IF NOT EXISTS "idx_shipment_trackin_e6499f" ON "shipment" ("tracking_number");
CREATE TABLE IF NOT EXISTS "shipment_line" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "quantity" INT NOT NULL,
    "order_line_id" INT NOT NULL REFERENCES "order_line" ("id") ON DELETE RESTRICT,
    "shipment_id" INT NOT NULL REFERENCES "shipment" ("id") ON DELETE RESTRICT,
    CHECK ("quantity" > 0)
);
CREATE TABLE IF NOT EXISTS "tracking_event" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "status" VARCHAR(24) NOT NULL,
    "description" VARCHAR(500),
    "location" VARCHAR(200),
    "occurred_at" TIMESTAMPTZ NOT NULL,
    "recorded_at" TIMESTAMPTZ NOT NULL,
    "shipment_id" INT NOT NULL REFERENCES "shipment" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_tracking_ev_shipmen_0b3111" ON "tracking_event" ("shipment_id", "occurred_at");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""

SQLITE_DOWN = """
        """

POSTGRES_DOWN = """
        """


MODELS_STATE = (
    "eJztXW1z2zYS/iscfXJmVE8sv8TtdTrjOE7ji2PnbN1dp06HA5GwhBFfFBC0o+nlvx9A8Q"
    "V8FSmREsnslzYGsBD5AFjuPlgs/h6Yto4N5/DqGVvsxp4OflH+HljIxPwfqbqhMkCLRVQj"
    "ChiaGF5jLFqpht9s4jCKNMYrnpDhYF6kY0ejZMGIbfFSyzUMUWhrvCGxplGRa5GvLlaZPc"
    "VshimvePyLFxNLx9+wI/58HNhUx1Qluvgp/l9e/zjQZsiysBErch1mm7GWoqvFXH0i2NBj"
    "77pq4pWrbLnwyt6S6bXF3nttxcNOVM02XNOK2i+WbGZboQCxmCidYgtTxLAuvb54Ox+qoG"
    "j1pryAUReHr6hHBTp+Qq7BJLgmalQ2UNXbu7H6cDVW1UEFgDXbEoPDn9XxEJiKR/jp59Ho"
    "+PjN6PXx2fnpyZs3p+evz3lb73nTVW++rx4mgmvVlQfa9e/Xt2PxQDafAau5IQq+ezKIoZ"
    "WUN5IR/B6CqQG4nCGaDX/QPjEA/MU2GYCgIBqBaNbuYghM9E01sDVlM/7n2UkBuv+5uL/8"
    "cHF/cHbyKg7xrV8z8qoE2BG48nKJA5w7vWWRjSa5P4VbA/Fqlo+OTt6cnB+fnYSTOywpmt"
    "PB/I0gTaiWkqgmpADYDGAjNV5WF0giG6mDtiHasDZw5m4VdP3mgOx6ZA1bQ94zVYBXlgGM"
    "12O8QEvDRhlK958Pd7fZEEsiCYR1ojHlf4pBnI3stjJQD359ci1NoKhMXGIwYjmH4md/Gz"
    "Q0AAWAC4hEz6bjfDVkoA8+XfyRHIPLm7u3HmS2w6bU68Xr4G1SYVMsIFMRS4/JO17DiIlz"
    "9HZMMjk0vuhh8I8O2nUFQzG+/nT1ML749Dk2Hu8uxleiZuSVLhOlB2eJMQo7Uf57Pf6giD"
    "+VP+9ur5LDFrYb/zkQz4RcZquW/aIiXcYkKA6Kvgtn6Wku2euiYIK0+QuiupqqsUd2Xtt0"
    "lTkykyXIQlNvkASa4jll//MB8yG1NDzIc1DDBsP1Xqojt13nqg7uLKxQ++VQeeuaC6wriC"
    "ncM1WwpSv2k8J7pEvF6/enF0r4Ap9ynYwsB3mrfqg49qp2kJgzdfX7xSK6oyCKlSlaGNjh"
    "/+Y9TLDGLU3lmTiEv7pCLIXwboVVrxyIX+E/rPBvz1xxMCWIa0DsfLFEBRczCX8SRIxXh8"
    "qDOxFYTDB1FIqNpcL1GJuJJ7X5347Lf+KF8IXrMvHrzuFgWMaDr+SFb+2C+1/ItnvgW5rQ"
    "+b61gRyW6acU8RuSUD0kRxld/LpZhHfAcbREZV76LlGGsryMvKV8NSm5VI1SeaAIdqkIND"
    "7QlRxrv309JNt+oY25JcejEm7J8SjXLRFVcSvY+38FaIP2PeQvR69fl0CXt8qF16uL4zvn"
    "r1YF36B9D/E9OisB71HSV4jQFVVJMpNSbg4vK+kGSaaHIB+XURD5+iGFMDjJubjzF9TvLG"
    "PpfxE64jT7H69tfOY0cagaxJo7GYa6L//+4z028ujCuH13I/GKHZsR34M1EJRGM0PiASnR"
    "8JZQfaa27mrss+iqrzh5Lv+WON2JPvoE0A5cr3D95btg8hJd64qp8kbBes7qQgnaC4LnWZ"
    "BHSPG7+geve8FU4UvIpoQtFeJwWAjWlSdCHXaYIqq27SzDD4zFa4Sv9he4h3t0D4MhrACt"
    "LLI7mqj1GKe2syuGCcSEANcMXEOLqRKwCSlANo+1LBGP8d6mmEytj3jpYX3NHwr5WyqFhm"
    "kHIc6zI3gxRS/h5ymxbjkC/L0x8zC4577E/fXleFAyYKAyuj2095PwJlZvDr77IdyLzL1y"
    "dl4l+w449zapzyKjCjh34NyBc+86vvVPXqTrFDsZxEx+HJskslUcW8siBiFgrTVDAVy8xL"
    "cBFV+SYuaDhOmz94pbAnYf9dRXsBxma3P+YXn27f/NwXoQPd2IjvqKlWk/YxMLie2B+uT3"
    "1VesnBlZ1IGV302fYGrS7/e3EAcZbn9QNSzy+hdSI3D6d2bnNOz07/CIVcuAbfj0D7j8zb"
    "r8L5hMZ0ydUmRmfEhy9UJSDA62ZuwEgtv5g7id8qi7C33DUY9Lwqi3ZdQzTsuFVmZlsgGi"
    "2IBiqB0soBiAYmgslFTwottqLC+e9Ib30yekdsAyrFR8PtUQfgLW8g3qImxaK+vwKBMaQe"
    "gQRHXuk4tApu1aWdYn1oiJjJytxlAoaXiupA596e4u4Cww311dXn+6uDk4OhmutnK5SUlW"
    "8UWBP32ScpkhwrMZfznQVJVwjQsBruvjOyV9vWUEosR3dwzisgGI8dlVIr4TgmdrDp7dT3"
    "Cn7DNmWF8JlzLf+KKJhmtP8fzbIswRyWCQ5eduEda3MuNPLbLFoOhcDv9aE0MRm4Aik4xN"
    "RbIWjBysp0/z1NVpmUStie9ctH6qJWIFI3BLI3AfGUBLKKLuQQx2X9O4fnURVzuVTqHJIo"
    "Ap7D1VgrqbuxBl9p7gjBz4pu3HFXzT/fimcPawCrxtPnso7dJleKfxPbx851TaNSznnP5r"
    "ZXUR7DmTNnch/TkovEjxZ4DZoXL54eryoyJBrxwQkUcUp5zTOjr9YplkSr1Wr5Q5xgsuqH"
    "LDWx8qKw9c5Fq1dMVBT5gtVe/FlSdqm8rUFrktLDzlws84P3eFpJggd8UOv8AFDu5qhKv4"
    "t5FEbxKc1mbgBOukAp6yCACaBFTWNRVATYoBsElgiaXZpvjBCjpVEgFAk4BCxGI+1N3kCv"
    "IiFoErAK6gW7gCVwBcQfvhbT1XEAaq5tEFciTrOsbAlNuuJQ3GM6ysHG4D61NMf/GcenEZ"
    "yQJTL6fkFHt704rHRKR3rzfpoMxOdXxNJIZwLzeHdsSl3/PFoZCkpsEkNT5HIvQXQ9W5lU"
    "gO3Kw8hqUytmlBADcNLnKqXcMYSfTvEsbTUieFTwtOCp+mTwpT/IRpcIdaeZQlof4B3ciR"
    "bG5O2bQKyKEAAFwKYAiOyUe/m4QXBMfs8+MLhBcQXi1jZIDw+mEJr0vXYbbpkT7pe1iCum"
    "HhBSxyK8jR1SX1OSwgjrCJSMbJrHy7OhToXZ6u41EZs5q3KqCOUmb1TlN1/Xhey4KDVAnf"
    "UKB/AJ+UwfckH970oW4/1XZWoou1+bnx9hm6NzIEBr8+uZZ3N7wycYnBiOUcit/7bdCseZ"
    "AFOiTuBkc91g4yqMGoN5JBDe633HEuohVYGd5UiGK+K2WHTZr0ox5Dly2gkwykrfQAb5k6"
    "lB5VggO2SwfMsV1abfsokujh7n3917o7DDE3QzUWABxKNAXw/pzcUZlk1KP8ZNSjVDJqkT"
    "FDFeeGqkAcE+qfK1Y/ygu0FOFlavXZnJbsodqoH3DNpWKPPiMBQ8GtdZJMD0E+LkOP5ZNj"
    "KcXsTpjNUAb7WJiUTxaDtHxYBj/N4HhZi/gPqhshnRIGvNfgzfh62QTqmBygvA7lTRDeJb"
    "q7tO8aUxkb3M2YJbt7Cng/YDdC9oaAmtzNtyuFeGeI9s/Qrv9uHR0b5BnTpYoRNQh2KvOt"
    "mR3UQLu2bBy6y7KmyfVwyAwO/xYjHonDeLd5vIl4M1fLuUdjjL/lHpmPy/VBnxaN69Uf4+"
    "IvWjisN3e3vwfNk5+5uH7l4GJqIUPdKHQ+W7oP45CgQUfnZXjQ0Xk+ESrqEkkidGwubCYY"
    "CnWOKzEbGaK1gN6i8J9GIKeYv6fD1BlyZlXwTsr1b4bXb7nxT7CTGayau0clSewu1vqoKX"
    "jrDmAPdwQrmkMxwd3EG7TE3+6cIdStqBIY5c1GGXJ0N5RPOh5fURbYRFQGILv2kA9cIFLz"
    "BSJZs7gOdKWu+gpvfPVWPuQjHa6CGwQzo/aS9Hcd91L63fQJpsaDG715lRfgGEy6NUGO3j"
    "WZXjs4Mdalb/FQKQhYnLuVtqFWzXsYDlM/gwGXvtRvpPP3ku55rRAwEBeEmAwsT+sOxmR0"
    "Gt1gmav+NXQbaAhZFHJl5d23pVLMXGpthrAsCxAnIW7p7Xud/rpBlpmdEFDhia0tCZK+Hb"
    "EbJtgReb2WoJ4geU/NyXvK8E4Bp6LWQEAFxErfOKgmyZWQjMpKOy0RVQUZp+VWQKx06Rsz"
    "LCJW4KBisye6EKUk6zNecKArEoEInPX8lUjJnEm0FEzhSAQQXo+w0PVzEdRvueak2lzOEG"
    "0I8f0pjfoB52+NDdWllXKkxYT6N60byaSNHUZML6QoCKfPIBMLQ5Kye4BI/DaHJvmc5AYB"
    "aHFJGOU2j7K/Hjca56QsjHSbRxpisAe1RhhCrr8fYdVAFn7Yc2o3prA3sk4R1b03Arn3q4"
    "C7be79WsNy+7orkklE4eft43PHfmdXzxCkW3kfKS9ONzkL1+8nQbRu/zaVIKS0KaNSLJZN"
    "LEtJDtDNQDfURpWwTUgBsusNdzmMYEsLs4cHbJIWZmKClbDg4ydg6vCOemZQJiFO6cdWXa"
    "EVN1IzDK6UFZtvccWt58ZNrsfU7NW8VLWQ7333Blkbo3z2uJdcf5iP/FgVUE6Iwa59qV37"
    "fJaqIDpCkukfzI1ccybr6xTSxRtBCVHYCWr1ThDFmrCCNhnohCgMdKsHGrxc8HJb6IKV83"
    "L344BdYEq02SDD8/JrhkUuF4raALvdpbU9LHCmcsON8q3P/HijXrhTp6dlrM/T03zrU9Ql"
    "roHli6oCwn7zHqJ7VMq2Pyqw7Y/Stj3/RZb5fcq/ZkESgdsVKt6ukDIVdvkx+/5/rkdhUQ"
    "=="
)
