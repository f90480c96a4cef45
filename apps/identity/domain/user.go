// Package domain holds identity's user aggregate and its login rules (lock-out after
// repeated failures). It imports only the standard library.
package domain

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Roles a user can have.
var Roles = []string{"student", "lecturer", "registry", "admin"}

// User is an account that can log in.
type User struct {
	ID             string
	Username       string
	PasswordHash   string
	Role           string
	StudentID      string // set for students: their record in the student service
	FailedAttempts int
	LockedUntil    time.Time
	CreatedAt      time.Time
}

// ErrInvalidUser is returned by NewUser for values that break the aggregate's rules.
var ErrInvalidUser = errors.New("invalid user")

var usernameRule = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// NewUser creates a user; the password must already be hashed.
func NewUser(id, username, passwordHash, role, studentID string, now time.Time) (User, error) {
	u := User{ID: id, Username: strings.ToLower(strings.TrimSpace(username)), PasswordHash: passwordHash,
		Role: role, StudentID: studentID, CreatedAt: now.UTC()}
	switch {
	case !usernameRule.MatchString(u.Username):
		return User{}, errors.Join(ErrInvalidUser, errors.New("username must be 3-64 lower-case letters, digits, '.', '_' or '-'"))
	case !slices.Contains(Roles, role):
		return User{}, errors.Join(ErrInvalidUser, errors.New("unknown role"))
	case role == "student" && studentID == "":
		return User{}, errors.Join(ErrInvalidUser, errors.New("a student account needs its student id"))
	case role != "student" && studentID != "":
		return User{}, errors.Join(ErrInvalidUser, errors.New("only student accounts link a student id"))
	case passwordHash == "":
		return User{}, errors.Join(ErrInvalidUser, errors.New("password hash missing"))
	}
	return u, nil
}

// LockoutPolicy says how many failures lock an account and for how long.
type LockoutPolicy struct {
	MaxFailures int
	LockFor     time.Duration
}

// Locked reports whether the account refuses logins at now.
func (u User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// RecordFailure counts a failed login and locks the account when the policy says so.
func (u *User) RecordFailure(now time.Time, p LockoutPolicy) {
	u.FailedAttempts++
	if u.FailedAttempts >= p.MaxFailures {
		u.LockedUntil = now.Add(p.LockFor)
		u.FailedAttempts = 0
	}
}

// RecordSuccess clears the failure count after a good login.
func (u *User) RecordSuccess() {
	u.FailedAttempts = 0
	u.LockedUntil = time.Time{}
}

// UserCreated announces a new account (ids and role only).
type UserCreated struct {
	UserID           string    `json:"userId"`
	Role             string    `json:"role"`
	StudentID        string    `json:"studentId,omitempty"`
	AggregateVersion int       `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// Topic and event type of the user aggregate.
const (
	TopicUsers         = "users"
	EventUserCreatedV1 = "user.created.v1"
)
