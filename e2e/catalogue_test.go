package e2e

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/internal/seed"
)

type moduleView struct {
	Code          string `json:"code"`
	Prerequisites *struct {
		Op       string `json:"op"`
		Module   string `json:"module"`
		Operands []any  `json:"operands"`
	} `json:"prerequisites"`
}

type sectionView struct {
	ID         string `json:"id"`
	ModuleCode string `json:"moduleCode"`
	Seats      struct {
		Capacity  int `json:"capacity"`
		Held      int `json:"held"`
		Confirmed int `json:"confirmed"`
		Free      int `json:"free"`
	} `json:"seats"`
}

// A seeded student logs in, lists the modules of their programme with prerequisites and
// the sections of one with free seats.
func TestSeededStudentBrowsesTheirProgramme(t *testing.T) {
	s := seeded.Campus.Students[0]
	status, pair := login(t, seed.Username(s), seeded.DemoPassword)
	if status != http.StatusOK {
		t.Fatalf("seeded student login: %d", status)
	}
	gw, tok := appURL("gateway"), pair.AccessToken

	status, _, body := call(t, http.MethodGet, gw+"/api/v1/me", nil, bearer(tok)...)
	me := decode[struct {
		ID        string `json:"id"`
		Programme string `json:"programme"`
	}](t, body)
	if status != http.StatusOK || me.ID != s.ID || me.Programme != s.Programme {
		t.Fatalf("/me: %d %s", status, body)
	}

	status, _, body = call(t, http.MethodGet, gw+"/api/v1/subjects?programme="+url.QueryEscape(me.Programme), nil, bearer(tok)...)
	if status != http.StatusOK {
		t.Fatalf("subjects: %d %s", status, body)
	}
	mods := decode[struct {
		Items []moduleView `json:"items"`
	}](t, body).Items
	withPrereq := 0
	for _, m := range mods {
		if m.Prerequisites != nil {
			withPrereq++
		}
	}
	if len(mods) == 0 || withPrereq == 0 {
		t.Fatalf("programme %s: %d modules, %d with prerequisites: %s", me.Programme, len(mods), withPrereq, body)
	}

	var sections []sectionView
	for _, m := range mods {
		status, _, body = call(t, http.MethodGet, gw+"/api/v1/sections?semester=2026-AUT&subject="+m.Code, nil, bearer(tok)...)
		if status != http.StatusOK {
			t.Fatalf("sections of %s: %d %s", m.Code, status, body)
		}
		sections = append(sections, decode[struct {
			Items []sectionView `json:"items"`
		}](t, body).Items...)
		status, _, body = call(t, http.MethodGet, gw+"/api/v1/sections?semester=2027-SPR&subject="+m.Code, nil, bearer(tok)...)
		if status == http.StatusOK {
			sections = append(sections, decode[struct {
				Items []sectionView `json:"items"`
			}](t, body).Items...)
		}
		time.Sleep(120 * time.Millisecond) // a polite client: stay under the per-user rate limit
	}
	if len(sections) == 0 {
		t.Fatalf("no sections for the modules of %s", me.Programme)
	}
	for _, sec := range sections {
		if sec.Seats.Capacity == 0 || sec.Seats.Free != sec.Seats.Capacity-sec.Seats.Held-sec.Seats.Confirmed {
			t.Fatalf("section %s seats %+v", sec.ID, sec.Seats)
		}
	}
}
