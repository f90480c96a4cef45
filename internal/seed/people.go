package seed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	identityadapters "github.com/registrar-edu/registrar/apps/identity/adapters"
	identitydomain "github.com/registrar-edu/registrar/apps/identity/domain"
	studentadapters "github.com/registrar-edu/registrar/apps/student/adapters"
	studentdomain "github.com/registrar-edu/registrar/apps/student/domain"
	"github.com/registrar-edu/registrar/internal/campus"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
	"github.com/registrar-edu/registrar/internal/platform/pgdb"
)

// password is the demo password and its one argon2id hash.
type password struct{ plain, hash string }

// demoPassword reads (or creates once per machine) the demo password, outside the repo.
func demoPassword(home string) (password, error) {
	path := filepath.Join(home, "seed", "demo-password.txt")
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		raw := make([]byte, 6)
		_, _ = rand.Read(raw)
		b = []byte("demo-" + hex.EncodeToString(raw))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return password{}, err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return password{}, err
		}
	} else if err != nil {
		return password{}, err
	}
	plain := strings.TrimSpace(string(b))
	hash, err := identityadapters.DefaultArgon2id.Hash(plain)
	return password{plain: plain, hash: hash}, err
}

func seedStudents(ctx context.Context, e env, c campus.Campus, b *bar) error {
	url, err := e.get("student", "DATABASE_URL")
	if err != nil {
		return err
	}
	pool, err := pgdb.Open(ctx, url, studentadapters.Migrations())
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := outbox.Migrate(ctx, pool); err != nil {
		return err
	}
	keys, err := os.ReadFile(filepath.Join(e.home, "keys", "pii-keys.txt"))
	if err != nil {
		return fmt.Errorf("PII keys (run make setup): %w", err)
	}
	cipher := &studentadapters.FieldCipher{}
	if err := cipher.SetKeys(string(keys)); err != nil {
		return err
	}
	repo := &studentadapters.PostgresStudents{Pool: pool, Cipher: cipher}
	now := time.Now()
	b.setTotal(len(c.Students))
	const batchSize = 500
	for i := 0; i < len(c.Students); i += batchSize {
		var batch []studentadapters.Imported
		for _, s := range c.Students[i:min(i+batchSize, len(c.Students))] {
			st, err := studentdomain.NewStudent(s.ID, s.Number, s.GivenName, s.FamilyName, studentdomain.Personal{
				Email: s.Email, Phone: s.Phone, DateOfBirth: s.DateOfBirth, Address: s.Address}, s.Programme, s.Year, now)
			if err != nil {
				return fmt.Errorf("student %s: %w", s.Number, err)
			}
			imp := studentadapters.Imported{Student: st}
			for _, h := range s.History {
				done, err := studentdomain.NewCompleted(h.Module, h.Grade, h.Term, h.Credits, now)
				if err != nil {
					return fmt.Errorf("history of %s: %w", s.Number, err)
				}
				imp.History = append(imp.History, done)
			}
			for k, h := range s.Holds {
				hold, err := studentdomain.NewHold(uuid.NewSHA1(uuid.MustParse(s.ID), []byte(fmt.Sprint("hold", k))).String(),
					s.ID, studentdomain.HoldKind(h.Kind), h.Reason, "seed", now)
				if err != nil {
					return err
				}
				imp.Holds = append(imp.Holds, hold)
			}
			batch = append(batch, imp)
		}
		if _, err := repo.Import(ctx, batch); err != nil {
			return err
		}
		b.add(len(batch))
	}
	return nil
}

func seedAccounts(ctx context.Context, e env, c campus.Campus, b *bar, demo password) error {
	url, err := e.get("identity", "DATABASE_URL")
	if err != nil {
		return err
	}
	pool, err := pgdb.Open(ctx, url, identityadapters.Migrations())
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := outbox.Migrate(ctx, pool); err != nil {
		return err
	}
	repo := &identityadapters.PostgresUsers{Pool: pool}
	now := time.Now()
	var all []identitydomain.User
	for _, staff := range []struct{ name, role string }{{"admin", "admin"}, {"registry", "registry"}, {"lecturer", "lecturer"}} {
		// Staff accounts get their own hash (same demo password, distinct salt).
		h, err := identityadapters.DefaultArgon2id.Hash(demo.plain)
		if err != nil {
			return err
		}
		id := uuid.NewSHA1(uuid.NameSpaceOID, []byte("registrar/staff/"+staff.name)).String()
		if staff.role == "lecturer" && len(c.Lecturers) > 0 {
			// A lecturer's account carries their lecturer record's id: it is how
			// registration knows which sections (and rosters) are theirs.
			id = c.Lecturers[0].ID
		}
		u, err := identitydomain.NewUser(id, staff.name, h, staff.role, "", now)
		if err != nil {
			return err
		}
		all = append(all, u)
	}
	for _, s := range c.Students {
		u, err := identitydomain.NewUser(uuid.NewSHA1(uuid.MustParse(s.ID), []byte("account")).String(), Username(s),
			demo.hash, "student", s.ID, now)
		if err != nil {
			return err
		}
		all = append(all, u)
	}
	b.setTotal(len(all))
	for i := 0; i < len(all); i += 1000 {
		batch := all[i:min(i+1000, len(all))]
		if _, err := repo.Import(ctx, batch); err != nil {
			return err
		}
		b.add(len(batch))
	}
	return nil
}
