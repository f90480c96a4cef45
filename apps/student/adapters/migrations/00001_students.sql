-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Personal data (email, phone, date of birth, address) is stored only as AES-GCM
-- ciphertext ("v<key version>:<base64 nonce+ciphertext>"), bound to the row and column.
CREATE TABLE students (
    id             uuid        PRIMARY KEY,
    student_number text        NOT NULL UNIQUE,
    given_name     text        NOT NULL,
    family_name    text        NOT NULL,
    email_enc      text        NOT NULL,
    phone_enc      text        NOT NULL,
    dob_enc        text        NOT NULL,
    address_enc    text        NOT NULL,
    programme      text        NOT NULL,
    year_of_study  smallint    NOT NULL CHECK (year_of_study BETWEEN 1 AND 7),
    version        integer     NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX students_programme ON students (programme, student_number);
-- Registry staff search by name; trigram indexes serve ILIKE '%…%'.
CREATE INDEX students_name_trgm ON students USING gin ((given_name || ' ' || family_name) gin_trgm_ops);

CREATE TABLE student_history (
    student_id  uuid        NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    module_code text        NOT NULL,
    term        text        NOT NULL,
    grade       char(1)     NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D', 'E', 'F')),
    credits     smallint    NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (student_id, module_code, term)
);

CREATE TABLE student_holds (
    id         uuid        PRIMARY KEY,
    student_id uuid        NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    kind       text        NOT NULL CHECK (kind IN ('blocking', 'warning')),
    reason     text        NOT NULL,
    placed_by  text        NOT NULL,
    placed_at  timestamptz NOT NULL,
    lifted_at  timestamptz
);
CREATE INDEX student_holds_student ON student_holds (student_id);

-- +goose Down
DROP TABLE student_holds;
DROP TABLE student_history;
DROP TABLE students;
