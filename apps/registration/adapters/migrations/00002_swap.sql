-- +goose Up
-- A swap is a new registration that names the confirmed one it replaces; the old one is
-- dropped when the new one is confirmed, and kept if it fails or expires.
ALTER TABLE registrations ADD COLUMN swap_from uuid REFERENCES registrations (id);
-- A swap lives beside the registration it replaces until it is confirmed (it may be another
-- section of the same module), so the one-live-registration rule covers the others; the
-- student's lock and the eligibility check keep a swap's module from being taken twice.
DROP INDEX registrations_one_active;
CREATE UNIQUE INDEX registrations_one_active ON registrations (student_id, semester, module_code)
    WHERE status IN ('PENDING_PAYMENT', 'CONFIRMED', 'WAITLISTED', 'OFFERED') AND swap_from IS NULL;
-- At most one swap of a registration is under way or done.
CREATE UNIQUE INDEX registrations_one_swap ON registrations (swap_from)
    WHERE status IN ('PENDING_PAYMENT', 'CONFIRMED');

-- +goose Down
DROP INDEX registrations_one_swap;
DROP INDEX registrations_one_active;
CREATE UNIQUE INDEX registrations_one_active ON registrations (student_id, semester, module_code)
    WHERE status IN ('PENDING_PAYMENT', 'CONFIRMED', 'WAITLISTED', 'OFFERED');
ALTER TABLE registrations DROP COLUMN swap_from;
