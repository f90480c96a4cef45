-- Aggregates for dashboards, fed by events. processed_events dedupes deliveries per event
-- id in the same transaction as the change; registration_versions and payment_outcomes
-- guard each effect by its business key, so a fact republished under a new id counts once.

-- +goose Up
CREATE TABLE processed_events (
    event_id     text        PRIMARY KEY,
    type         text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE event_counts (
    type text   PRIMARY KEY,
    n    bigint NOT NULL
);

CREATE TABLE sections (
    section_id  text    PRIMARY KEY,
    module_code text    NOT NULL,
    semester    text    NOT NULL,
    capacity    integer NOT NULL CHECK (capacity >= 0),
    version     bigint  NOT NULL
);
CREATE INDEX sections_semester ON sections (semester, module_code);

-- The latest state of each registration (highest aggregateVersion seen), and when it was
-- first requested and first confirmed, whatever order the events came in.
CREATE TABLE registrations (
    registration_id text        PRIMARY KEY,
    section_id      text        NOT NULL,
    module_code     text        NOT NULL,
    semester        text        NOT NULL,
    status          text        NOT NULL,
    version         bigint      NOT NULL,
    requested_at    timestamptz,
    confirmed_at    timestamptz
);
CREATE INDEX registrations_section ON registrations (section_id, status);

CREATE TABLE registration_versions (
    registration_id   text   NOT NULL,
    aggregate_version bigint NOT NULL,
    type              text   NOT NULL,
    PRIMARY KEY (registration_id, aggregate_version)
);

CREATE TABLE payment_outcomes (
    registration_id   text        NOT NULL,
    aggregate_version bigint      NOT NULL,
    outcome           text        NOT NULL,
    occurred_at       timestamptz NOT NULL,
    PRIMARY KEY (registration_id, aggregate_version, outcome)
);

-- Events per minute of their occurredAt, by kind (an event type, or "accepted" for a new
-- registration: its first version).
CREATE TABLE minute_buckets (
    minute timestamptz NOT NULL,
    kind   text        NOT NULL,
    n      bigint      NOT NULL,
    PRIMARY KEY (minute, kind)
);

-- +goose Down
DROP TABLE minute_buckets, payment_outcomes, registration_versions, registrations, sections,
    event_counts, processed_events;
