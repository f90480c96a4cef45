package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// keySet caches identity's JWKS, fetched through the gateway's sidecar. An unknown kid
// (a rotated key) triggers a refetch, at most once per minRefresh, so a flood of forged
// kids cannot hammer identity.
type keySet struct {
	url        string
	client     *http.Client
	minRefresh time.Duration

	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	fetched time.Time
}

func (k *keySet) fetch(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch jwks: identity answered %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("decode jwks: %w", err)
	}
	if len(set.Keys) == 0 {
		return errors.New("identity published no keys yet")
	}
	k.mu.Lock()
	k.keys, k.fetched = set, time.Now()
	k.mu.Unlock()
	return nil
}

// key returns the public key with the given kid, refetching the set if it is unknown.
func (k *keySet) key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	k.mu.Lock()
	found := k.keys.Key(kid)
	stale := time.Since(k.fetched) > k.minRefresh
	k.mu.Unlock()
	if len(found) == 0 && stale {
		if err := k.fetch(ctx); err != nil {
			return nil, errs.Wrap(errs.Unavailable, err, "token keys unavailable, try again shortly")
		}
		k.mu.Lock()
		found = k.keys.Key(kid)
		k.mu.Unlock()
	}
	if len(found) == 0 {
		return nil, errs.E(errs.Unauthorized, "token signed by an unknown key")
	}
	return &found[0], nil
}

// Check is the "identity-keys" readiness dependency.
func (k *keySet) Check(ctx context.Context) error {
	k.mu.Lock()
	loaded := len(k.keys.Keys) > 0
	k.mu.Unlock()
	if loaded {
		return nil
	}
	return k.fetch(ctx)
}

// verifier checks access tokens: EdDSA only (so "none" and HMAC tricks fail), a known key,
// the issuer, the audience, expiry and not-before (with a little clock leeway).
type verifier struct {
	keys     *keySet
	issuer   string
	audience string
	leeway   time.Duration
	now      func() time.Time
}

var allowedAlgs = []jose.SignatureAlgorithm{jose.EdDSA}

type roleClaims struct {
	Role      string `json:"role"`
	StudentID string `json:"sid"`
}

// Verify returns the principal of a valid bearer token.
func (v *verifier) Verify(ctx context.Context, header string) (authz.Principal, error) {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || raw == "" {
		return authz.Principal{}, errs.E(errs.Unauthorized, "a bearer token is required")
	}
	tok, err := jwt.ParseSigned(strings.TrimSpace(raw), allowedAlgs)
	if err != nil {
		return authz.Principal{}, errs.E(errs.Unauthorized, "malformed or unsupported token")
	}
	if len(tok.Headers) != 1 || tok.Headers[0].KeyID == "" {
		return authz.Principal{}, errs.E(errs.Unauthorized, "token has no key id")
	}
	key, err := v.keys.key(ctx, tok.Headers[0].KeyID)
	if err != nil {
		return authz.Principal{}, err
	}
	var std jwt.Claims
	var extra roleClaims
	if err := tok.Claims(key.Key, &std, &extra); err != nil {
		return authz.Principal{}, errs.E(errs.Unauthorized, "token signature is invalid")
	}
	if std.Expiry == nil {
		return authz.Principal{}, errs.E(errs.Unauthorized, "token has no expiry")
	}
	err = std.ValidateWithLeeway(jwt.Expected{Issuer: v.issuer, AnyAudience: jwt.Audience{v.audience}, Time: v.now()}, v.leeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return authz.Principal{}, errs.E(errs.Unauthorized, "token expired")
	case errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return authz.Principal{}, errs.E(errs.Unauthorized, "token not valid yet")
	case errors.Is(err, jwt.ErrInvalidAudience):
		return authz.Principal{}, errs.E(errs.Unauthorized, "token is not meant for this API")
	case err != nil:
		return authz.Principal{}, errs.E(errs.Unauthorized, "token rejected: %v", err)
	}
	p := authz.Principal{UserID: std.Subject, Role: authz.Role(extra.Role), StudentID: extra.StudentID}
	if p.UserID == "" || !p.Role.Valid() || (p.Role == authz.Student && p.StudentID == "") {
		return authz.Principal{}, errs.E(errs.Unauthorized, "token lacks a subject or role")
	}
	return p, nil
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p authz.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalFrom(ctx context.Context) (authz.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(authz.Principal)
	return p, ok
}
