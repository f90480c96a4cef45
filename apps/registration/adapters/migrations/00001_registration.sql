-- +goose Up
CREATE TABLE registrations (
    id               uuid        PRIMARY KEY,
    basket_id        uuid        NOT NULL,
    student_id       uuid        NOT NULL,
    section_id       uuid        NOT NULL,
    module_code      text        NOT NULL,
    semester         text        NOT NULL,
    status           text        NOT NULL,
    reason           text        NOT NULL DEFAULT '',
    fee_minor        bigint      NOT NULL CHECK (fee_minor >= 0),
    currency         text        NOT NULL,
    hold_expires_at  timestamptz,
    offer_expires_at timestamptz,
    version          integer     NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
-- One live registration per student and module and semester: the database refuses a
-- second even if two requests slip past the application's check.
CREATE UNIQUE INDEX registrations_one_active ON registrations (student_id, semester, module_code)
    WHERE status IN ('PENDING_PAYMENT', 'CONFIRMED', 'WAITLISTED', 'OFFERED');
CREATE INDEX registrations_student ON registrations (student_id, created_at);
CREATE INDEX registrations_section ON registrations (section_id, status);

CREATE TABLE registration_timeline (
    registration_id uuid        NOT NULL REFERENCES registrations (id),
    at              timestamptz NOT NULL,
    status          text        NOT NULL,
    note            text        NOT NULL DEFAULT ''
);
CREATE INDEX registration_timeline_reg ON registration_timeline (registration_id, at);

-- Idempotency keys are scoped per student, claimed in the registration's transaction and
-- kept 24 h.
CREATE TABLE idempotency_keys (
    student_id   uuid        NOT NULL,
    key          text        NOT NULL,
    request_hash text        NOT NULL,
    status_code  integer     NOT NULL,
    response     jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (student_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

-- Waitlist positions are unique and gap-free per section: appended under a per-section
-- lock, renumbered when someone leaves or is offered a seat.
CREATE TABLE waitlist (
    section_id      uuid        NOT NULL,
    position        integer     NOT NULL CHECK (position > 0),
    registration_id uuid        NOT NULL UNIQUE REFERENCES registrations (id),
    student_id      uuid        NOT NULL,
    joined_at       timestamptz NOT NULL,
    PRIMARY KEY (section_id, position) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (section_id, student_id)
);

CREATE TABLE overrides (
    id          uuid        PRIMARY KEY,
    student_id  uuid        NOT NULL,
    module_code text        NOT NULL,
    rule        text        NOT NULL CHECK (rule IN ('prerequisite', 'capacity', 'time-conflict')),
    reason      text        NOT NULL,
    granted_by  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    UNIQUE (student_id, module_code, rule)
);

-- Read models of other services' data, kept fresh by their events (and reconciled from
-- their read-model endpoints): eligibility never calls another service per request.
CREATE TABLE rm_modules (
    code            text    PRIMARY KEY,
    credits         integer NOT NULL,
    fee_minor       bigint  NOT NULL,
    currency        text    NOT NULL,
    terms           text[]  NOT NULL,
    prerequisites   jsonb,
    corequisites    text[]  NOT NULL DEFAULT '{}',
    antirequisites  text[]  NOT NULL DEFAULT '{}',
    deleted         boolean NOT NULL DEFAULT false,
    version         integer NOT NULL
);
CREATE TABLE rm_sections (
    id          uuid    PRIMARY KEY,
    module_code text    NOT NULL,
    semester    text    NOT NULL,
    capacity    integer NOT NULL,
    lecturer_id text    NOT NULL DEFAULT '',
    timeslots   jsonb   NOT NULL
);
CREATE TABLE rm_semesters (
    code              text        PRIMARY KEY,
    term              text        NOT NULL,
    add_drop_deadline timestamptz NOT NULL,
    windows           jsonb       NOT NULL
);
CREATE TABLE rm_students (
    id        uuid    PRIMARY KEY,
    programme text    NOT NULL,
    year      integer NOT NULL,
    version   integer NOT NULL
);
CREATE TABLE rm_completed (
    student_id  uuid NOT NULL,
    module_code text NOT NULL,
    term        text NOT NULL,
    grade       text NOT NULL,
    PRIMARY KEY (student_id, module_code, term)
);
CREATE TABLE rm_holds (
    student_id uuid    NOT NULL,
    hold_id    uuid    PRIMARY KEY,
    kind       text    NOT NULL,
    lifted     boolean NOT NULL DEFAULT false
);
CREATE INDEX rm_holds_student ON rm_holds (student_id) WHERE NOT lifted;

-- +goose Down
DROP TABLE rm_holds; DROP TABLE rm_completed; DROP TABLE rm_students; DROP TABLE rm_semesters;
DROP TABLE rm_sections; DROP TABLE rm_modules; DROP TABLE overrides; DROP TABLE waitlist;
DROP TABLE idempotency_keys; DROP TABLE registration_timeline; DROP TABLE registrations;
