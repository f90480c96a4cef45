package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// swapView is the answer to a swap: the new registration, naming the one it replaces.
type swapView struct {
	ID        string `json:"id"`
	SectionID string `json:"sectionId"`
	Status    string `json:"status"`
	SwapFrom  string `json:"swapFrom"`
}

func swap(t *testing.T, tok, key, registrationID, toSection, payment string) (int, []byte) {
	t.Helper()
	body := map[string]any{"toSectionId": toSection}
	if payment != "" {
		body["paymentMethod"] = payment
	}
	status, _, b := call(t, http.MethodPost, appURL("gateway")+"/api/v1/registrations/"+registrationID+"/swap", body,
		append(bearer(tok), "Idempotency-Key", key)...)
	return status, b
}

// confirmedIn registers a new student in a section, pays, and waits for CONFIRMED.
func confirmedIn(t *testing.T, section string) (string, string) {
	t.Helper()
	_, tok := enrolled(t)
	status, body := register(t, tok, "key-"+uuid.NewString(), []string{section}, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("register: %d %s", status, body)
	}
	reg := decode[accepted](t, body).Registrations[0]
	if r := waitStatus(t, tok, reg.ID, "CONFIRMED", "FAILED", "EXPIRED"); r.Status != "CONFIRMED" {
		t.Fatalf("registration ended %s (%s)", r.Status, r.Reason)
	}
	return tok, reg.ID
}

// TestSwapToAnotherSectionOfTheSameModule: a student confirmed in section A swaps to
// section B of the same module, at the same time: B is confirmed and paid once, A is
// dropped with its fee refunded and its seat freed. Replaying the key answers the same.
func TestSwapToAnotherSectionOfTheSameModule(t *testing.T) {
	sectionA, _ := newSection(t, 2)
	sectionB, _ := newSection(t, 1)
	tok, regA := confirmedIn(t, sectionA)

	key := "key-" + uuid.NewString()
	status, body := swap(t, tok, key, regA, sectionB, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("swap: %d %s", status, body)
	}
	b := decode[swapView](t, body)
	if b.Status != "PENDING_PAYMENT" || b.SwapFrom != regA || b.SectionID != sectionB || b.ID == regA {
		t.Fatalf("swap answered %s", body)
	}
	if status, body := swap(t, tok, key, regA, sectionB, "pm_card_visa"); status != http.StatusAccepted || decode[swapView](t, body).ID != b.ID {
		t.Fatalf("replayed swap: %d %s, want registration %s", status, body, b.ID)
	}

	if r := waitStatus(t, tok, b.ID, "CONFIRMED", "FAILED", "EXPIRED"); r.Status != "CONFIRMED" {
		t.Fatalf("swap ended %s (%s)", r.Status, r.Reason)
	}
	a := waitStatus(t, tok, regA, "DROPPED")
	if !strings.HasPrefix(a.Reason, "swapped to "+sectionB) {
		t.Fatalf("A dropped with reason %q", a.Reason)
	}
	if n := chargesFor(t, b.ID); n != 1 {
		t.Fatalf("charges for the swap: %d, want 1", n)
	}
	if n := chargesFor(t, regA); n != 1 {
		t.Fatalf("charges for the registration swapped from: %d, want its one original charge", n)
	}
	// The semester's add/drop deadline is ahead, so A's fee comes back.
	eventually(t, 30*time.Second, "A's fee to be refunded", func() bool {
		_, refunds, _ := gatewayEntries(t, "refund:"+regA)
		return len(refunds) == 1 && refunds[0] > 0
	})
	eventually(t, 30*time.Second, "A's seat to be freed and B's confirmed", func() bool {
		sa, sb := seatsOf(t, sectionA), seatsOf(t, sectionB)
		return sa.Confirmed == 0 && sa.Held == 0 && sa.Free == 2 && sb.Confirmed == 1 && sb.Held == 0 && sb.Free == 0
	})

	// B is now full: another student's swap to it is refused at once and keeps their place.
	tok2, reg2 := confirmedIn(t, sectionA)
	if status, body := swap(t, tok2, "key-"+uuid.NewString(), reg2, sectionB, "pm_card_visa"); status != http.StatusConflict {
		t.Fatalf("swap to a full section: %d %s, want 409", status, body)
	}
	if r := registration(t, tok2, reg2); r.Status != "CONFIRMED" {
		t.Fatalf("after a refused swap the registration is %s", r.Status)
	}
	// Nobody swaps someone else's registration.
	if status, body := swap(t, tok2, "key-"+uuid.NewString(), b.ID, sectionA, "pm_card_visa"); status != http.StatusNotFound {
		t.Fatalf("swap of another student's registration: %d %s, want 404", status, body)
	}
}

// TestFailedSwapKeepsTheOriginal: a swap paid with a declining card fails, and the
// registration it would have replaced stays confirmed with its seat.
func TestFailedSwapKeepsTheOriginal(t *testing.T) {
	sectionA, _ := newSection(t, 2)
	sectionB, _ := newSection(t, 2)
	tok, regA := confirmedIn(t, sectionA)

	status, body := swap(t, tok, "key-"+uuid.NewString(), regA, sectionB, "pm_card_chargeDeclined")
	if status != http.StatusAccepted {
		t.Fatalf("swap: %d %s", status, body)
	}
	b := decode[swapView](t, body)
	failed := waitStatus(t, tok, b.ID, "CONFIRMED", "FAILED", "EXPIRED")
	if failed.Status != "FAILED" || !strings.Contains(failed.Reason, "declined") {
		t.Fatalf("declined swap ended %s (%s)", failed.Status, failed.Reason)
	}
	if n := chargesFor(t, b.ID); n != 0 {
		t.Fatalf("a declined card was charged %d times", n)
	}
	eventually(t, 30*time.Second, "B's held seat to return", func() bool {
		s := seatsOf(t, sectionB)
		return s.Held == 0 && s.Confirmed == 0 && s.Free == 2
	})
	// FAILED is the saga's last step: had it dropped A, A would show it by now.
	if a := registration(t, tok, regA); a.Status != "CONFIRMED" {
		t.Fatalf("after a failed swap A is %s (%s)", a.Status, a.Reason)
	}
	if s := seatsOf(t, sectionA); s.Confirmed != 1 || s.Free != 1 {
		t.Fatalf("after a failed swap A's section has %+v", s)
	}
	if _, refunds, _ := gatewayEntries(t, "refund:"+regA); len(refunds) != 0 {
		t.Fatalf("A was refunded %v after a failed swap", refunds)
	}

	// A failed swap does not block the next one.
	status, body = swap(t, tok, "key-"+uuid.NewString(), regA, sectionB, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("swap after a failed one: %d %s", status, body)
	}
	again := decode[swapView](t, body)
	if r := waitStatus(t, tok, again.ID, "CONFIRMED", "FAILED", "EXPIRED"); r.Status != "CONFIRMED" {
		t.Fatalf("second swap ended %s (%s)", r.Status, r.Reason)
	}
	waitStatus(t, tok, regA, "DROPPED")
}
