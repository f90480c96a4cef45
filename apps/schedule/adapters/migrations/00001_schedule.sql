-- +goose Up
-- btree_gist lets one exclusion constraint combine equality (room, lecturer, semester, day)
-- with range overlap (the minutes of a timeslot). It is a trusted extension: the database
-- owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE semesters (
    code              text        PRIMARY KEY,
    term              text        NOT NULL CHECK (term IN ('AUTUMN', 'SPRING', 'SUMMER')),
    starts_on         date        NOT NULL,
    ends_on           date        NOT NULL,
    add_drop_deadline date        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (starts_on < ends_on),
    CHECK (add_drop_deadline BETWEEN starts_on AND ends_on)
);

-- Time tickets: when each cohort (year of study) may register.
CREATE TABLE registration_windows (
    semester_code text        NOT NULL REFERENCES semesters ON DELETE CASCADE,
    year_of_study smallint    NOT NULL CHECK (year_of_study BETWEEN 1 AND 7),
    opens_at      timestamptz NOT NULL,
    closes_at     timestamptz NOT NULL,
    PRIMARY KEY (semester_code, year_of_study),
    CHECK (opens_at < closes_at)
);

CREATE TABLE rooms (
    code       text        PRIMARY KEY,
    building   text        NOT NULL,
    capacity   integer     NOT NULL CHECK (capacity > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lecturers (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL,
    department text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Weekly availability; day 1 = Monday .. 5 = Friday, times in minutes after midnight.
CREATE TABLE lecturer_availability (
    lecturer_id  uuid     NOT NULL REFERENCES lecturers ON DELETE CASCADE,
    day          smallint NOT NULL CHECK (day BETWEEN 1 AND 5),
    start_minute smallint NOT NULL,
    end_minute   smallint NOT NULL,
    PRIMARY KEY (lecturer_id, day, start_minute, end_minute),
    CHECK (start_minute >= 0 AND start_minute < end_minute AND end_minute <= 1440)
);

CREATE TABLE sections (
    id            uuid        PRIMARY KEY,
    module_code   text        NOT NULL,
    semester_code text        NOT NULL REFERENCES semesters,
    capacity      integer     NOT NULL CHECK (capacity > 0),
    lecturer_id   uuid        REFERENCES lecturers,
    room_code     text        NOT NULL REFERENCES rooms,
    version       integer     NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sections_semester_module ON sections (semester_code, module_code);

-- A section's weekly meetings. Semester, room and lecturer are copied from the section so
-- that the exclusion constraints below can refuse a double-booked room or lecturer inside
-- the inserting transaction: two concurrent creates cannot both pass (the second waits for
-- the first and then fails with 23P01). A NULL lecturer (unassigned) conflicts with nobody.
CREATE TABLE section_timeslots (
    section_id    uuid     NOT NULL REFERENCES sections ON DELETE CASCADE,
    semester_code text     NOT NULL,
    room_code     text     NOT NULL,
    lecturer_id   uuid,
    day           smallint NOT NULL CHECK (day BETWEEN 1 AND 5),
    start_minute  smallint NOT NULL,
    end_minute    smallint NOT NULL,
    during        int4range GENERATED ALWAYS AS (int4range(start_minute, end_minute)) STORED,
    PRIMARY KEY (section_id, day, start_minute),
    CHECK (start_minute >= 0 AND start_minute < end_minute AND end_minute <= 1440),
    CONSTRAINT room_double_booked EXCLUDE USING gist
        (semester_code WITH =, room_code WITH =, day WITH =, during WITH &&),
    CONSTRAINT lecturer_double_booked EXCLUDE USING gist
        (semester_code WITH =, lecturer_id WITH =, day WITH =, during WITH &&)
);

-- The seat inventory: one row per seat. A hold claims one free row with
-- FOR UPDATE SKIP LOCKED, so concurrent holds take different seats instead of queueing on a
-- counter row. Counts are computed from these rows (never kept in a second place that
-- could disagree, or become the hot row again).
CREATE TABLE seats (
    section_id      uuid        NOT NULL REFERENCES sections ON DELETE CASCADE,
    seat_no         integer     NOT NULL CHECK (seat_no > 0),
    status          text        NOT NULL DEFAULT 'free' CHECK (status IN ('free', 'held', 'confirmed')),
    registration_id uuid,
    expires_at      timestamptz,
    version         bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (section_id, seat_no),
    CHECK ((status = 'free') = (registration_id IS NULL)),
    CHECK ((status = 'held') = (expires_at IS NOT NULL))
);
-- One seat per registration, ever at a time: the backstop of HoldSeat's idempotency.
CREATE UNIQUE INDEX seats_registration ON seats (registration_id) WHERE registration_id IS NOT NULL;
CREATE INDEX seats_free ON seats (section_id, seat_no) WHERE status = 'free';
CREATE INDEX seats_expiry ON seats (expires_at) WHERE status = 'held';

-- +goose Down
DROP TABLE seats;
DROP TABLE section_timeslots;
DROP TABLE sections;
DROP TABLE lecturer_availability;
DROP TABLE lecturers;
DROP TABLE rooms;
DROP TABLE registration_windows;
DROP TABLE semesters;
