package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/registration/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Swap is the command behind POST /api/v1/registrations/{id}/swap: drop registration
// RegistrationID and take a seat in ToSectionID instead; if the new one fails, the old one
// is kept.
type Swap struct {
	StudentID      string
	Key            string
	RegistrationID string
	ToSectionID    string
	PaymentMethod  string
}

// Hash is the request fingerprint an idempotency key is bound to.
func (c Swap) Hash() string {
	b, _ := json.Marshal(struct {
		Swap          string `json:"swap"`
		ToSectionID   string `json:"toSectionId"`
		PaymentMethod string `json:"paymentMethod"`
	}{c.RegistrationID, c.ToSectionID, c.PaymentMethod})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Swap accepts a swap of a confirmed registration A to section B: B is judged as if A were
// not taken, a seat in B is held (a full B is refused: a swap never waits), and the new
// registration — which names A — is recorded with the key and its saga start in one
// transaction, as Register does. A is dropped by B's saga once B is confirmed.
func (s *Service) Swap(ctx context.Context, cmd Swap) (Answer, error) {
	return s.accept(ctx, cmd.StudentID, cmd.Key, cmd.Hash(), func(tx AcceptTx, held *[]string) (Answer, error) {
		from, _, err := s.owned(ctx, cmd.RegistrationID, cmd.StudentID, false)
		if err != nil {
			return Answer{}, err
		}
		if from.Status != domain.Confirmed {
			return Answer{}, errs.E(errs.Conflict, "registration is %s: only a confirmed registration can be swapped", from.Status)
		}
		if from.SectionID == cmd.ToSectionID {
			return Answer{}, errs.InvalidFields("nothing to swap",
				errs.FieldError{Field: "toSectionId", Message: "must be another section than the registration's own"})
		}
		req, err := s.eligible(ctx, tx, cmd.StudentID, from.Semester, []string{cmd.ToSectionID}, from.ID)
		if err != nil {
			return Answer{}, err
		}
		sec := req.Sections[0]
		r := newRegistration(uuid.NewString(), cmd.StudentID, sec, req.Modules[sec.ModuleCode], s.Now())
		r.SwapFrom = from.ID
		ok, err := s.holdSeat(ctx, tx, &r, held, req.Overridden(sec.ModuleCode, domain.RuleCapacity))
		if err != nil {
			return Answer{}, err
		}
		if !ok {
			return Answer{}, errs.E(errs.Conflict, "section %s is full (a swap does not join the waitlist): you keep %s", sec.ID, from.SectionID)
		}
		if err := tx.Insert(ctx, &r, cmd.PaymentMethod); err != nil {
			return Answer{}, err
		}
		v := View(r)
		body, _ := json.Marshal(v)
		return Answer{Status: 202, Body: body, Location: v.Location}, nil
	})
}

// CompleteSwap drops the registration a confirmed swap replaced — refund per the add/drop
// rule, seat released, reason "swapped to <section>" — as a step of the swap's saga. A
// repeat, or a registration the student dropped meanwhile, changes nothing.
func (s *Service) CompleteSwap(ctx context.Context, fromID, toSectionID string) error {
	from, _, err := s.Store.Get(ctx, fromID)
	if err != nil {
		return fmt.Errorf("registration %s: %w", fromID, err)
	}
	if from.Status != domain.Confirmed {
		return nil
	}
	_, err = s.dropConfirmed(ctx, from, "swapped to "+toSectionID, s.Now())
	return err
}
