package domain

import (
	"errors"
	"testing"
)

func TestParseReadsTheFactsAnalyticsCounts(t *testing.T) {
	f, err := Parse(RegistrationConfirmed, []byte(`{"registrationId":"r1","sectionId":"s1","moduleCode":"M1","semester":"2027-SPR",
		"status":"CONFIRMED","aggregateVersion":4,"occurredAt":"2027-01-10T09:00:00Z","feeMinor":100}`))
	if err != nil || f.Registration == nil || f.Registration.AggregateVersion != 4 || f.Registration.Type != RegistrationConfirmed {
		t.Fatalf("got %+v, %v", f.Registration, err)
	}
	f, err = Parse(PaymentFailed, []byte(`{"registrationId":"r1","aggregateVersion":3,"occurredAt":"2027-01-10T09:00:00Z"}`))
	if err != nil || f.Payment == nil || !f.Payment.Failed() {
		t.Fatalf("got %+v, %v", f.Payment, err)
	}
	f, err = Parse("student.created.v1", []byte(`{"studentId":"x"}`))
	if err != nil || f.Section != nil || f.Registration != nil || f.Payment != nil {
		t.Fatalf("an uncounted event gave %+v, %v", f, err)
	}
}

func TestParseRefusesMalformedData(t *testing.T) {
	for typ, data := range map[string]string{
		SectionCreated:        `{"capacity":3}`,
		RegistrationRequested: `{"registrationId":"r1","status":"PENDING_PAYMENT"}`,
		PaymentConfirmed:      `[]`,
		WaitlistOffered:       `not json`,
	} {
		if _, err := Parse(typ, []byte(data)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s %s: got %v, want ErrMalformed", typ, data, err)
		}
	}
}

func TestRatio(t *testing.T) {
	if Ratio(1, 4) != 0.25 || Ratio(3, 0) != 0 {
		t.Fatal("ratio")
	}
}
