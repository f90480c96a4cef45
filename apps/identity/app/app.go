// Package app holds identity's commands: log in, refresh, create users. It declares the
// storage, hashing and signing it needs; adapters provide them.
package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/identity/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Users stores accounts. Update runs fn on a locked row inside a transaction.
type Users interface {
	Create(ctx context.Context, u domain.User) error
	ByUsername(ctx context.Context, username string) (domain.User, error)
	ByID(ctx context.Context, id string) (domain.User, error)
	Update(ctx context.Context, id string, fn func(*domain.User) error) error
}

// RefreshToken is a stored refresh token (only its hash is kept).
type RefreshToken struct {
	Hash      string
	UserID    string
	Family    string
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// RefreshTokens stores refresh tokens. Rotate runs fn on the locked token.
type RefreshTokens interface {
	Insert(ctx context.Context, t RefreshToken) error
	Rotate(ctx context.Context, hash string, fn func(RefreshToken) (*RefreshToken, error)) error
	RevokeFamily(ctx context.Context, family string) error
}

// AccessClaims are the claims of an access token.
type AccessClaims struct {
	Issuer, Audience, Subject, ID string
	Role, StudentID               string
	IssuedAt, ExpiresAt           time.Time
}

// Signer signs access tokens and publishes its public keys.
type Signer interface {
	Sign(AccessClaims) (string, error)
}

// Hasher hashes and verifies passwords.
type Hasher interface {
	Hash(password string) (string, error)
	Verify(hash, password string) (bool, error)
}

// Service is the identity application service.
type Service struct {
	Users      Users
	Tokens     RefreshTokens
	Signer     Signer
	Hasher     Hasher
	Lockout    domain.LockoutPolicy
	Issuer     string
	Audience   string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	Now        func() time.Time

	dummyHash string
}

// ErrNotFound is what adapters return for a missing user or token.
var ErrNotFound = errs.E(errs.NotFound, "not found")

var errBadCredentials = errs.E(errs.Unauthorized, "invalid username or password")

// Tokens is the answer to a login or refresh.
type Tokens struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int    `json:"expiresIn"`
}

// Login checks a username and password and issues tokens. Unknown users cost the same
// hashing work as known ones, so response time does not reveal which usernames exist.
func (s *Service) Login(ctx context.Context, username, password string) (Tokens, error) {
	if s.dummyHash == "" {
		s.dummyHash, _ = s.Hasher.Hash("not-a-real-password")
	}
	u, err := s.Users.ByUsername(ctx, username)
	if errors.Is(err, ErrNotFound) {
		_, _ = s.Hasher.Verify(s.dummyHash, password)
		return Tokens{}, errBadCredentials
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("login %s: %w", username, err)
	}
	now := s.Now()
	if u.Locked(now) {
		return Tokens{}, lockedError(u.LockedUntil)
	}
	ok, err := s.Hasher.Verify(u.PasswordHash, password)
	if err != nil {
		return Tokens{}, fmt.Errorf("verify password of %s: %w", u.ID, err)
	}
	var lockedUntil time.Time
	err = s.Users.Update(ctx, u.ID, func(cur *domain.User) error {
		if ok {
			cur.RecordSuccess()
		} else {
			cur.RecordFailure(now, s.Lockout)
		}
		lockedUntil = cur.LockedUntil
		return nil
	})
	if err != nil {
		return Tokens{}, fmt.Errorf("record login of %s: %w", u.ID, err)
	}
	if !ok {
		if now.Before(lockedUntil) {
			return Tokens{}, lockedError(lockedUntil)
		}
		return Tokens{}, errBadCredentials
	}
	return s.issue(ctx, u, uuid.NewString())
}

func lockedError(until time.Time) error {
	return errs.E(errs.Locked, "account locked after repeated failed logins until %s", until.UTC().Format(time.RFC3339))
}

// Refresh exchanges a refresh token for new tokens; the old one is spent. Presenting a
// spent token again means it was stolen or replayed: the whole family is revoked.
func (s *Service) Refresh(ctx context.Context, token string) (Tokens, error) {
	now := s.Now()
	var user domain.User
	var family string
	reused := false
	err := s.Tokens.Rotate(ctx, hashToken(token), func(t RefreshToken) (*RefreshToken, error) {
		if t.RevokedAt != nil {
			reused = true
			family = t.Family
			return nil, nil
		}
		if !now.Before(t.ExpiresAt) {
			return nil, errs.E(errs.Unauthorized, "refresh token expired")
		}
		u, err := s.Users.ByID(ctx, t.UserID)
		if err != nil {
			return nil, err
		}
		user, family = u, t.Family
		revoked := now
		t.RevokedAt = &revoked
		return &t, nil
	})
	if errors.Is(err, ErrNotFound) {
		return Tokens{}, errs.E(errs.Unauthorized, "unknown refresh token")
	}
	if err != nil {
		return Tokens{}, err
	}
	if reused {
		if err := s.Tokens.RevokeFamily(ctx, family); err != nil {
			return Tokens{}, err
		}
		return Tokens{}, errs.E(errs.Unauthorized, "refresh token reused: all sessions of this login are revoked")
	}
	if user.Locked(now) {
		return Tokens{}, lockedError(user.LockedUntil)
	}
	return s.issue(ctx, user, family)
}

func (s *Service) issue(ctx context.Context, u domain.User, family string) (Tokens, error) {
	now := s.Now()
	access, err := s.Signer.Sign(AccessClaims{Issuer: s.Issuer, Audience: s.Audience, Subject: u.ID, ID: uuid.NewString(),
		Role: u.Role, StudentID: u.StudentID, IssuedAt: now, ExpiresAt: now.Add(s.AccessTTL)})
	if err != nil {
		return Tokens{}, fmt.Errorf("sign access token: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Tokens{}, err
	}
	refresh := base64.RawURLEncoding.EncodeToString(raw)
	if err := s.Tokens.Insert(ctx, RefreshToken{Hash: hashToken(refresh), UserID: u.ID, Family: family,
		ExpiresAt: now.Add(s.RefreshTTL)}); err != nil {
		return Tokens{}, fmt.Errorf("store refresh token: %w", err)
	}
	return Tokens{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(s.AccessTTL.Seconds())}, nil
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// CreateUser is the command to open an account.
type CreateUser struct {
	Username  string
	Password  string
	Role      string
	StudentID string
}

// Create opens an account with a freshly hashed password.
func (s *Service) Create(ctx context.Context, cmd CreateUser) (domain.User, error) {
	hash, err := s.Hasher.Hash(cmd.Password)
	if err != nil {
		return domain.User{}, fmt.Errorf("hash password: %w", err)
	}
	u, err := domain.NewUser(uuid.NewString(), cmd.Username, hash, cmd.Role, cmd.StudentID, s.Now())
	if err != nil {
		return domain.User{}, errs.Wrap(errs.Invalid, err, err.Error())
	}
	if err := s.Users.Create(ctx, u); err != nil {
		return domain.User{}, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	return u, nil
}

// Get returns one user.
func (s *Service) Get(ctx context.Context, id string) (domain.User, error) {
	return s.Users.ByID(ctx, id)
}
