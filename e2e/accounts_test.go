package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	identityadapters "github.com/registrar-edu/registrar/apps/identity/adapters"
	identityapp "github.com/registrar-edu/registrar/apps/identity/app"
)

// accounts opens user accounts straight in identity's database (as `make seed` does) and
// logs in through the gateway like any client.
type accounts struct {
	svc *identityapp.Service
	mu  sync.Mutex
	tok map[string]string // username → access token
}

var users *accounts

func openAccounts(ctx context.Context) (*accounts, func(), error) {
	spec, _ := opts.App("identity")
	pool, err := pgxpool.New(ctx, spec.Env["DATABASE_URL"])
	if err != nil {
		return nil, nil, err
	}
	store := &identityadapters.PostgresUsers{Pool: pool}
	svc := &identityapp.Service{Users: store, Tokens: store, Hasher: identityadapters.DefaultArgon2id, Now: time.Now}
	return &accounts{svc: svc, tok: map[string]string{}}, pool.Close, nil
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// create opens an account and returns its password.
func (a *accounts) create(t *testing.T, username, role, studentID string) string {
	t.Helper()
	pw := randomPassword()
	if _, err := a.svc.Create(context.Background(), identityapp.CreateUser{Username: username, Password: pw, Role: role,
		StudentID: studentID}); err != nil {
		t.Fatalf("create account %s: %v", username, err)
	}
	return pw
}

type tokenPair struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	ExpiresIn    int    `json:"expiresIn"`
}

// login logs in through the gateway.
func login(t *testing.T, username, password string) (int, tokenPair) {
	t.Helper()
	status, _, body := call(t, http.MethodPost, appURL("gateway")+"/api/v1/auth/login",
		map[string]string{"username": username, "password": password})
	if status != http.StatusOK {
		return status, tokenPair{}
	}
	return status, decode[tokenPair](t, body)
}

// token returns an access token for a (new, cached) account of the given role.
func (a *accounts) token(t *testing.T, role string) string {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	name := "e2e-" + role
	if tok, ok := a.tok[name]; ok {
		return tok
	}
	pw := a.create(t, name, role, "")
	status, pair := login(t, name, pw)
	if status != http.StatusOK {
		t.Fatalf("login %s: %d", name, status)
	}
	a.tok[name] = pair.AccessToken
	return pair.AccessToken
}

var studentAccounts atomicCounter

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCounter) next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

// studentWithLogin enrols a student through the gateway (as registry staff), opens their
// account and logs them in.
func studentWithLogin(t *testing.T) (student, string) {
	t.Helper()
	s := createStudent(t)
	name := fmt.Sprintf("e2e-student-%d-%d", time.Now().UnixNano()%1e6, studentAccounts.next())
	pw := users.create(t, name, "student", s.ID)
	status, pair := login(t, name, pw)
	if status != http.StatusOK {
		t.Fatalf("student login: %d", status)
	}
	return s, pair.AccessToken
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }
