package domain_test

import (
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/identity/domain"
)

func TestLockoutAfterRepeatedFailures(t *testing.T) {
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	p := domain.LockoutPolicy{MaxFailures: 3, LockFor: 15 * time.Minute}
	u, err := domain.NewUser("u1", "ada", "hash", "registry", "", now)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		u.RecordFailure(now, p)
	}
	if u.Locked(now) {
		t.Fatal("locked after 2 of 3 failures")
	}
	u.RecordFailure(now, p)
	if !u.Locked(now) || !u.Locked(now.Add(14*time.Minute)) {
		t.Fatal("not locked after 3 failures")
	}
	if u.Locked(now.Add(16 * time.Minute)) {
		t.Fatal("still locked after the lock period")
	}
}

func TestNewUserRules(t *testing.T) {
	now := time.Now()
	cases := []struct {
		name, username, role, student string
		ok                            bool
	}{
		{"student with record", "s1234", "student", "id", true},
		{"student without record", "s1234", "student", "", false},
		{"staff with record", "reg1", "registry", "id", false},
		{"unknown role", "x123", "dean", "", false},
		{"bad username", "A B", "admin", "", false},
	}
	for _, c := range cases {
		if _, err := domain.NewUser("id", c.username, "h", c.role, c.student, now); (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
	}
}
