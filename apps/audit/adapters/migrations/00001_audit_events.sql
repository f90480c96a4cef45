-- The audit log: one row per event seen on the broker, hash-chained. The table is owned
-- by the migrating (owner) role; the app works as registrar_audit_app, which owns nothing
-- and may only read and append. Roles are cluster-wide, so the role is created once and
-- every audit database (dev, tests, e2e) grants it the same two privileges.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    CREATE ROLE registrar_audit_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another database (or a concurrent migration) created it first
END
$$;
-- +goose StatementEnd

CREATE TABLE audit_events (
    seq         bigint      PRIMARY KEY CHECK (seq > 0),
    event_id    text        NOT NULL,
    type        text        NOT NULL,
    topic       text        NOT NULL,
    data        jsonb       NOT NULL,
    received_at timestamptz NOT NULL,
    prev_hash   bytea       NOT NULL CHECK (length(prev_hash) = 32),
    hash        bytea       NOT NULL CHECK (length(hash) = 32)
);
CREATE UNIQUE INDEX audit_events_event_id ON audit_events (event_id);

REVOKE ALL ON audit_events FROM PUBLIC;
GRANT SELECT, INSERT ON audit_events TO registrar_audit_app;

-- +goose Down
DROP TABLE audit_events;
