package app_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/registration/app"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

type fakeTeaching struct {
	roster func(id string) (app.Roster, error)
}

func (f fakeTeaching) SectionsTaughtBy(context.Context, string) ([]app.TeachingSection, error) {
	return nil, nil
}
func (f fakeTeaching) Roster(_ context.Context, id string) (app.Roster, error) { return f.roster(id) }

func TestRosterOnlyForTheSectionsLecturerOrStaff(t *testing.T) {
	section, lecturer := uuid.NewString(), uuid.NewString()
	svc := &app.Service{Teaching: fakeTeaching{roster: func(id string) (app.Roster, error) {
		if id != section {
			return app.Roster{}, errs.E(errs.NotFound, "unknown section")
		}
		return app.Roster{SectionID: id, LecturerID: lecturer}, nil
	}}}
	cases := []struct {
		name, section, lecturer string
		staff                   bool
		want                    errs.Kind // 0: allowed
	}{
		{"the section's lecturer", section, lecturer, false, 0},
		{"registry staff", section, "", true, 0},
		{"another lecturer", section, uuid.NewString(), false, errs.Forbidden},
		{"no lecturer id", section, "", false, errs.Forbidden},
		{"unknown section", uuid.NewString(), lecturer, false, errs.NotFound},
		{"malformed id", "nope", lecturer, false, errs.Invalid},
	}
	for _, c := range cases {
		r, err := svc.SectionRoster(context.Background(), c.section, c.lecturer, c.staff)
		switch {
		case c.want == 0 && (err != nil || r.SectionID != section):
			t.Errorf("%s: %v", c.name, err)
		case c.want != 0 && errs.KindOf(err) != c.want:
			t.Errorf("%s: %v, want kind %v", c.name, err, c.want)
		}
	}
}
