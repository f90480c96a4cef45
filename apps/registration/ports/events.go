package ports

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/registrar-edu/registrar/apps/registration/app"
	"github.com/registrar-edu/registrar/apps/registration/domain"
	"github.com/registrar-edu/registrar/internal/platform/events"
)

// Events keeps the read models fresh from the owners' events and reacts to freed seats.
// Every handler is idempotent: read-model writes are upserts guarded by versions or keys,
// and a seat offer is decided by the seat inventory (a duplicate finds no free seat).
type Events struct {
	Models  app.ReadModels
	Service *app.Service
	Log     *slog.Logger
}

func (e *Events) handle(w http.ResponseWriter, r *http.Request, apply func(events.CloudEvent) error) {
	ce, err := events.Decode(r)
	if err != nil {
		events.Reply(w, events.Drop)
		return
	}
	if err := apply(ce); err != nil {
		e.Log.WarnContext(r.Context(), "event will be retried", "type", ce.Type, "id", ce.ID, "err", err)
		events.Reply(w, events.Retry)
		return
	}
	events.Reply(w, events.Success)
}

// OnSubject handles subject.created/updated/deleted.v1.
func (e *Events) OnSubject(w http.ResponseWriter, r *http.Request) {
	e.handle(w, r, func(ce events.CloudEvent) error {
		var d struct {
			Code    string `json:"code"`
			Credits int    `json:"credits"`
			Fee     struct {
				AmountMinor int64  `json:"amountMinor"`
				Currency    string `json:"currency"`
			} `json:"fee"`
			TermsOffered     []string             `json:"termsOffered"`
			Prerequisites    *domain.Prerequisite `json:"prerequisites"`
			CoRequisites     []string             `json:"coRequisites"`
			AntiRequisites   []string             `json:"antiRequisites"`
			AggregateVersion int                  `json:"aggregateVersion"`
		}
		if err := json.Unmarshal(ce.Data, &d); err != nil || d.Code == "" {
			return nil // poison: nothing to apply
		}
		if ce.Type == "subject.deleted.v1" {
			return e.Models.DeleteModule(r.Context(), d.Code, d.AggregateVersion)
		}
		return e.Models.UpsertModule(r.Context(), app.ModuleFacts{Code: d.Code, Credits: d.Credits,
			Fee: domain.Money{Minor: d.Fee.AmountMinor, Currency: d.Fee.Currency}, Terms: d.TermsOffered,
			Prerequisites: d.Prerequisites, CoRequisites: d.CoRequisites, AntiRequisites: d.AntiRequisites, Version: d.AggregateVersion})
	})
}

// OnSection handles section.created.v1.
func (e *Events) OnSection(w http.ResponseWriter, r *http.Request) {
	e.handle(w, r, func(ce events.CloudEvent) error {
		var d app.SectionFacts
		var raw struct {
			SectionID string `json:"sectionId"`
		}
		if json.Unmarshal(ce.Data, &d) != nil || json.Unmarshal(ce.Data, &raw) != nil || raw.SectionID == "" {
			return nil
		}
		d.ID = raw.SectionID
		return e.Models.UpsertSection(r.Context(), d)
	})
}

// OnSemester handles semester.created.v1.
func (e *Events) OnSemester(w http.ResponseWriter, r *http.Request) {
	e.handle(w, r, func(ce events.CloudEvent) error {
		var d app.SemesterFacts
		if json.Unmarshal(ce.Data, &d) != nil || d.Code == "" {
			return nil
		}
		return e.Models.UpsertSemester(r.Context(), d)
	})
}

// OnStudent handles the student events registration needs.
func (e *Events) OnStudent(w http.ResponseWriter, r *http.Request) {
	e.handle(w, r, func(ce events.CloudEvent) error {
		var d struct {
			StudentID        string `json:"studentId"`
			Programme        string `json:"programme"`
			YearOfStudy      int    `json:"yearOfStudy"`
			ModuleCode       string `json:"moduleCode"`
			Grade            string `json:"grade"`
			Term             string `json:"term"`
			HoldID           string `json:"holdId"`
			Kind             string `json:"kind"`
			AggregateVersion int    `json:"aggregateVersion"`
		}
		if json.Unmarshal(ce.Data, &d) != nil || d.StudentID == "" {
			return nil
		}
		ctx := r.Context()
		switch ce.Type {
		case "student.created.v1", "student.updated.v1":
			return e.Models.UpsertStudent(ctx, app.StudentFacts{StudentID: d.StudentID, Programme: d.Programme,
				YearOfStudy: d.YearOfStudy, Version: d.AggregateVersion})
		case "student.history-recorded.v1":
			return e.Models.AddCompleted(ctx, d.StudentID, d.ModuleCode, d.Term, d.Grade)
		case "student.hold-placed.v1", "student.hold-lifted.v1":
			return e.Models.HoldChanged(ctx, d.StudentID, d.HoldID, d.Kind, ce.Type == "student.hold-lifted.v1")
		}
		return nil
	})
}

// OnSeat handles seat.released.v1: a freed seat goes to the first waitlisted student.
func (e *Events) OnSeat(w http.ResponseWriter, r *http.Request) {
	e.handle(w, r, func(ce events.CloudEvent) error {
		if ce.Type != "seat.released.v1" {
			return nil
		}
		var d struct {
			SectionID string `json:"sectionId"`
		}
		if json.Unmarshal(ce.Data, &d) != nil || d.SectionID == "" {
			return nil
		}
		n, err := e.Service.OfferFreedSeats(r.Context(), d.SectionID)
		if n > 0 {
			e.Log.InfoContext(r.Context(), "waitlist offers made", "offers", n, "section", d.SectionID)
		}
		return err
	})
}
