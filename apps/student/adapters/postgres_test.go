package adapters_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/apps/student/adapters"
	"github.com/registrar-edu/registrar/apps/student/app"
	"github.com/registrar-edu/registrar/apps/student/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
	"github.com/registrar-edu/registrar/internal/platform/pgdb"
	"github.com/registrar-edu/registrar/internal/platform/pgdb/pgtest"
)

func newKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func setup(t *testing.T) (*adapters.PostgresStudents, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	url, _ := pgtest.NewDB(t)
	pool, err := pgdb.Open(ctx, url, adapters.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := outbox.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	c := &adapters.FieldCipher{}
	if err := c.SetKeys("1:" + newKey()); err != nil {
		t.Fatal(err)
	}
	return &adapters.PostgresStudents{Pool: pool, Cipher: c}, pool
}

func student(t *testing.T, number, email string) domain.Student {
	t.Helper()
	s, err := domain.NewStudent(uuid.NewString(), number, "Ada", "Lovelace",
		domain.Personal{Email: email, Phone: "+44 20 7946 0000", DateOfBirth: "2004-12-10", Address: "12 St James's Square, London"},
		"CS", 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCreateWritesStudentAndEventTogether(t *testing.T) {
	ctx := context.Background()
	repo, pool := setup(t)
	s := student(t, "S0001", "ada@x.ac.uk")
	if err := repo.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := repo.Get(ctx, s.ID)
	if err != nil || got.StudentNumber != "S0001" || got.Personal != s.Personal {
		t.Fatalf("get: %+v %v", got, err)
	}
	var events int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND event_type = $2`,
		s.ID, domain.EventStudentCreatedV1).Scan(&events); err != nil || events != 1 {
		t.Fatalf("outbox rows %d %v", events, err)
	}
	var payload string
	_ = pool.QueryRow(ctx, `SELECT payload::text FROM outbox WHERE aggregate_id = $1`, s.ID).Scan(&payload)
	if strings.Contains(payload, "ada@") || strings.Contains(payload, "Lovelace") {
		t.Fatalf("event carries personal data: %s", payload)
	}

	dup := student(t, "S0001", "other@x.ac.uk")
	if err := repo.Create(ctx, dup); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("duplicate number: %v, want a conflict", err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&events); err != nil || events != 1 {
		t.Fatalf("a refused create left an event: %d rows", events)
	}
	if _, err := repo.Get(ctx, dup.ID); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("get missing: %v", err)
	}
}

func TestPersonalDataIsEncryptedAtRest(t *testing.T) {
	ctx := context.Background()
	repo, pool := setup(t)
	a, b := student(t, "S0001", "same@x.ac.uk"), student(t, "S0002", "same@x.ac.uk")
	for _, s := range []domain.Student{a, b} {
		if err := repo.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	// Straight from the table: no plaintext anywhere in the row.
	var rowA, rowB, emailA, emailB string
	if err := pool.QueryRow(ctx, `SELECT s::text, email_enc FROM students s WHERE id = $1`, a.ID).Scan(&rowA, &emailA); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT s::text, email_enc FROM students s WHERE id = $1`, b.ID).Scan(&rowB, &emailB); err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"same@x.ac.uk", "7946", "2004-12-10", "St James"} {
		if strings.Contains(rowA, plain) {
			t.Fatalf("row holds plaintext %q: %s", plain, rowA)
		}
	}
	if emailA == emailB {
		t.Fatal("two students with the same email have the same ciphertext")
	}

	// One flipped byte: decryption fails loudly, it never returns a wrong value.
	raw, _ := base64.StdEncoding.DecodeString(strings.SplitN(emailA, ":", 2)[1])
	raw[len(raw)-1] ^= 0x01
	tampered := "v1:" + base64.StdEncoding.EncodeToString(raw)
	if _, err := pool.Exec(ctx, `UPDATE students SET email_enc = $2 WHERE id = $1`, a.ID, tampered); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Get(ctx, a.ID); err == nil || !strings.Contains(err.Error(), "decryption failed") {
		t.Fatalf("tampered ciphertext: err = %v", err)
	}
	// A ciphertext moved to another row does not decrypt either (bound to its row).
	if _, err := pool.Exec(ctx, `UPDATE students SET email_enc = $2 WHERE id = $1`, b.ID, emailA); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Get(ctx, b.ID); err == nil {
		t.Fatal("a ciphertext copied from another row decrypted")
	}
}

func TestKeyRotationKeepsOldRowsReadable(t *testing.T) {
	ctx := context.Background()
	repo, pool := setup(t)
	old := newKey()
	if err := repo.Cipher.SetKeys("1:" + old); err != nil {
		t.Fatal(err)
	}
	s := student(t, "S0009", "rot@x.ac.uk")
	if err := repo.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := repo.Cipher.SetKeys("1:" + old + "\n2:" + newKey()); err != nil {
		t.Fatal(err)
	}
	if got, err := repo.Get(ctx, s.ID); err != nil || got.Personal.Email != "rot@x.ac.uk" {
		t.Fatalf("old row after rotation: %+v %v", got, err)
	}
	if _, err := repo.Update(ctx, s.ID, func(st *domain.Student) error { return st.SetPersonal(st.Personal, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	var enc string
	_ = pool.QueryRow(ctx, `SELECT email_enc FROM students WHERE id = $1`, s.ID).Scan(&enc)
	if !strings.HasPrefix(enc, "v2:") {
		t.Fatalf("rewritten row not sealed with the new key: %s", enc[:3])
	}
}

func TestHistoryHoldsAndSearch(t *testing.T) {
	ctx := context.Background()
	repo, pool := setup(t)
	s := student(t, "S0100", "h@x.ac.uk")
	if err := repo.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	c, _ := domain.NewCompleted("CS101", "B", "2025-AUT", 15, time.Now())
	if _, err := repo.RecordCompleted(ctx, s.ID, c); err != nil {
		t.Fatal(err)
	}
	h, _ := domain.NewHold(uuid.NewString(), s.ID, domain.Blocking, "unpaid fees", "registry-1", time.Now())
	if _, err := repo.PlaceHold(ctx, h); err != nil {
		t.Fatal(err)
	}
	hist, _ := repo.History(ctx, s.ID)
	holds, _ := repo.Holds(ctx, s.ID)
	if len(hist) != 1 || len(holds) != 1 || !holds[0].Active() {
		t.Fatalf("history %v holds %v", hist, holds)
	}
	if _, err := repo.LiftHold(ctx, s.ID, h.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.LiftHold(ctx, s.ID, h.ID, time.Now()); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("lifting twice: %v", err)
	}
	got, _ := repo.Get(ctx, s.ID)
	if got.Version != 4 {
		t.Fatalf("version %d after create, history, hold, lift; want 4", got.Version)
	}
	var n int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE aggregate_id = $1`, s.ID).Scan(&n)
	if n != 4 {
		t.Fatalf("%d events, want 4", n)
	}
	found, err := repo.Search(ctx, app.SearchQuery{Name: "lovel", Limit: 10})
	if err != nil || len(found) != 1 {
		t.Fatalf("search: %v %v", found, err)
	}
}
