package domain

import (
	"strconv"
	"time"
)

// SeatStatus is the state of one seat of a section.
type SeatStatus string

// A seat is free, held for a registration until it expires, or confirmed (paid).
const (
	StatusFree      SeatStatus = "free"
	StatusHeld      SeatStatus = "held"
	StatusConfirmed SeatStatus = "confirmed"
)

// SeatCounts is a section's seat inventory at one instant. Counted from the seat rows in one
// snapshot, so Capacity = Free + Held + Confirmed always holds.
type SeatCounts struct {
	Capacity  int
	Held      int
	Confirmed int
	Free      int
}

// Consistent reports whether the counts obey the inventory invariant.
func (c SeatCounts) Consistent() bool {
	return c.Capacity == c.Free+c.Held+c.Confirmed && c.Held+c.Confirmed <= c.Capacity && c.Free >= 0
}

// SectionSeats is a section together with its seat counts.
type SectionSeats struct {
	Section Section
	Seats   SeatCounts
}

// Hold is the seat a registration holds (or has confirmed).
type Hold struct {
	SectionID      string
	SeatNo         int
	RegistrationID string
	Status         SeatStatus
	ExpiresAt      time.Time // zero once confirmed
	Version        int64     // the seat row's version, the events' aggregateVersion
}

// ReleaseReason says why a held or confirmed seat became free again.
type ReleaseReason string

// A seat is released by its registration (compensation or drop) or expires unpaid.
const (
	ReasonReleased ReleaseReason = "released"
	ReasonExpired  ReleaseReason = "expired"
)

// Event types and the topic of seat events.
const (
	TopicSeats           = "seats"
	EventSeatHeldV1      = "seat.held.v1"
	EventSeatReleasedV1  = "seat.released.v1"
	EventSeatConfirmedV1 = "seat.confirmed.v1"
)

// SeatHeld announces that a registration holds a seat until ExpiresAt.
type SeatHeld struct {
	SectionID        string    `json:"sectionId"`
	SeatNo           int       `json:"seatNo"`
	RegistrationID   string    `json:"registrationId"`
	ExpiresAt        time.Time `json:"expiresAt"`
	AggregateVersion int64     `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// SeatReleased announces that a seat is free again, and why.
type SeatReleased struct {
	SectionID        string        `json:"sectionId"`
	SeatNo           int           `json:"seatNo"`
	RegistrationID   string        `json:"registrationId"`
	Reason           ReleaseReason `json:"reason"`
	AggregateVersion int64         `json:"aggregateVersion"`
	OccurredAt       time.Time     `json:"occurredAt"`
}

// SeatConfirmed announces that a registration's held seat is now its own.
type SeatConfirmed struct {
	SectionID        string    `json:"sectionId"`
	SeatNo           int       `json:"seatNo"`
	RegistrationID   string    `json:"registrationId"`
	AggregateVersion int64     `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// AggregateID identifies the seat a hold is on, for the outbox.
func (h Hold) AggregateID() string { return h.SectionID + "/" + strconv.Itoa(h.SeatNo) }

// Held is the SeatHeld event of h.
func (h Hold) Held(at time.Time) SeatHeld {
	return SeatHeld{SectionID: h.SectionID, SeatNo: h.SeatNo, RegistrationID: h.RegistrationID,
		ExpiresAt: h.ExpiresAt.UTC(), AggregateVersion: h.Version, OccurredAt: at.UTC()}
}

// Released is the SeatReleased event of h; version is the seat's version after the release.
func (h Hold) Released(reason ReleaseReason, version int64, at time.Time) SeatReleased {
	return SeatReleased{SectionID: h.SectionID, SeatNo: h.SeatNo, RegistrationID: h.RegistrationID,
		Reason: reason, AggregateVersion: version, OccurredAt: at.UTC()}
}

// Confirmed is the SeatConfirmed event of h.
func (h Hold) Confirmed(at time.Time) SeatConfirmed {
	return SeatConfirmed{SectionID: h.SectionID, SeatNo: h.SeatNo, RegistrationID: h.RegistrationID,
		AggregateVersion: h.Version, OccurredAt: at.UTC()}
}
