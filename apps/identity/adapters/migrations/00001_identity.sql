-- +goose Up
CREATE TABLE users (
    id              uuid        PRIMARY KEY,
    username        text        NOT NULL UNIQUE,
    password_hash   text        NOT NULL,
    role            text        NOT NULL CHECK (role IN ('student', 'lecturer', 'registry', 'admin')),
    student_id      uuid        UNIQUE,
    failed_attempts integer     NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Only a hash of each refresh token is kept; a family links the tokens of one login so
-- that a replayed token can revoke them all.
CREATE TABLE refresh_tokens (
    token_hash text        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family     uuid        NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE users;
