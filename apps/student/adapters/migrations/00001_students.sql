-- +goose Up
CREATE TABLE students (
    id             uuid        PRIMARY KEY,
    student_number text        NOT NULL UNIQUE,
    given_name     text        NOT NULL,
    family_name    text        NOT NULL,
    email          text        NOT NULL,
    programme      text        NOT NULL,
    year_of_study  smallint    NOT NULL CHECK (year_of_study BETWEEN 1 AND 7),
    version        integer     NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX students_programme ON students (programme, student_number);

-- +goose Down
DROP TABLE students;
