-- +goose Up
-- The transactional outbox: rows are written in the caller's transaction and published
-- by the relay. The id doubles as the CloudEvent id, so consumers can dedupe on it.
CREATE TABLE outbox (
    id              uuid        PRIMARY KEY,
    topic           text        NOT NULL,
    event_type      text        NOT NULL,
    aggregate_id    text        NOT NULL,
    payload         jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    dispatched_at   timestamptz,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at, created_at) WHERE dispatched_at IS NULL;

-- +goose StatementBegin
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Wakes the relay on new rows and on rows made pending again (a replay by an operator).
CREATE TRIGGER outbox_wake AFTER INSERT OR UPDATE OF dispatched_at ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- +goose Down
DROP TABLE outbox;
DROP FUNCTION outbox_notify();
